"""Tests that an error every repository of a GitHub source shares (a refused token) is said once, with how many
repositories it stopped, in `triage-tui sync`'s output and in the app's sync notification."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from github_fake import FakeGitHub, seed
from test_config import FPR
from triage_tui.cli.sync_command import run_sync
from triage_tui.config import Config, GithubSourceConfig, parse_config
from triage_tui.github.sync import sync_github
from triage_tui.sources.github_api import GitHubClient
from triage_tui.store.store import Store

REPOSITORIES = 10


def github_config(tmp_path: Path, url: str, repositories: list[str]) -> Config:
    listed = ", ".join(f'"{name}"' for name in repositories)
    text = (
        f'[identity]\nname = "Alex"\nemail = "alex@example.org"\nfingerprint = "{FPR}"\n\n'
        f'[sources.gh]\nkind = "github"\napi_url = "{url}"\nrepositories = [{listed}]\ntoken_env = "GH_TOKEN_ONCE"\n'
    )
    return parse_config(tmp_path / "config.toml", text)


@pytest.fixture
def ten(tmp_path: Path) -> Iterator[tuple[FakeGitHub, Config]]:
    with FakeGitHub() as gh:
        repositories = list(seed(gh, REPOSITORIES, 1))
        gh.add_token("ghp_good", read=repositories)
        yield gh, github_config(tmp_path, gh.url, repositories)


def test_a_refused_token_is_said_once_for_all_ten_repositories(
    ten: tuple[FakeGitHub, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gh, config = ten
    monkeypatch.setenv("GH_TOKEN_ONCE", "ghp_wrong")
    err = io.StringIO()
    code = run_sync(config.path.parent / "triage.db", config, only=None, json_output=False, out=io.StringIO(), err=err)
    text = err.getvalue()
    assert code == 1
    assert text.count("refused the token") == 1, text
    assert "all 10 repositories" in text
    assert max(len(line) for line in text.splitlines()) < 300, text


def test_an_error_of_some_repositories_is_said_once_naming_them(ten: tuple[FakeGitHub, Config], tmp_path: Path) -> None:
    gh, _config = ten
    # 4 of the 10 repositories named do not exist: they fail alike, and say so once, named.
    missing = [f"pypa/missing-{i}" for i in range(4)]
    config = github_config(tmp_path, gh.url, [*(f"pypa/project-{i}" for i in range(6)), *missing])
    gh.add_token("ghp_some", read=[f"pypa/project-{i}" for i in range(REPOSITORIES)])
    source = config.sources["gh"]
    assert isinstance(source, GithubSourceConfig)
    client = GitHubClient(gh.url, "ghp_some")
    try:
        with Store(tmp_path / "triage.db") as store:
            outcome = sync_github(store, config, source, client=client)
    finally:
        client.close()
    error = outcome.error or ""
    assert error.count("not found") == 1, error
    assert "(4 repositories: pypa/missing-0, pypa/missing-1, pypa/missing-2 and 1 more)" in error


async def test_the_app_says_a_refused_token_once(
    ten: tuple[FakeGitHub, Config], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage_tui.app import TriageApp
    from ui_fixtures import settle

    _gh, config = ten
    monkeypatch.setenv("GH_TOKEN_ONCE", "ghp_wrong")
    Store(tmp_path / "triage.db").close()
    app = TriageApp(tmp_path / "triage.db", config)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        for _ in range(50):
            await settle(pilot)
            if app.sync_cancel is None and app._notifications:
                break
            await pilot.pause(0.1)
        [notice] = [n for n in app._notifications if "refused the token" in n.message]
    assert notice.message.count("refused the token") == 1 and "all 10 repositories" in notice.message
