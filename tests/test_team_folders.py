"""Per-audience team folders on a real Dovecot (`[team] prefix = "Team."`): each envelope goes to its readers' folders
only, a maintainer's workstation reads its projects' folders only and a sync with nothing new is one STATUS per
folder it reads; a missing folder or a refused APPEND is named in one line while the other folders still sync, and
what could not go waits; an unreachable team server is named by host and port. Maintainers use `[team.server]`."""

from __future__ import annotations

import imaplib
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gnupg
import pytest
from msgspec.structs import replace

from dovecot_fixtures import DovecotServer
from gpg_fixtures import Keyring
from hostile_imap import HostileImap
from team_config_fixtures import linked_store, mailbox_source, maintainers, member_config
from test_team_envelope_recipients import named_key_ids
from test_team_imap import Station, decide_offline, rings, team
from test_team_sync import CASE, shown
from triage_tui.config import Config, parse_config
from triage_tui.demo.dovecot_run import free_ports
from triage_tui.domain import CaseState, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.sync.team_job import TeamJob
from triage_tui.team import envelope_intake
from triage_tui.team.envelope import Opened, open_sealed
from triage_tui.team.transport import armoured_part, sync_team

__all__ = ["rings", "team"]  # the fixtures, imported so pytest finds them here

FOLDERS = ("Team.coordinators", "Team.pip", "Team.uv")
"""The test server's hierarchy separator is "." (a real team's server, with its `Team/` namespace, uses "/")."""
LOGIN_ONLY = {"CAPABILITY", "LOGIN", "LOGOUT"}
"""Commands of any session, which touch no mailbox."""


def config_text(name: str, ring: Keyring, rings: tuple[Keyring, ...], team: str, server: str) -> str:
    coordinator, pip, uv = rings
    projects = maintainers(f'"{pip.fingerprint}"', f'"{uv.fingerprint}"')
    return member_config(name, ring, coordinator.fingerprint, f'prefix = "Team."\n{team}', server, projects)


def coordinator_config(path: Path, rings: tuple[Keyring, ...], dovecot: DovecotServer, user: str) -> Config:
    """A coordinator's: the team folders live in the mailbox of the reports source."""
    source = mailbox_source(dovecot.host, dovecot.port, user)
    return parse_config(path, config_text("coordinator", rings[0], rings, 'source = "mailbox"', source))


def maintainer_config(path: Path, ring: Keyring, rings: tuple[Keyring, ...], host: str, port: int, user: str) -> Config:
    """A maintainer's: no reports source at all, only the team's server."""
    server = f"""
[team.server]
host = "{host}"
port = {port}
security = "none"
username = "{user}"
password_env = "TT_TEAM_IMAP"
"""
    return parse_config(path, config_text(ring.email.split("@")[0], ring, rings, "", server))


@pytest.fixture
def audiences(tmp_path: Path, rings, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A coordinator, a pip and a uv maintainer, each a copy of one store (the pip case linked to pip), their team
    folders made by the server's admin (one account here: per-user rights are the ACL tests' business)."""
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)
    for folder in FOLDERS:
        dovecot.create_folder(user, folder)
    base = linked_store(tmp_path / "base.db", (CASE, "pip"))
    coordinator, pip, uv = rings
    stations = []
    for name, ring in (("coordinator", coordinator), ("pip", pip), ("uv", uv)):
        database = tmp_path / f"{name}.db"
        shutil.copy(base, database)
        path = tmp_path / f"{name}.toml"
        if ring is coordinator:
            config = coordinator_config(path, rings, dovecot, user)
        else:
            config = maintainer_config(path, ring, rings, dovecot.host, dovecot.port, user)
        stations.append(Station(ring, config, database))
    return stations[0], stations[1], stations[2], user


@contextmanager
def commands_sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every IMAP command the client writes meanwhile, as (name, arguments): every command line, imaplib's and
    imapclient's own, goes through imaplib's `send` (a literal's bytes follow as data, not a command)."""
    sent: list[tuple[str, str]] = []
    original = imaplib.IMAP4.send
    pattern = re.compile(rb"^[A-Z]+\d+ (?:UID )?([A-Z]+)(?: ([^\r\n]*))?\r\n")

    def recording(self: imaplib.IMAP4, data: bytes) -> None:
        found = pattern.match(data)
        if found is not None:
            sent.append((found.group(1).decode(), (found.group(2) or b"").decode().replace('"', "")))
        original(self, data)

    with monkeypatch.context() as patched:
        patched.setattr(imaplib.IMAP4, "send", recording)
        yield sent


