"""Per-audience team sync on the team's own Dovecot (acl plugin, one account per member, `Team/` folders with the
designed rights; `team_server_fixtures`): the pip maintainer's workstation, with `[team.server]` and no reports
source, syncs through its own account: it hands its decisions to the coordinators unread, a sync with nothing new is
one STATUS of `Team/pip`, and a folder the server refuses it is named in one line while its own folder syncs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gpg_fixtures import Keyring
from test_team_folders import commands_sent, folders_named, mailbox_commands
from test_team_imap import Station, rings
from test_team_sync import CASE, shown
from triage_tui.config import parse_config
from triage_tui.demo.team_server import TeamServer
from triage_tui.domain import CaseState, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store
from ui_fixtures import seeded_store, small_inbox

__all__ = ["rings"]  # the fixture, imported so pytest finds it here

ACCOUNTS = {"coordinator": "coord", "pip": "pipm", "uv": "uvm"}


def on_server(
    tmp_path: Path, server: TeamServer, name: str, ring: Keyring, rings: tuple[Keyring, ...], base: Path, uv: str
) -> Station:
    """A workstation logging in with its member's own account; `uv` lists the uv project's maintainers."""
    coordinator, pip, _uv = rings
    user = ACCOUNTS[name]
    text = f"""
[identity]
name = "{name}"
email = "{ring.email}"
fingerprint = "{ring.fingerprint}"
gnupg_home = "{ring.home}"

[team]
coordinators = ["{coordinator.fingerprint}"]
prefix = "{server.prefix}"

[team.server]
host = "{server.host}"
port = {server.port}
security = "none"
username = "{user}"
password_command = "cat {server.password_path(user)}"

[projects.pip]
maintainers = ["{pip.fingerprint}"]

[projects.uv]
maintainers = [{uv}]
"""
    database = tmp_path / f"{name}.db"
    shutil.copy(base, database)
    return Station(ring, parse_config(tmp_path / f"{name}.toml", text), database)


def team_of(tmp_path: Path, server: TeamServer, rings, *, uv: str, linked: tuple[str, ...]) -> tuple[Station, Station]:  # type: ignore[no-untyped-def]
    """The coordinator's and the pip maintainer's workstations, both holding the pip case linked to `linked`."""
    base = seeded_store(tmp_path / "base.db", small_inbox())
    setup = TriageService(Store(base), "setup")
    for project in linked:
        setup.set_impact(CASE, project, ImpactCell(ImpactStatus.INVESTIGATING))
    setup.store.close()
    return (
        on_server(tmp_path, server, "coordinator", rings[0], rings, base, uv),
        on_server(tmp_path, server, "pip", rings[1], rings, base, uv),
    )


def test_a_maintainer_syncs_through_its_own_account_and_a_sync_with_nothing_new_is_one_status(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip = team_of(tmp_path, team_server, rings, uv=f'"{rings[2].fingerprint}"', linked=("pip",))
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
    coordinator, pip = team_of(tmp_path, team_server, rings, uv=both, linked=("pip",))
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


def test_under_the_designed_rights_a_maintainers_event_on_a_two_project_case_waits_for_the_other_folder(  # type: ignore[no-untyped-def]
    tmp_path: Path, team_server: TeamServer, rings
) -> None:
    """The design sends each envelope to every reader's folder, and gives a maintainer no right on another
    project's folder: the pip maintainer's note on a pip+uv case is refused by Team/uv, named, and waits."""
    _coordinator, pip = team_of(tmp_path, team_server, rings, uv=f'"{rings[2].fingerprint}"', linked=("pip", "uv"))
    pat = pip.triage()
    pat.add_note(CASE, "for pip and uv")
    pat.store.close()
    outcome = pip.sync()
    assert (outcome.sent, outcome.held) == (0, 1)
    (line,) = outcome.folder_problems.values()
    assert line.startswith("APPEND to team folder 'Team/uv'") and "TRYCREATE" in line
