"""Acceptance of onboarding on a real access-controlled Dovecot, driven through the `triage-tui` command line: a
maintainer goes from `team invite` to `team join` to their first shared case with no file edited and no key imported
by hand, and the pip maintainer's workspace holds nothing of a uv-only case and never asks for the reports mailbox."""

from __future__ import annotations

import io
import json
import shlex
import tomllib
from pathlib import Path

import pytest

from onboarding_fixtures import (
    BOTH_CASE_TITLE,
    PIP_CASE_TITLE,
    UV_CASE_TITLE,
    Team,
)
from team_server_fixtures import connect, normal_rights
from test_team_folders import commands_sent
from triage_tui.app import TriageApp
from triage_tui.cli.entry import run
from triage_tui.config import load_config
from triage_tui.services.store_key import unlock_store
from triage_tui.store.store import Store
from triage_tui.team.log import case_ref
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import settle


def fingerprints_in(station_ring_gpg: object) -> set[str]:
    keys = station_ring_gpg.list_keys()  # type: ignore[attr-defined]
    return {str(key["fingerprint"]) for key in keys}


def test_a_maintainer_goes_from_invite_to_join_to_their_first_shared_case(pip_team_started: Team) -> None:
    built = pip_team_started
    pip = built.maintainers["pip"]
    coordinator = built.coordinator
    assert fingerprints_in(pip.ring.gpg) == {pip.fingerprint}  # nobody's key but their own
    with connect(built.server, "pipm") as before:  # the account exists, with no rights yet
        assert before.list_folders(directory="Team/") == []

    invited = built.invite("pip")

    assert invited.returncode == 0, invited.stderr
    assert "server access set by SETACL on Team/coordinators, Team/pip, Team/uv, Reports/security" in invited.stdout
    assert (built.root / "pip.invitation").is_file()
    with connect(built.server, "coord") as admin:  # what SETACL left on the server: the designed rights
        rights = {who.decode(): normal_rights(given.decode()) for who, given in admin.getacl("Team/pip")}
        assert rights["pipm"] == "ilrsw"
        for other in ("Team/coordinators", "Team/uv"):  # append only: hand decisions on, never read them
            assert {who.decode(): given for who, given in admin.getacl(other)}["pipm"] == b"i"
    refused = built.invite("pip")  # the same file again: never replaced
    assert refused.returncode == 2 and "exists" in refused.stderr

    unconfirmed = built.cli(
        pip, "team", "join", str(built.root / "pip.invitation"), "--password-env", "PIP_IMAP", stdin=""
    )  # from a pipe, without --yes: the inviter's key cannot have been checked
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert not (pip.home / "config.toml").exists()

    password = built.server.password_path("pipm")
    joined = built.cli(  # the keyring named by GNUPGHOME alone (the station's), as a joiner's shell has it
        pip, "team", "join", str(built.root / "pip.invitation"), "--yes", "--password-command", f"cat {password}"
    )

    assert joined.returncode == 0, joined.stdout + joined.stderr
    assert "joined as maintainer of pip" in joined.stdout and "roster: 2 events taken in" in joined.stdout
    written = tomllib.loads((pip.home / "config.toml").read_text())
    assert "sources" not in written and written["team"]["server"]["username"] == "pipm"
    # The keyring the invitation was opened with is the workspace's: it opens later without that GNUPGHOME.
    assert Path(written["identity"]["gnupg_home"]) == pip.ring.home
    # The roster's keys were brought in by the join: the coordinator's key is now in the maintainer's keyring.
    assert coordinator.fingerprint in fingerprints_in(pip.ring.gpg)
    members = built.ok(pip, "team", "members")
    assert f"maintainer  {pip.fingerprint}" in members and f"coordinator {coordinator.fingerprint}" in members

    built.sync(coordinator)  # the roster change goes out, and the pip case is shared with its new maintainer
    reports = built.sync(pip)

    # The sync counts the cases shared with the maintainer as its new cases (one each, once).
    (team_report,) = [report for report in reports if report["source"] == "team"]
    assert team_report["new_cases"] == len(built.cases_of(pip)) > 0
    assert [r["new_cases"] for r in built.sync(pip) if r["source"] == "team"] == [0]

    (case,) = [c for c in built.cases_of(pip) if c["title"] == PIP_CASE_TITLE]
    assert case["projects"] == [{"project": "pip", "status": "investigating"}]
    # Their first decision reaches the coordinator.
    built.ok(pip, "case", case["id"], "cell", "pip", "affected", "--ranges", "<24.1")
    built.sync(pip)
    built.sync(coordinator)
    shown = built.ok(coordinator, "show", built.cases[PIP_CASE_TITLE], "--json")
    assert '"status": "affected"' in shown


def test_an_invitation_the_invitee_would_refuse_or_without_a_prefix_is_refused_before_the_roster_changes(
    pip_team_started: Team,
) -> None:
    built = pip_team_started
    named = built.invite("pip", "--name", "Pip\u202eMaintainer")  # a bidi override the invitee would refuse

    assert named.returncode == 2 and "malformed field invitee.name" in named.stderr
    config = built.coordinator.home / "config.toml"
    config.write_text(config.read_text().replace('prefix = "Team/"\n', ""))

    refused = built.invite("pip")

    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "prefix" in refused.stderr
    assert "pip@pip.example" not in built.ok(built.coordinator, "team", "members")  # nothing recorded


