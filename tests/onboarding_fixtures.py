"""Provides a team onboarded from the command line for the acceptance tests: a private team Dovecot (acl plugin, one
account per member, the maintainers' accounts holding no rights until `team invite` sets them), a coordinator's
workspace holding reports, and each maintainer invited with `triage-tui team invite` and joined with `team join`:
every workstation its own GnuPG home (holding only its own key before joining) and workspace, nothing edited by
hand. The fixtures that hand such a team to a test (built once per session, copied back per test) are in
team_templates.py."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpg_fixtures import TEAM_PROJECTS, Keyring, kill_and_remove, new_keyring
from triage_tui.demo.team_server import TeamServer
from triage_tui.store import cipher
from triage_tui.team.acl import AclMember
from ui_fixtures import seeded_store, small_inbox

PIP_CASE_TITLE = "pip: path traversal in tarfile extraction of sdists"
UV_CASE_TITLE = "uv: lock file accepts hash-less URLs"
BOTH_CASE_TITLE = "pip and uv: wheel RECORD not verified"
UV_REPORTER = "uv-reporter"
ACCOUNTS = {"coordinator": "coord", "pip": "pipm", "uv": "uvm"}
EMAILS = {"coordinator": "coord@team.example", "pip": "pip@pip.example", "uv": "uv@uv.example"}


@dataclass
class Station:
    """One workstation: its workspace folder and its own keyring."""

    name: str
    home: Path
    ring: Keyring

    @property
    def fingerprint(self) -> str:
        return self.ring.fingerprint


@dataclass
class Team:
    """The server, the coordinator and the maintainers who joined, and the cases the coordinator linked."""

    server: TeamServer
    root: Path
    coordinator: Station
    maintainers: dict[str, Station] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)
    """Title -> the coordinator's case id."""

    def cli(self, station: Station, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`triage-tui ARGS --home STATION` in a process of its own, with GNUPGHOME the station's keyring."""
        return subprocess.run(
            [sys.executable, "-m", "triage_tui", *args, "--home", str(station.home)],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            cwd=self.root,
            env={**_environment(), "GNUPGHOME": str(station.ring.home)},
        )

    def ok(self, station: Station, *args: str) -> str:
        """The standard output of a command that must succeed."""
        done = self.cli(station, *args)
        assert done.returncode == 0, f"{args}: rc {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def sync(self, station: Station) -> list[dict[str, Any]]:
        """`triage-tui sync --json` that must succeed: each source's report."""
        reports: list[dict[str, Any]] = json.loads(self.ok(station, "sync", "--json"))
        return reports

    def cases_of(self, station: Station) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.ok(station, "cases", "--json"))
        return found

    def invite(self, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
        """The coordinator invites the maintainer `name` (of the project `name`) from the key file they sent."""
        ring = self.maintainers[name].ring
        key_file = self.root / f"{name}-key.asc"
        key_file.write_text(str(ring.gpg.export_keys(ring.fingerprint)))
        return self.cli(
            self.coordinator, "team", "invite", "--role", "maintainer", "--project", name, "--key", str(key_file),
            "--email", ring.email, "--imap-user", ACCOUNTS[name], "--output", str(self.root / f"{name}.invitation"),
            *extra,
        )  # fmt: skip

    def join(self, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
        station = self.maintainers[name]
        password = self.server.password_path(ACCOUNTS[name])
        return self.cli(
            station, "team", "join", str(self.root / f"{name}.invitation"), "--yes",
            "--password-command", f"cat {password}", "--gnupg-home", str(station.ring.home), *extra,
        )  # fmt: skip

    def stations(self) -> list[Station]:
        return [self.coordinator, *self.maintainers.values()]


def _environment() -> dict[str, str]:
    """This process's environment, with the package this test imports first on the path (commands run elsewhere)."""
    import os

    import triage_tui

    source = str(Path(triage_tui.__file__).resolve().parents[1])
    kept = {k: v for k, v in os.environ.items() if k not in ("GNUPGHOME", "TRIAGE_TUI_HOME", "PYTHONPATH")}
    return {**kept, "PYTHONPATH": source}


def coordinator_config(server: TeamServer, ring: Keyring) -> str:
    """The coordinator's config: the reports mailbox and the team server through the coordinator's own account."""
    user = ACCOUNTS["coordinator"]
    reports = f"""
[sources.reports]
kind = "imap"
host = "{server.host}"
port = {server.port}
security = "none"
username = "{user}"
password_command = "cat {server.password_path(user)}"
folders = ["{server.reports_mailbox}"]
"""
    member = server.member_config(user, "Casey Coordinator", ring.email, ring.fingerprint, ring.home, ring.fingerprint)
    return member + TEAM_PROJECTS + reports


def start_team(root: Path, maintainers: tuple[str, ...] = ("pip", "uv")) -> Team:
    """A started server with the coordinator's account (rights from the server's plan) and each maintainer's account
    with no rights; the coordinator's workspace holding the small inbox, its roster started (`team init`) and the pip
    and uv cases linked to their projects (and one case to both). The maintainers' keyrings hold only their own keys."""
    coordinator_member = AclMember("Casey Coordinator", "coordinator", (), ACCOUNTS["coordinator"])
    server = TeamServer.create(root / "server", (coordinator_member,), ("pip", "uv"))
    server.start()
    rings = [new_keyring(EMAILS["coordinator"])]
    try:
        for name in maintainers:
            server.add_member(AclMember(name, "maintainer", (name,), ACCOUNTS[name]), grant=False)
            rings.append(new_keyring(EMAILS[name]))
        coordinator = Station("coordinator", root / "coordinator", rings[0])
        coordinator.home.mkdir()
        (coordinator.home / "config.toml").write_text(coordinator_config(server, rings[0]))
        seeded_store(coordinator.home / "triage.db", small_inbox())
        team = Team(server, root, coordinator)
        for name, ring in zip(maintainers, rings[1:], strict=True):
            team.maintainers[name] = Station(name, root / name, ring)
        team.ok(coordinator, "team", "init")
        for case in team.cases_of(coordinator):
            team.cases[case["title"]] = case["id"]
        team.ok(coordinator, "case", team.cases[PIP_CASE_TITLE], "cell", "pip", "investigating")
        team.ok(coordinator, "case", team.cases[UV_CASE_TITLE], "cell", "uv", "investigating")
        for project in ("pip", "uv"):
            team.ok(coordinator, "case", team.cases[BOTH_CASE_TITLE], "cell", project, "investigating")
    except BaseException:
        stop_team_parts(server, rings)
        raise
    return team


def stop_team(team: Team) -> None:
    for station in team.stations():
        cipher.forget_key(station.home / "triage.db")
    stop_team_parts(team.server, [s.ring for s in team.stations()])


def stop_team_parts(server: TeamServer, rings: list[Keyring]) -> None:
    server.stop()
    for ring in rings:
        kill_and_remove(ring.home)


def onboard(team: Team, *names: str) -> None:
    """Invite and join each maintainer, then sync: the coordinator sends the roster and shares the cases, each
    maintainer takes them in."""
    for name in names:
        invited = team.invite(name)
        assert invited.returncode == 0, invited.stdout + invited.stderr
        joined = team.join(name)
        assert joined.returncode == 0, joined.stdout + joined.stderr
    team.sync(team.coordinator)
    for name in names:
        team.sync(team.maintainers[name])


def rejected_on(station: Station) -> list[tuple[str, str, str]]:
    """The workstation's rejected-events view (what `R` lists): (kind, author, reason) each."""
    from triage_tui.services.store_key import unlock_store
    from triage_tui.store.store import Store
    from triage_tui.team.log import rejected

    unlock_store(station.home / "triage.db", station.fingerprint, station.ring.home)
    with Store(station.home / "triage.db") as store, store.read() as connection:
        return [(row[2], row[1], row[3]) for row in rejected(connection)]


def case_on(team: Team, station: Station, title: str) -> dict[str, Any]:
    """`show --json` of the case called `title` on `station`."""
    (case_id,) = [case["id"] for case in team.cases_of(station) if case["title"] == title]
    shown: dict[str, Any] = json.loads(team.ok(station, "show", case_id, "--json"))
    return shown


def both_case_unlinked_from_pip(team: Team) -> dict[str, Any]:
    """The coordinator unlinks pip from the case of both projects and both sync: the case as pip still holds it."""
    pip, coordinator = team.maintainers["pip"], team.coordinator
    team.ok(coordinator, "case", team.cases[BOTH_CASE_TITLE], "unlink", "pip")
    team.sync(coordinator)
    team.sync(pip)
    both = case_on(team, pip, BOTH_CASE_TITLE)
    assert "pip" not in [i["project"] for i in both["impacts"]]
    return both


def notes_of(shown: dict[str, Any]) -> list[str]:
    """The texts of a shown case's notes."""
    return [str(e["payload"].get("text")) for e in shown["events"] if e["kind"] == "note"]


def noted_then_revoked(team: Team, station: Station, title: str, note: str) -> str:
    """`station`'s id of the case called `title`, once a note by its key reached the coordinator and the coordinator
    revoked that key and sent the revocation (`station` has not synced since)."""
    case_id: str = case_on(team, station, title)["id"]
    team.ok(station, "case", case_id, "note", note)
    team.sync(station)
    team.sync(team.coordinator)
    team.ok(team.coordinator, "team", "revoke", station.fingerprint)
    team.sync(team.coordinator)
    return case_id
