"""Tests that a sync is one list of jobs run in turn on one store: their order, the store opened once, and a
no-change sync that never loads SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from gpg_fixtures import GpgWorld, write_team_config
from report_maildir import Reports, build_reports, maildir_source
from test_config import FPR, VALID
from triage_tui.config import Project, load_config, parse_config
from triage_tui.sources.base import Batch, SyncState
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store import database
from triage_tui.store import projects as store_projects
from triage_tui.store.store import Store
from triage_tui.sync.run import SyncBusy, sync_all, sync_jobs, sync_turn

TEAM = f"""
[sources.hub]
kind = "github"
repositories = ["pypa/pip"]
token_env = "GITHUB_TOKEN"

[team]
coordinators = ["{FPR}"]
source = "security-inbox"
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, gpg_world: GpgWorld) -> Reports:
    return build_reports(tmp_path_factory.mktemp("reports"), gpg_world, count=3)


def test_the_sources_run_in_config_order_then_the_team_folder_then_the_outbox(tmp_path: Path) -> None:
    config = parse_config(tmp_path / "config.toml", VALID + TEAM)
    with Store(tmp_path / "triage.db") as store:
        every = [job.name for job in sync_jobs(store, config)]
        only = [job.name for job in sync_jobs(store, config, only="hub")]
    assert every == ["security-inbox", "local", "hub", "team", "outbox"]
    assert only == ["hub"]  # one source named: neither the team folder nor the outbox


def test_an_unknown_source_is_one_failed_report_naming_the_known_ones(tmp_path: Path) -> None:
    config = parse_config(tmp_path / "config.toml", VALID)
    with Store(tmp_path / "triage.db") as store:
        (report,) = sync_all(store, config, only="nope")
    assert not report.ok and report.source == "nope"
    assert report.error == f"no source named 'nope' in {config.path} (known: security-inbox, local)"


def test_a_second_sync_in_the_turn_of_another_is_refused(tmp_path: Path) -> None:
    config = parse_config(tmp_path / "config.toml", VALID)
    with Store(tmp_path / "triage.db") as store, sync_turn(store.path):
        with pytest.raises(SyncBusy, match="another sync is running"):
            sync_all(store, config, only="local")


def test_every_source_writes_through_the_one_store_which_learns_the_projects_once(
    tmp_path: Path, gpg_world: GpgWorld, reports: Reports, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = maildir_source(reports).replace("[sources.local]", "[sources.again]")
    config = load_config(write_team_config(tmp_path, gpg_world, maildir_source(reports) + second))
    synced: list[tuple[Project, ...]] = []
    write_projects = store_projects.write_projects

    def counted(connection: Connection, projects: tuple[Project, ...]) -> None:
        synced.append(tuple(projects))
        write_projects(connection, projects)

    def refused(path: Path) -> None:
        raise AssertionError(f"a job opened an engine of its own on {path}")

    monkeypatch.setattr(store_projects, "write_projects", counted)
    monkeypatch.setattr(database, "open_engine", refused)
    with Store(tmp_path / "triage.db") as store:
        local, again = sync_all(store, config)
    assert local.ok and local.new_cases == 3 and again.ok
    assert synced == [tuple(config.projects.values())]


def test_a_job_that_raises_is_its_own_failed_report_and_the_jobs_after_it_still_run(
    tmp_path: Path, gpg_world: GpgWorld, reports: Reports, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = maildir_source(reports).replace("[sources.local]", "[sources.again]")
    config = load_config(write_team_config(tmp_path, gpg_world, maildir_source(reports) + second))
    batches = MaildirSource.batches

    def broken_for_local(self: MaildirSource, state: SyncState, chunk_size: int) -> Iterator[Batch]:
        if self.name == "local":  # a bug in one source, quoting what it read
            raise UnicodeDecodeError("utf-8", b"secret report text", 0, 1, "invalid start byte")
        return batches(self, state, chunk_size)

    monkeypatch.setattr(MaildirSource, "batches", broken_for_local)
    with Store(tmp_path / "triage.db") as store:
        local, again = sync_all(store, config)
    assert not local.ok and local.error is not None
    assert local.error.startswith("internal error: UnicodeDecodeError at ") and "secret" not in local.error
    assert again.ok and again.new_cases == 3


def test_a_sync_with_nothing_new_never_imports_sqlalchemy(
    tmp_path: Path, gpg_world: GpgWorld, reports: Reports
) -> None:
    write_team_config(tmp_path, gpg_world, maildir_source(reports))
    command = [sys.executable, "-m", "triage_tui", "sync", "--home", str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True)
    probe = (
        "import sys\nfrom triage_tui.cli import run\n"
        f"code = run(['sync', '--home', {str(tmp_path)!r}])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))"
    )
    again = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert again.stdout.strip().splitlines()[-1] == "0 []", again.stderr