def test_without_the_server_invite_prints_the_admins_commands_and_they_open_the_folder(pip_team_started: Team) -> None:
    built = pip_team_started
    invited = built.invite("pip", "--no-server")

    assert invited.returncode == 0, invited.stderr
    lines = [line.strip() for line in invited.stdout.splitlines() if line.strip().startswith("doveadm ")]
    assert "doveadm acl set -u coord Team/pip user=pipm lookup read write write-seen insert" in lines
    assert "doveadm acl set -u coord Team/coordinators user=pipm insert" in lines
    with connect(built.server, "pipm") as client:  # nothing was set: the invite did not connect
        assert client.list_folders(directory="Team/") == []
    for line in lines:
        if line.startswith("doveadm acl "):  # the folders are there: the admin sets the rights
            built.server.doveadm(*shlex.split(line)[1:])
    with connect(built.server, "pipm") as client:
        assert {name for _flags, _sep, name in client.list_folders(directory="Team/")} == {"Team/pip"}


def _store_dump(station_home: Path, fingerprint: str, gnupg_home: Path) -> str:
    """Every row of every table of the workstation's store, decrypted, as text (blobs as text and as hex), lower
    case."""
    unlock_store(station_home / "triage.db", fingerprint, gnupg_home)
    lines: list[str] = []
    with Store(station_home / "triage.db") as store, store.read() as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # names from sqlite_master
                for value in row:
                    if isinstance(value, bytes):
                        lines.extend((value.decode("utf-8", "replace"), value.hex()))
                    else:
                        lines.append(str(value))
    return "\n".join(lines).lower()


UV_TRACES = (UV_CASE_TITLE, "Sam Finder", "sam@example.com", "hash-less", "2@reports.test")


def test_the_pip_maintainer_holds_nothing_of_a_uv_only_case(team: Team) -> None:
    pip, uv = team.maintainers["pip"], team.maintainers["uv"]
    uv_case = team.cases[UV_CASE_TITLE]

    unlock_store(team.coordinator.home / "triage.db", team.coordinator.fingerprint, team.coordinator.ring.home)
    with Store(team.coordinator.home / "triage.db") as store, store.read() as connection:
        uv_ref = case_ref(connection, uv_case)  # what the uv case is to the team: its report's content hash
    assert uv_ref is not None and uv_ref.startswith("hash:")

    listed = team.cases_of(pip)
    # pip numbers its cases on its own: the coordinator's id of the uv case is at most the id of a case pip holds.
    shown = team.cli(pip, "show", uv_case, "--json")
    dump = _store_dump(pip.home, pip.fingerprint, pip.ring.home)

    assert sorted(case["title"] for case in listed) == [BOTH_CASE_TITLE, PIP_CASE_TITLE]  # no count of the others
    assert UV_CASE_TITLE not in shown.stdout + shown.stderr
    assert shown.returncode == 2 or json.loads(shown.stdout)["title"] in (BOTH_CASE_TITLE, PIP_CASE_TITLE)
    assert PIP_CASE_TITLE.lower() in dump  # the dump does hold what was shared
    for trace in UV_TRACES:
        assert trace.lower() not in dump and trace.encode().hex() not in dump, trace
    assert uv_ref.removeprefix("hash:").lower() not in dump  # nor the report itself, by its content hash
    # The uv maintainer has the uv case, and nothing of the pip case.
    assert sorted(case["title"] for case in team.cases_of(uv)) == [BOTH_CASE_TITLE, UV_CASE_TITLE]
    # Each maintainer's keyring: their own key and the roster's (imported by the roster code, never by hand).
    roster = {team.coordinator.fingerprint, pip.fingerprint, uv.fingerprint}
    assert fingerprints_in(pip.ring.gpg) == roster and fingerprints_in(uv.ring.gpg) == roster


async def test_the_pip_maintainers_inbox_shows_one_case(team: Team) -> None:
    pip = team.maintainers["pip"]
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    config = load_config(pip.home / "config.toml")
    with Store(pip.home / "triage.db") as store:
        app = TriageApp(store, config)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 2
            shown = {case_list.current_case.title if case_list.current_case else None}
            assert shown <= {PIP_CASE_TITLE, BOTH_CASE_TITLE}
            assert str(app.screen.query_one("#inbox-count").render()) == "2 cases"


def test_the_maintainers_sync_never_asks_for_the_reports_mailbox(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    pip = team.maintainers["pip"]
    config = load_config(pip.home / "config.toml")
    assert dict(config.sources) == {}  # no reports source at all
    (pip_only,) = [case["id"] for case in team.cases_of(pip) if case["title"] == PIP_CASE_TITLE]
    team.ok(pip, "case", pip_only, "note", "for the coordinators")
    out, err = io.StringIO(), io.StringIO()

    with commands_sent(monkeypatch) as sent:
        assert run(["sync", "--home", str(pip.home)], out=out, err=err) == 0, err.getvalue()

    named = {arguments.split(" ")[0] for _name, arguments in sent}
    assert "Reports/security" not in named and "INBOX" not in named
    read = {arguments.split(" ")[0] for name, arguments in sent if name in ("SELECT", "EXAMINE", "STATUS", "FETCH")}
    assert read == {"Team/pip"}
    assert {arguments.split(" ")[0] for name, arguments in sent if name == "APPEND"} == {
        "Team/coordinators",
        "Team/pip",
    }
    # And the server would refuse it anyway: the maintainer's account cannot select the reports mailbox.
    with connect(team.server, "pipm") as client, pytest.raises(Exception, match=r"(?i)mailbox doesn.t exist"):
        client.select_folder("Reports/security")
