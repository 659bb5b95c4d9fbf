"""Bounds on what an IMAP server may send (issue 15, item 8), against a hostile raw-socket server on loopback:
endless untagged responses, a literal claiming 10^14 bytes and a server trickling one byte at a time each end the sync
of that source with a clear error; a FETCH answer that leaves a UID out is asked again, then the message is kept as
an intake failure instead of being passed over by the cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hostile_http import run_with_limit
from hostile_imap import HostileImap
from test_config import FPR
from triage_tui.config import ImapSourceConfig, parse_config
from triage_tui.sources.imap import ImapSource
from triage_tui.store.connection import prepare_database, reader
from triage_tui.store.store import Store
from triage_tui.sync.jobs import SourceReport
from triage_tui.sync.mail_source import sync_source

SMALL: dict[str, Any] = {  # ints and a float, for ImapBounds(**SMALL)
    "max_literal": 1024 * 1024, "max_answer_bytes": 4 * 1024 * 1024, "max_answer_lines": 10_000, "answer_s": 2.0,
    "fetch_group_bytes": 1024 * 1024,
}  # fmt: skip


def sync_from(tmp_path: Path, server: HostileImap, monkeypatch: pytest.MonkeyPatch, **bounds: float) -> SourceReport:
    monkeypatch.setenv("TT_HOSTILE_PASSWORD", "secret")
    text = (
        f'[identity]\nname = "Alex"\nemail = "alex@example.org"\nfingerprint = "{FPR}"\n\n'
        f'[sources.mailbox]\nkind = "imap"\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
        'username = "alex"\npassword_env = "TT_HOSTILE_PASSWORD"\n'
    )
    config = parse_config(tmp_path / "config.toml", text)
    source = config.sources["mailbox"]
    assert isinstance(source, ImapSourceConfig)
    prepare_database(tmp_path / "triage.db")
    from triage_tui.sources.imap_bounds import ImapBounds

    return sync_source(
        Store(tmp_path / "triage.db"), config, ImapSource(source, timeout=2.0, bounds=ImapBounds(**{**SMALL, **bounds}))
    )


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("flood", "one answer of over 10000 lines"),
        ("literal", "a literal of 100000000000000 bytes (at most 1048576)"),
        ("trickle", "the answer took over 2 s (the server sends too slowly)"),
    ],
)
def test_a_hostile_answer_is_refused_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, reason: str
) -> None:
    with HostileImap(mode) as server:
        finished, report = run_with_limit(30, lambda: sync_from(tmp_path, server, monkeypatch))
    assert finished, "the hostile answer held the sync"
    assert isinstance(report, SourceReport) and not report.ok
    assert f"source 'mailbox' (127.0.0.1:{server.port}): the server's answer during FETCH from 'INBOX' was refused: " \
        f"{reason}; what was synced so far is kept" == report.error  # fmt: skip


def test_a_flood_while_connecting_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HostileImap("capability-flood") as server:
        finished, report = run_with_limit(30, lambda: sync_from(tmp_path, server, monkeypatch))
    assert finished and isinstance(report, SourceReport) and not report.ok
    assert "the server's answer during connecting was refused: one answer of over 10000 lines" in (report.error or "")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("status-flood", "one answer of over 10000 lines"),
        ("status-literal", "a literal of 100000000000000 bytes (at most 1048576)"),
    ],
)
def test_a_refused_status_answer_is_not_reported_as_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, reason: str
) -> None:
    with HostileImap(mode) as server:
        finished, report = run_with_limit(30, lambda: sync_from(tmp_path, server, monkeypatch))
    assert finished and isinstance(report, SourceReport) and not report.ok
    assert f"source 'mailbox' (127.0.0.1:{server.port}): the server's answer during STATUS of 'INBOX' was refused: " \
        f"{reason}; what was synced so far is kept" == report.error  # fmt: skip


def test_a_uid_left_out_of_the_answer_is_asked_again_then_kept_as_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileImap("omit", uids=3, omitted=2) as server:
        report = sync_from(tmp_path, server, monkeypatch)
    assert report.ok and report.new_cases == 2 and report.failures == 1
    assert server.fetches == [[1, 2, 3], [1, 2, 3], [2]]  # sizes, bodies, the left-out one again
    with reader(tmp_path / "triage.db") as connection:
        failures = connection.execute("SELECT source_key, reason FROM intake_failures").fetchall()
    assert [key for key, _ in failures] == ["INBOX/7/2"]
    assert "left UID 2 out of its FETCH answer 2 times" in failures[0][1]


def test_a_message_over_the_literal_bound_is_kept_as_too_large_without_its_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileImap("plain", uids=2) as server:
        report = sync_from(tmp_path, server, monkeypatch, max_literal=50)
    assert report.ok and report.new_cases == 0 and report.failures == 2
    assert server.fetches == [[1, 2]]  # the sizes only: no body was asked for
    with reader(tmp_path / "triage.db") as connection:
        reasons = [row[0] for row in connection.execute("SELECT reason FROM intake_failures ORDER BY source_key")]
    assert reasons == [f"could not read the item: too large ({size} bytes, limit 50)" for size in (102, 102)]


def test_the_default_imap_bounds_are_sane() -> None:
    from triage_tui.sources import imap_bounds
    from triage_tui.sources.imap_bounds import ImapBounds

    defaults = ImapBounds()
    assert defaults.fetch_group_bytes < defaults.max_answer_bytes <= 256 * 1024 * 1024
    assert defaults.max_literal <= defaults.max_answer_bytes
    assert 10_000 <= imap_bounds.MAX_ANSWER_LINES <= 1_000_000 and 60 <= imap_bounds.MAX_ANSWER_S <= 900
