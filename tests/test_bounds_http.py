"""Bounds on what a GitHub-compatible API may send (issue 15, item 8), against a hostile loopback server: a gzip bomb,
an endless same-host Link chain, a server trickling one byte at a time; each fails its repository with a clear error
and the other repository still syncs. Also: plain http to a non-loopback host is refused, and a rate limit of days
is shown with its date."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hostile_http import HostileApi, run_with_limit
from test_github_sync import CONFIG, TOKEN
from triage_tui.config import ConfigError, GithubSourceConfig, parse_config
from triage_tui.github.sync import sync_github
from triage_tui.sources import github_api
from triage_tui.sources.base import SourceError
from triage_tui.sources.github_api import GitHubClient
from triage_tui.sync.jobs import SourceReport, SyncProgress


def sync_against(
    tmp_path: Path,
    api: HostileApi,
    cancel: threading.Event | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    **bounds: object,
) -> SourceReport:
    text = CONFIG + (
        f'\n[sources.gh]\nkind = "github"\napi_url = "{api.url}"\n'
        'repositories = ["pypa/pip", "astral-sh/uv"]\ntoken_env = "UNUSED"\n'
    )
    config = parse_config(tmp_path / "config.toml", text)
    source = config.sources["gh"]
    assert isinstance(source, GithubSourceConfig)
    client = GitHubClient(api.url, TOKEN, **bounds)  # type: ignore[arg-type]
    try:
        return sync_github(tmp_path / "triage.db", config, source, client=client, cancel=cancel, progress=progress)
    finally:
        client.close()


def test_a_gzip_bomb_is_stopped_at_the_body_cap(tmp_path: Path) -> None:
    with HostileApi("bomb", bomb_inflated=64 * 1024 * 1024) as api:
        assert api.bomb_size < 100_000  # real gzip: 64 MB of JSON in under 100 KB
        report = sync_against(tmp_path, api, max_body=1024 * 1024)
    assert "pypa/pip: the answer inflates to over 1048576 bytes; not read" in (report.error or "")
    assert any(path.startswith("/repos/astral-sh/uv/") for path in api.paths)  # the next repository still synced


def test_the_default_body_cap_is_sane() -> None:
    from triage_tui.sources import http_bounds

    assert 1024 * 1024 <= http_bounds.MAX_BODY_BYTES <= 64 * 1024 * 1024
    assert 30 <= http_bounds.MAX_EXCHANGE_S <= 600


def test_an_endless_link_chain_stops_at_the_page_bound(tmp_path: Path) -> None:
    with HostileApi("links") as api:
        finished, report = run_with_limit(30, lambda: sync_against(tmp_path, api, max_pages=25))
        pip_pages = [path for path in api.paths if path.startswith("/repos/pypa/pip/")]
    assert finished, "the Link chain was followed without end"
    assert isinstance(report, SourceReport)
    assert "pypa/pip: more than 25 list pages; stopped there" in (report.error or "")
    assert len(pip_pages) == 25
    assert any(path.startswith("/repos/astral-sh/uv/") for path in api.paths)
    assert 100 <= github_api.MAX_PAGES <= 10_000


def test_cancel_is_heard_between_list_pages(tmp_path: Path) -> None:
    cancel = threading.Event()
    pages_done: list[SyncProgress] = []

    def cancel_after_three(progress: SyncProgress) -> None:
        pages_done.append(progress)
        if len(pages_done) == 3:
            cancel.set()  # as the app's cancel key does, while the sync runs in its worker

    with HostileApi("links") as api:
        finished, report = run_with_limit(30, lambda: sync_against(tmp_path, api, cancel, cancel_after_three))
    assert finished, "cancel was not checked between pages"
    assert isinstance(report, SourceReport) and "cancelled" in (report.error or "")
    assert len(api.paths) == 4  # the page read while the third was taken in, then nothing


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"])
def test_a_trickling_server_is_cut_off_at_the_exchange_deadline(tmp_path: Path, mode: str) -> None:
    with HostileApi(mode, trickle_s=0.3) as api:
        started = time.monotonic()
        finished, report = run_with_limit(30, lambda: sync_against(tmp_path, api, timeout=1.0, exchange_s=2.0))
        took = time.monotonic() - started
    assert finished, "a server sending a byte at a time held the sync"
    assert isinstance(report, SourceReport)
    assert "pypa/pip: the answer took over 2 s (the server sends too slowly)" in (report.error or "")
    assert took < 10


def test_plain_http_to_another_host_is_refused(tmp_path: Path) -> None:
    text = (
        CONFIG
        + '\n[sources.gh]\nkind = "github"\napi_url = "http://ghe.example.org/api/v3"\nrepositories = ["pypa/pip"]\n'
    )
    with pytest.raises(ConfigError, match=r"sources\.gh\.api_url.*plain http sends the token in clear"):
        parse_config(tmp_path / "config.toml", text)
    with pytest.raises(SourceError, match="plain http sends the token in clear"):
        GitHubClient("http://ghe.example.org/api/v3", TOKEN)
    loopback = (
        CONFIG + '\n[sources.gh]\nkind = "github"\napi_url = "http://127.0.0.1:9/"\nrepositories = ["pypa/pip"]\n'
    )
    assert parse_config(tmp_path / "config.toml", loopback).sources["gh"]


def test_a_rate_limit_of_days_is_shown_with_its_date() -> None:
    now = time.mktime((2026, 12, 5, 12, 0, 0, 0, 0, -1))
    client = GitHubClient("http://127.0.0.1:9", TOKEN, clock=lambda: now)
    try:
        days = github_api.httpx.Response(429, headers={"retry-after": str(3 * 86400)})
        with pytest.raises(github_api.ApiError, match="holds until about 2026-12-08 12:00:00"):
            client._wait_for(days, "pypa/pip", 0)
        dated = github_api.httpx.Response(429, headers={"retry-after": "Wed, 09 Dec 2026 12:00:00 GMT"})
        with pytest.raises(github_api.ApiError, match="holds until about 2026-12-09"):
            client._wait_for(dated, "pypa/pip", 0)
        far = github_api.httpx.Response(429, headers={"retry-after": "1e300"})
        with pytest.raises(github_api.ApiError, match="too far ahead"):
            client._wait_for(far, "pypa/pip", 0)
    finally:
        client.close()


def test_bodies_are_inflated_under_the_cap_and_other_encodings_refused() -> None:
    import gzip
    import zlib

    from triage_tui.sources.http_bounds import BodyError, read_body

    def answer(body: bytes, encoding: str | None) -> github_api.httpx.Response:
        headers = {"content-encoding": encoding} if encoding else {}
        return github_api.httpx.Response(200, headers=headers, stream=github_api.httpx.ByteStream(body))

    raw = zlib.compressobj(wbits=-15)
    assert read_body(answer(gzip.compress(b"[1,") + gzip.compress(b"2]"), "gzip")) == b"[1,2]"  # two members
    assert read_body(answer(zlib.compress(b"[]"), "deflate")) == b"[]"
    assert read_body(answer(raw.compress(b"[]") + raw.flush(), "deflate")) == b"[]"  # deflate as often sent: raw
    for body, encoding, reason in [
        (gzip.compress(b" " * 2000), "gzip", "inflates to over 1000 bytes"),
        (b" " * 1001, None, "over 1000 bytes"),
        (gzip.compress(gzip.compress(b" " * 2000)), "gzip, gzip", "encoded as 'gzip, gzip'"),
        (b"x", "br", "encoded as 'br'"),
        (b"not gzip", "gzip", "damaged"),
    ]:
        with pytest.raises(BodyError, match=reason):
            read_body(answer(body, encoding), 1000)