HIDDEN = "0000000000000000"
"""The key id gpg lists for a hidden recipient."""


def mailbox_commands(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, arguments) for name, arguments in sent if name not in LOGIN_ONLY]


def folders_named(sent: list[tuple[str, str]], *commands: str) -> set[str]:
    """The folders `commands` were sent for (each names its folder first)."""
    return {arguments.split(" ")[0] for name, arguments in sent if name in commands}


def event_ids_in(dovecot: DovecotServer, user: str, folder: str, ring: Keyring) -> list[str]:
    """The ids of the events in `folder` that `ring` can open."""
    found = []
    for raw in dovecot.fetch_all(user, folder).values():
        sealed = armoured_part(raw)
        assert sealed is not None
        opened = open_sealed(ring.gpg, sealed)
        if opened.event is not None:
            found.append(opened.event.id)
    return found


def sent_ids(station: Station) -> set[str]:
    """The decisions the station sent (the shares a coordinator keeps of its own sharing are not decisions)."""
    with reader(station.database) as connection:
        rows = connection.execute("SELECT id FROM team_events WHERE origin = 'local' AND sent = 1 AND kind != 'share'")
        return {row[0] for row in rows}


def test_a_pip_case_goes_to_the_coordinators_and_pip_folders_and_a_pip_and_uv_case_to_all_three(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer
) -> None:
    coordinator, _pip, uv, user = audiences
    alex = coordinator.triage()
    alex.transition(CASE, CaseState.TRIAGE)
    alex.store.close()
    coordinator.sync()
    first = sent_ids(coordinator)
    assert len(first) == 1
    assert dovecot.fetch_all(user, "Team.uv") == {}  # nothing of a pip-only case, not even sealed
    assert set(event_ids_in(dovecot, user, "Team.coordinators", coordinator.ring)) == first
    in_pip = event_ids_in(dovecot, user, "Team.pip", coordinator.ring)
    assert first < set(in_pip) and len(in_pip) == 2  # and the case shared with its maintainer: in pip's folder only
    for raw in dovecot.fetch_all(user, "Team.pip").values():  # a per-audience folder's envelopes name their readers
        sealed = armoured_part(raw)
        assert sealed is not None and HIDDEN not in named_key_ids(coordinator.ring, sealed)

    alex = coordinator.triage()
    alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.5",)))
    alex.add_note(CASE, "uv too")
    alex.store.close()
    coordinator.sync()
    both = sent_ids(coordinator) - first
    assert len(both) == 2
    for folder in FOLDERS:
        assert both <= set(event_ids_in(dovecot, user, folder, coordinator.ring))
    assert first.isdisjoint(event_ids_in(dovecot, user, "Team.uv", coordinator.ring))
    uv.sync()
    assert shown(uv.database)["notes"] == ["uv too"]


