"""Acceptance of a revocation and a removal as their subject's own workstation lives them, on a real access-controlled
Dovecot with real gpg: a revoked key's own decisions made before it learned of the revocation are refused there too
(taken off the case, listed under R with the same reason as everywhere), and the very sync that brings the
revocation says so; `team remove` sends the removal to the removed member's folders before it takes their account's
rights away (and, when it cannot send, takes nothing away and prints what to run once it is sent); a sync refused on
every folder it reads says the account may have been removed; `team revoke` says the server's rights are unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from imapclient.exceptions import IMAPClientError

from onboarding_fixtures import UV_CASE_TITLE, Station, Team, case_on, noted_then_revoked, notes_of, rejected_on
from team_server_fixtures import connect
from triage_tui.team.envelope import open_sealed
from triage_tui.team.sync_outcome import ACCESS_HINT
from triage_tui.team.transport import armoured_part


def _team_report(built: Team, station: Station) -> tuple[int, dict[str, Any]]:
    """`sync --json` on `station` (whatever its exit): its exit and the team source's report."""
    done = built.cli(station, "sync", "--json")
    reports = json.loads(done.stdout)
    (team,) = [r for r in reports if r["source"] == "team"]
    return done.returncode, team


def test_a_revoked_keys_own_workstation_refuses_its_own_later_decisions_as_every_other_does(team: Team) -> None:
    built = team
    uv, coordinator = built.maintainers["uv"], built.coordinator
    # The revocation goes to the coordinators' folder and to uv's.
    uv_case = noted_then_revoked(built, uv, UV_CASE_TITLE, "note by the key before its revocation")
    # Recorded on uv's workstation, which does not know yet: a note and a cell of its own project.
    built.ok(uv, "case", uv_case, "note", "note by revoked key")
    built.ok(uv, "case", uv_case, "cell", "uv", "affected", "--ranges", "<0.5")
    assert "note by revoked key" in notes_of(case_on(built, uv, UV_CASE_TITLE))

    returncode, report = _team_report(built, uv)
    built.sync(coordinator)

    on_uv, on_coordinator = case_on(built, uv, UV_CASE_TITLE), case_on(built, coordinator, UV_CASE_TITLE)
    for shown in (on_uv, on_coordinator):
        assert "note by the key before its revocation" in notes_of(shown)
        assert "note by revoked key" not in notes_of(shown)
        assert [(i["project"], i["status"]) for i in shown["impacts"]] == [("uv", "investigating")], shown["impacts"]
    refused = {
        station.name: sorted(
            (kind, reason) for kind, author, reason in rejected_on(station) if author == uv.fingerprint
        )
        for station in (uv, coordinator)
    }
    assert [kind for kind, _reason in refused["uv"]] == ["impact", "note"], refused
    assert all(reason.startswith("signed by a revoked key") for _kind, reason in refused["uv"]), refused
    assert refused["uv"] == refused["coordinator"]
    # The sync that brought the revocation said so itself (not only the next one).
    assert returncode == 1 and f"this workstation's key {uv.fingerprint}" in str(report["error"]), report
    assert "is revoked since" in str(report["error"]), report


def test_a_revocation_says_the_server_rights_are_unchanged_and_how_to_take_them_away(pip_team: Team) -> None:
    built = pip_team
    pip = built.maintainers["pip"]

    revoked = built.ok(built.coordinator, "team", "revoke", pip.fingerprint)

    assert "server rights unchanged: their account pipm keeps its access to the team's folders" in revoked
    assert f"triage-tui team remove {pip.fingerprint}, then invite their new key" in revoked
    with connect(built.server, "pipm") as client:
        client.select_folder("Team/pip", readonly=True)  # as it says


def _removal_in(built: Team, station: Station, folder: str) -> bool:
    """Whether a removal the station's key opens is among the messages of `folder` (read with the coordinator's
    account, which keeps its rights)."""
    with connect(built.server, "coord") as client:
        client.select_folder(folder, readonly=True)
        bodies = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    opened = [open_sealed(station.ring.gpg, armoured_part(data[b"BODY[]"]) or b"") for data in bodies.values()]
    return any(o.event is not None and o.event.kind == "member-remove" for o in opened)


def test_the_removal_reaches_the_removed_members_folder_before_their_rights_go(pip_team: Team) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator

    removed = built.cli(coordinator, "team", "remove", pip.fingerprint)

    assert _removal_in(built, pip, "Team/pip")  # there before the account lost its rights
    assert removed.returncode == 0, removed.stdout + removed.stderr
    lines = removed.stdout.splitlines()
    sent = "the removal was sent to every member, the removed member's folders included"
    assert lines.index(sent) < next(i for i, line in enumerate(lines) if "taken away by DELETEACL" in line), lines
    with connect(built.server, "pipm") as client, pytest.raises(IMAPClientError):
        client.select_folder("Team/pip")


def test_a_sync_refused_on_every_folder_it_reads_says_the_account_may_have_been_removed(pip_team: Team) -> None:
    built = pip_team
    pip = built.maintainers["pip"]
    built.ok(built.coordinator, "team", "remove", pip.fingerprint)  # their account's rights go

    returncode, report = _team_report(built, pip)

    assert returncode == 1 and ACCESS_HINT in str(report["error"]), report
    assert str(report["error"]).count(ACCESS_HINT) == 1, report


def test_a_removal_that_cannot_be_sent_takes_no_rights_away_and_says_what_to_run_after(pip_team: Team) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    built.server.stop()  # the server cannot be reached: nothing can be sent, nor any right taken away

    removed = built.cli(coordinator, "team", "remove", pip.fingerprint)

    assert removed.returncode == 1, removed.stdout + removed.stderr
    assert "the removal was not sent: " in removed.stdout
    assert "the removal waits to be sent (triage-tui sync); their server access is kept until then" in removed.stdout
    assert "take the removed member's rights away once the removal is sent:" in removed.stdout
    assert "doveadm acl delete -u coord Team/pip user=pipm" in [line.strip() for line in removed.stdout.splitlines()]
    built.server.start()
    with connect(built.server, "pipm") as client:
        client.select_folder("Team/pip", readonly=True)  # nothing was taken away
    assert not _removal_in(built, pip, "Team/pip")
    built.sync(coordinator)  # the removal was kept: the next sync sends it
    assert _removal_in(built, pip, "Team/pip")
    returncode, report = _team_report(built, pip)  # the removed member, still let in, learns it
    assert returncode == 1 and "was removed from the team" in str(report["error"]), report
    members = json.loads(built.ok(pip, "team", "members", "--json"))
    assert [m["removed_at"] is not None for m in members if m["role"] == "maintainer"] == [True]
