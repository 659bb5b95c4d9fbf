"""Tests that a no-change `triage-tui sync` of a GitHub source loads only what it needs before its requests: no
SQLAlchemy (nothing is written when every page answers 304), no mail or intake stack, no advisory formats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from github_fake import FakeGitHub, seed
from gpg_fixtures import GpgWorld, write_team_config

NOT_NEEDED = ("sqlalchemy", "sqlmodel", "imapclient", "triage_tui.sync.mail_source", "triage_tui.advisories.record")
"""Modules a no-change GitHub sync has no use for (each was loaded before its first request)."""


def test_a_no_change_github_sync_loads_nothing_it_does_not_need(
    tmp_path: Path, gpg_world: GpgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitHub() as gh:
        repositories = list(seed(gh, 10, 3))
        gh.add_token("ghp_startup", read=repositories)
        monkeypatch.setenv("GH_TOKEN_STARTUP", "ghp_startup")
        listed = ", ".join(f'"{name}"' for name in repositories)
        source = (
            f'\n[sources.gh]\nkind = "github"\napi_url = "{gh.url}"\nrepositories = [{listed}]\n'
            'token_env = "GH_TOKEN_STARTUP"\n'
        )
        write_team_config(tmp_path, gpg_world, source)
        command = [sys.executable, "-m", "triage_tui", "sync", "--home", str(tmp_path)]
        first = subprocess.run(command, capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        gh.reset_log()
        probe = (
            "import sys\nfrom triage_tui.cli import run\n"
            f"code = run(['sync', '--home', {str(tmp_path)!r}])\n"
            f"print(code, sorted(m for m in {NOT_NEEDED!r} if m in sys.modules))"
        )
        again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert again.stdout.strip().splitlines()[-1] == "0 []", again.stdout + again.stderr
        assert {request.status for request in gh.requests} == {304}