def test_a_coordinator_opens_each_envelope_once_however_many_folders_it_reads_it_from(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, _pip, _uv, user = audiences
    alex = coordinator.triage()
    alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.5",)))
    alex.add_note(CASE, "pip and uv")
    alex.store.close()
    coordinator.sync()
    copies = [sealed for f in FOLDERS for raw in dovecot.fetch_all(user, f).values() if (sealed := armoured_part(raw))]
    assert len(copies) > len(set(copies))  # the events of a pip and uv case sit in all three folders
    opened: list[bytes] = []

    def counted(gpg: gnupg.GPG, data: bytes) -> Opened:
        opened.append(data)
        return open_sealed(gpg, data)

    monkeypatch.setattr(envelope_intake, "open_sealed", counted)
    before = shown(coordinator.database)
    outcome = coordinator.sync()  # reads its own envelopes back from the three folders
    # gpg decrypts each envelope once (each costs two gpg runs): its copies are the same event, skipped as before.
    assert sorted(opened) == sorted(set(copies))
    assert (outcome.rejected, outcome.sent) == (0, 0) and shown(coordinator.database) == before


def test_a_maintainer_reads_only_its_projects_folder_and_a_sync_with_nothing_new_is_one_status(  # type: ignore[no-untyped-def]
    audiences, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, _uv, _user = audiences
    decide_offline(coordinator, pip)
    coordinator.sync()
    with commands_sent(monkeypatch) as first:
        pip.sync()  # takes in the coordinator's decisions and sends its own (to the coordinators' folder too)
    # Never a STATUS, SELECT or LIST of the coordinators' or uv's folder, nor a CREATE.
    assert folders_named(first, "STATUS", "SELECT", "EXAMINE", "LIST", "LSUB", "CREATE") == {"Team.pip"}
    assert {name for name, _arguments in first} & {"CREATE", "LIST", "LSUB"} == set()
    assert folders_named(first, "APPEND") == {"Team.coordinators", "Team.pip"}
    pip.sync()  # its own events come back through its project's folder
    with commands_sent(monkeypatch) as unchanged:
        outcome = pip.sync()
    assert mailbox_commands(unchanged) == [("STATUS", "Team.pip (UIDNEXT UIDVALIDITY)")]
    assert (outcome.applied, outcome.sent, outcome.folder_problems) == (0, 0, {})
    coordinator.sync()
    assert shown(coordinator.database) == shown(pip.database)


def test_a_sync_of_the_single_folder_with_nothing_new_is_one_status_too(  # type: ignore[no-untyped-def]
    team, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, _uv = team
    decide_offline(coordinator, pip)
    pip.sync()
    coordinator.sync()
    coordinator.sync()
    with commands_sent(monkeypatch) as unchanged:
        coordinator.sync()
    assert mailbox_commands(unchanged) == [("STATUS", "TeamEvents (UIDNEXT UIDVALIDITY)")]


@pytest.mark.parametrize("coordinator_first", [True, False])
def test_offline_decisions_converge_through_per_audience_folders_in_either_order(  # type: ignore[no-untyped-def]
    audiences, coordinator_first: bool
) -> None:
    coordinator, pip, uv, _user = audiences
    decide_offline(coordinator, pip)
    first, second = (coordinator, pip) if coordinator_first else (pip, coordinator)
    first.sync()
    second.sync()
    first.sync()
    assert shown(coordinator.database) == shown(pip.database)
    view = shown(coordinator.database)
    assert view["state"] == "triage" and view["notes"] == ["fixed in 24.1"]
    assert view["impacts"] == {"pip": ("fixed", ("<24.1",), "24.1")}
    outcome = uv.sync()  # its folder is empty: nothing of the pip case even reaches it to be refused
    assert (outcome.applied, outcome.not_for_us, outcome.rejected) == (0, 0, 0)


def test_a_missing_folder_is_named_the_others_sync_and_its_events_wait_until_it_exists(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer
) -> None:
    coordinator, pip, uv, user = audiences
    dovecot.doveadm("mailbox", "delete", "-u", user, "Team.uv")
    pat = pip.triage()
    pat.add_note(CASE, "from pip")
    pat.store.close()
    pip.sync()
    alex = coordinator.triage()
    alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.AFFECTED))  # goes to Team.uv too, which is not there
    alex.add_note(CASE, "for pip and uv")
    alex.store.close()
    with Store(coordinator.database) as store:
        report = TeamJob(store, coordinator.config).run(None, None)
    assert report is not None and not report.ok and report.error is not None
    assert "\n" not in report.error
    assert report.error == (
        f"team folder 'Team.uv' on {dovecot.host}:{dovecot.port} does not exist or may not be read "
        "(Mailbox doesn't exist: Team.uv); ask the server's admin; 2 team events wait"
    )
    assert shown(coordinator.database)["notes"] == ["from pip", "for pip and uv"]  # pip's folder still synced
    with dovecot.connect(user) as client:
        assert not client.folder_exists("Team.uv")  # never created by a workstation: the admin's job
    assert sent_ids(coordinator) == set()
    dovecot.create_folder(user, "Team.uv")
    after = coordinator.sync()
    # Shared with both maintainers at once, once every folder it goes to was there.
    assert after.folder_problems == {} and after.sent == 2 and after.shared == 2
    uv.sync()
    assert shown(uv.database)["notes"] == ["from pip", "for pip and uv"]


def test_an_append_refused_is_named_and_the_events_wait_in_the_log(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer
) -> None:
    coordinator, pip, _uv, user = audiences
    dovecot.doveadm("mailbox", "delete", "-u", user, "Team.coordinators")  # pip appends there, never reads it
    pat = pip.triage()
    pat.add_note(CASE, "waits for the coordinators' folder")
    pat.store.close()
    outcome = pip.sync()
    (line,) = outcome.folder_problems.values()
    where = f"{dovecot.host}:{dovecot.port}"
    said = "[TRYCREATE] Mailbox doesn't exist: Team.coordinators"
    assert line == f"APPEND to team folder 'Team.coordinators' on {where} refused ({said})"
    assert (outcome.sent, outcome.held) == (0, 1)
    dovecot.create_folder(user, "Team.coordinators")
    assert pip.sync().sent == 1
    coordinator.sync()
    assert shown(coordinator.database)["notes"] == ["waits for the coordinators' folder"]


def test_an_unreachable_team_server_is_named_by_host_and_port(  # type: ignore[no-untyped-def]
    audiences,
) -> None:
    _coordinator, pip, _uv, _user = audiences
    (closed,) = free_ports(1)
    assert pip.config.team is not None and pip.config.team.server is not None
    server = replace(pip.config.team.server, port=closed)
    with Store(pip.database) as store:
        result = sync_team(store, replace(pip.config, team=replace(pip.config.team, server=server)))
    assert result.error == (
        f"source 'team.server' (127.0.0.1:{closed}): connection refused; is the server running and the port right?"
    )


def test_a_refused_append_comes_before_any_to_the_folders_read_here_so_nothing_goes_twice(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer
) -> None:
    _coordinator, pip, _uv, user = audiences
    dovecot.doveadm("mailbox", "delete", "-u", user, "Team.uv")
    linked = TriageService(Store(pip.database), "setup")  # the case as the pip maintainer knows it: pip and uv
    linked.set_impact(CASE, "uv", ImpactCell(ImpactStatus.AFFECTED))
    linked.store.close()
    pat = pip.triage()
    pat.add_note(CASE, "for pip and uv")
    pat.store.close()
    outcome = pip.sync()
    assert list(outcome.folder_problems) == ["Team.uv"] and outcome.held == 1
    assert "APPEND to team folder 'Team.uv'" in outcome.folder_problems["Team.uv"]
    # Team.pip, which this sync read, was left for last: the note is not there to be appended again later.
    assert dovecot.fetch_all(user, "Team.pip") == {}


def test_a_status_answer_without_its_numbers_is_named_and_the_sync_goes_on(audiences) -> None:  # type: ignore[no-untyped-def]
    _coordinator, pip, _uv, _user = audiences
    pat = pip.triage()
    pat.add_note(CASE, "waits while the server talks nonsense")
    pat.store.close()
    assert pip.config.team is not None and pip.config.team.server is not None
    with HostileImap("status-bare") as hostile:
        server = replace(pip.config.team.server, host=hostile.host, port=hostile.port)
        config = replace(pip.config, team=replace(pip.config.team, server=server))
        with Store(pip.database) as store:
            result = sync_team(store, config)
    # Named, not an internal error; the note waits rather than go to a folder the server cannot describe.
    assert result.error is None and (result.outcome.sent, result.outcome.held) == (0, 1)
    assert result.outcome.folder_problems == {
        "Team.pip": f"team folder 'Team.pip' on 127.0.0.1:{hostile.port}: its STATUS gave no UIDVALIDITY/UIDNEXT"
    }


def test_a_message_holding_no_event_in_several_folders_is_listed_once_with_where_it_was(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer
) -> None:
    coordinator, _pip, _uv, user = audiences
    junk = b"Subject: junk\r\n\r\nno envelope in it\r\n"
    uids = {folder: dovecot.append(user, folder, junk) for folder in ("Team.coordinators", "Team.pip")}
    coordinator.sync()
    with reader(coordinator.database) as connection:
        kept = connection.execute("SELECT reason FROM intake_failures WHERE source = 'team'").fetchall()
    assert len(kept) == 1  # the same message, in two folders the coordinator reads: listed once
    (reason,) = kept[0]
    assert any(f"({folder}, UID {uid})" in reason for folder, uid in uids.items()), reason
