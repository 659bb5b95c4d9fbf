"""Per-audience team sync on the team's own Dovecot (acl plugin, one account per member, `Team/` folders with the
designed rights; `team_server_fixtures`): the pip maintainer's workstation, with `[team.server]` and no reports
source, syncs through its own account: it hands its decisions to the coordinators unread, its note on a pip+uv case
reaches the uv maintainer through `Team/uv` (append only), a sync with nothing new is one STATUS of `Team/pip`, and a
folder the server refuses it (to read, or to append to) is named in one line while its own folder syncs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gpg_fixtures import Keyring
from team_config_fixtures import linked_store, maintainers
from team_server_fixtures import fresh_name
from test_team_folders import commands_sent, folders_named, mailbox_commands
from test_team_imap import Station, rings
from test_team_sync import CASE, shown
from triage_tui.config import parse_config
from triage_tui.demo.team_server import TeamServer
from triage_tui.domain import CaseState

__all__ = ["rings"]  # the fixture, imported so pytest finds it here

ACCOUNTS = {"coordinator": "coord", "pip": "pipm", "uv": "uvm"}


def on_server(
    tmp_path: Path,
    server: TeamServer,
    name: str,
    ring: Keyring,
    rings: tuple[Keyring, ...],
    base: Path,
    uv: str,
    more: tuple[str, ...] = (),
) -> Station:
    """A workstation logging in with its member's own account; `uv` lists the uv project's maintainers, and the
    projects `more` are the uv maintainer's too."""
    coordinator, pip, _uv = rings
    user = ACCOUNTS[name]
    projects = maintainers(f'"{pip.fingerprint}"', uv)
    text = server.member_config(user, name, ring.email, ring.fingerprint, ring.home, coordinator.fingerprint) + projects
    for project in more:
        text += f'\n[projects."{project}"]\nmaintainers = ["{_uv.fingerprint}"]\n'
    database = tmp_path / f"{name}.db"
    shutil.copy(base, database)
    return Station(ring, parse_config(tmp_path / f"{name}.toml", text), database)


def team_of(  # type: ignore[no-untyped-def]
    tmp_path: Path, server: TeamServer, rings, *, uv: str, linked: tuple[str, ...], more: tuple[str, ...] = ()
) -> tuple[Station, Station, Station]:
    """The coordinator's, the pip maintainer's and the uv maintainer's workstations, all holding the pip case linked
    to `linked`."""
    base = linked_store(tmp_path / "base.db", *((CASE, project) for project in linked), more=more)
    return (
        on_server(tmp_path, server, "coordinator", rings[0], rings, base, uv, more),
        on_server(tmp_path, server, "pip", rings[1], rings, base, uv, more),
        on_server(tmp_path, server, "uv", rings[2], rings, base, uv, more),
    )


def test_a_maintainer_syncs_through_its_own_account_and_a_sync_with_nothing_new_is_one_status(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, _uv = team_of(tmp_path, team_server, rings, uv=f'"{rings[2].fingerprint}"', linked=("pip",))
    alex = coordinator.triage()
    alex.transition(CASE, CaseState.TRIAGE)
    alex.store.close()
    assert coordinator.sync().folder_problems == {}
    pat = pip.triage()
    pat.add_note(CASE, "handed to the coordinators")
    pat.store.close()
    with commands_sent(monkeypatch) as first:
        outcome = pip.sync()
    assert outcome.folder_problems == {} and outcome.sent == 1
    assert folders_named(first, "STATUS", "SELECT", "EXAMINE", "LIST", "CREATE") == {"Team/pip"}
    assert folders_named(first, "APPEND") == {"Team/coordinators", "Team/pip"}  # `i` is all it needs there
    assert shown(pip.database)["state"] == "triage"
    coordinator.sync()
    assert "handed to the coordinators" in shown(coordinator.database)["notes"]  # type: ignore[operator]
    pip.sync()  # its own note back from Team/pip
    with commands_sent(monkeypatch) as unchanged:
        pip.sync()
    assert mailbox_commands(unchanged) == [("STATUS", "Team/pip (UIDNEXT UIDVALIDITY)")]


def test_a_folder_the_server_refuses_is_named_and_the_maintainers_own_folder_still_syncs(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings
) -> None:
    # This workstation's config makes the pip maintainer a uv maintainer too; the server's rights do not.
    both = f'"{rings[1].fingerprint}", "{rings[2].fingerprint}"'
    coordinator, pip, _uv = team_of(tmp_path, team_server, rings, uv=both, linked=("pip",))
    alex = coordinator.triage()
    alex.add_note(CASE, "read by pip")
    alex.store.close()
    coordinator.sync()
    outcome = pip.sync()
    where = f"{team_server.host}:{team_server.port}"
    assert outcome.folder_problems == {
        "Team/uv": f"team folder 'Team/uv' on {where} does not exist or may not be read "
        "(Mailbox doesn't exist: Team/uv); ask the server's admin"
    }
    assert "read by pip" in shown(pip.database)["notes"]  # type: ignore[operator]  # (the server is the session's)


def test_a_maintainers_note_on_a_two_project_case_reaches_the_other_projects_maintainer_and_the_coordinator(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `i` on Team/uv the pip maintainer appends its note there without reading the folder; nothing waits."""
    coordinator, pip, uv = team_of(tmp_path, team_server, rings, uv=f'"{rings[2].fingerprint}"', linked=("pip", "uv"))
    pat = pip.triage()
    pat.add_note(CASE, "for pip and uv")
    pat.store.close()
    with commands_sent(monkeypatch) as sent:
        outcome = pip.sync()
    assert outcome.folder_problems == {}
    assert (outcome.sent, outcome.held) == (1, 0)
    assert folders_named(sent, "APPEND") == {"Team/coordinators", "Team/pip", "Team/uv"}
    assert folders_named(sent, "STATUS", "SELECT", "EXAMINE", "LIST", "CREATE") == {"Team/pip"}  # reads its own only
    assert uv.sync().folder_problems == {}
    assert "for pip and uv" in shown(uv.database)["notes"]  # type: ignore[operator]
    assert coordinator.sync().folder_problems == {}
    assert "for pip and uv" in shown(coordinator.database)["notes"]  # type: ignore[operator]
    again = pip.sync()
    assert (again.sent, again.held, again.folder_problems) == (0, 0, {})  # nothing was left to send


def test_a_folder_refusing_the_append_is_named_in_one_line_and_the_event_waits(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings
) -> None:
    """A project the admin made a folder for but has not yet given rights on: the pip maintainer may not append there,
    so its note on a case of that project is refused there, named, and waits."""
    project = fresh_name("proj")
    team_server.doveadm("mailbox", "create", "-u", "coord", f"Team/{project}")  # the namespace's rights: coordinators'
    _coordinator, pip, _uv = team_of(
        tmp_path, team_server, rings, uv=f'"{rings[2].fingerprint}"', linked=("pip", project), more=(project,)
    )
    pat = pip.triage()
    pat.add_note(CASE, "for pip and the new project")
    pat.store.close()
    outcome = pip.sync()
    assert (outcome.sent, outcome.held) == (0, 1)
    (line,) = outcome.folder_problems.values()
    assert line.startswith(f"APPEND to team folder 'Team/{project}'") and "TRYCREATE" in line
