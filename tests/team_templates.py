"""Provides onboarded teams built once per test session and copied back in place for each test: `team_templates`
builds a team (server, keyrings, workspaces, `team init`, invite and join) the first time a test asks for it, saves
it at rest, and each test then gets the saved copy put back at the same paths (the configs, the password commands
and the server's own files name those paths and its port), with its server started, so that no test sees what
another did and any test can run alone or in any order."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gnupg
import pytest

from dovecot_fixtures import server_root
from gpg_fixtures import Keyring, kill_and_remove
from onboarding_fixtures import Station, Team, onboard, start_team, stop_team
from triage_tui.demo import dovecot_run
from triage_tui.demo.team_server import TeamServer

Kind = tuple[tuple[str, ...], bool]
"""(the maintainers, whether they were invited and joined)."""


@dataclass(frozen=True)
class Saved:
    """A team at rest: where its root and keyrings live while a test uses it, and the copy of each."""

    root: Path
    copy: Path
    coordinator: Keyring
    maintainers: dict[str, Keyring]
    cases: dict[str, str]


def _copy(source: Path, target: Path) -> None:
    """`cp -a`: as root the server's files keep their owner (Dovecot runs as nobody); sockets are left out."""
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    for folder, _dirs, files in os.walk(target):
        for name in files:
            path = Path(folder) / name
            if path.is_socket():
                path.unlink()


def _quiet(ring_home: Path) -> None:
    """Ends the keyring's agent: what is copied is a home no process is writing to."""
    subprocess.run(["gpgconf", "--homedir", str(ring_home), "--kill", "all"], check=False)


class TeamTemplates:
    """The session's saved teams, built on first use; `use` puts one in place for a single test."""

    def __init__(self, base: Path) -> None:
        self._base = base
        self._saved: dict[Kind, Saved] = {}
        self._roots: list[Path] = []
        self._rings: list[Path] = []
        self._live: Team | None = None

    def use(self, maintainers: tuple[str, ...], onboarded: bool) -> Team:
        """A started copy of the team of `maintainers` (onboarded and synced if `onboarded`); `done` must follow."""
        kind = (maintainers, onboarded)
        if kind not in self._saved:
            self._build(kind)
        return self._restore(self._saved[kind])

    def done(self, team: Team) -> None:
        """Stops the test's team (server, agents); the next `use` puts a clean copy back."""
        assert self._live is team, "a team template was used by two tests at once"
        self._live = None
        pid = team.server.pid
        if pid is not None:  # the copy is thrown away: no need for Dovecot's orderly shutdown (≈1 s)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while dovecot_run.group_members(pid) and time.monotonic() < deadline:
                time.sleep(0.01)
        stop_team(team)

    def _build(self, kind: Kind) -> None:
        maintainers, onboarded = kind
        if onboarded:  # the started team, one step further: both share the paths, and the first build
            if (maintainers, False) not in self._saved:
                self._build((maintainers, False))
            team = self._restore(self._saved[(maintainers, False)])
        else:
            assert self._live is None, "a team template was built while another test's team was in place"
            team = start_team(self._new_root(), maintainers)
            self._live = team
            self._rings.extend(s.ring.home for s in team.stations())
        try:
            if onboarded:
                onboard(team, *maintainers)
            self._saved[kind] = self._save(team, kind)
        finally:
            self.done(team)

    def _new_root(self) -> Path:
        root = Path(tempfile.mkdtemp(prefix="onboard-", dir="/tmp"))
        root.chmod(0o755)  # as root Dovecot runs as nobody, who must enter it
        self._roots.append(root)
        return root

    def _save(self, team: Team, kind: Kind) -> Saved:
        team.server.stop()
        copy = self._base / f"{'-'.join(kind[0])}-{'onboarded' if kind[1] else 'started'}"
        copy.mkdir()
        _copy(team.root, copy / "root")
        for pid_file in (copy / "root" / "server" / "run").glob("*.pid"):
            pid_file.unlink()
        for station in team.stations():
            _quiet(station.ring.home)
            _copy(station.ring.home, copy / station.name)
        rings = {s.name: s.ring for s in team.maintainers.values()}
        return Saved(team.root, copy, team.coordinator.ring, rings, dict(team.cases))

    def _restore(self, saved: Saved) -> Team:
        assert self._live is None, "a team template was used by two tests at once"
        shutil.rmtree(saved.root, ignore_errors=True)
        _copy(saved.copy / "root", saved.root)
        rings = {"coordinator": saved.coordinator, **saved.maintainers}
        for name, ring in rings.items():
            kill_and_remove(ring.home)
            _copy(saved.copy / name, ring.home)
        fresh = {n: Keyring(r.home, gnupg.GPG(gnupghome=str(r.home)), r.fingerprint, r.email) for n, r in rings.items()}
        server = TeamServer(saved.root / "server")
        team = Team(server, saved.root, Station("coordinator", saved.root / "coordinator", fresh["coordinator"]))
        for name in saved.maintainers:
            team.maintainers[name] = Station(name, saved.root / name, fresh[name])
        team.cases = dict(saved.cases)
        self._live = team
        try:
            server.start()
        except BaseException:
            self.done(team)
            raise
        return team

    def close(self) -> None:
        if self._live is not None:
            self.done(self._live)
        for home in self._rings:
            kill_and_remove(home)
        for root in self._roots:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def team_templates() -> Iterator[TeamTemplates]:
    with server_root("onboard-saved-") as base:
        templates = TeamTemplates(base)
        try:
            yield templates
        finally:
            templates.close()


def _one(templates: TeamTemplates, maintainers: tuple[str, ...], onboarded: bool) -> Iterator[Team]:
    team = templates.use(maintainers, onboarded)
    try:
        yield team
    finally:
        templates.done(team)


@pytest.fixture
def team(team_templates: TeamTemplates) -> Iterator[Team]:
    """A team whose pip and uv maintainers have been onboarded and synced."""
    yield from _one(team_templates, ("pip", "uv"), True)


@pytest.fixture
def pip_team(team_templates: TeamTemplates) -> Iterator[Team]:
    """A team whose pip maintainer has been onboarded and synced (no uv maintainer)."""
    yield from _one(team_templates, ("pip",), True)


@pytest.fixture
def pip_team_started(team_templates: TeamTemplates) -> Iterator[Team]:
    """`start_team` with a pip maintainer not yet invited: their keyring holds only their own key."""
    yield from _one(team_templates, ("pip",), False)
