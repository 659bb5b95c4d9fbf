"""Acceptance of the key lifecycle of a team onboarded from the command line, on a real access-controlled Dovecot:
removal stops sharing (encryption at once, the server once the admin applies the printed ACL commands), a rotation
keeps every workstation converged (events signed before it and received after it included), and a revoked key's
later events are refused."""

from __future__ import annotations

import json
import shlex
import tomllib
from dataclasses import replace
from datetime import datetime

import pytest
from imapclient.exceptions import IMAPClientError

from gpg_fixtures import generate_key
from onboarding_fixtures import (
    PIP_CASE_TITLE,
    Team,
    case_on,
    noted_then_revoked,
    notes_of,
    rejected_on,
)
from team_server_fixtures import connect
from triage_tui.team.envelope import open_sealed
from triage_tui.team.transport import armoured_part


def test_removal_stops_sharing_and_once_the_admin_applies_the_printed_commands_the_server_refuses_too(
    pip_team: Team,
) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    case = built.cases[PIP_CASE_TITLE]
    assert "before the removal" not in notes_of(case_on(built, pip, PIP_CASE_TITLE))
    built.ok(coordinator, "case", case, "note", "decided before the removal")
    built.sync(coordinator)

    removed = built.ok(coordinator, "team", "remove", pip.fingerprint, "--no-server")

    admin_lines = [line.strip() for line in removed.splitlines() if line.strip().startswith("doveadm ")]
    assert "doveadm acl delete -u coord Team/pip user=pipm" in admin_lines
    assert all(line.endswith(" user=pipm") for line in admin_lines), admin_lines  # nothing else changes
    built.ok(coordinator, "case", case, "note", "decided after the removal")
    built.ok(coordinator, "case", case, "cell", "pip", "affected", "--ranges", "<24.1")
    built.sync(coordinator)
    # The server still lets the account in: encryption alone keeps it out now; the sync says the key was removed.
    synced = built.cli(pip, "sync", "--json")
    assert synced.returncode == 1 and "was removed from the team" in synced.stdout, synced.stdout

    shown = case_on(built, pip, PIP_CASE_TITLE)
    assert "decided before the removal" in notes_of(shown)
    assert "decided after the removal" not in notes_of(shown)
    assert shown["impacts"][0]["status"] == "investigating"
    # Nothing in its folder written after the removal opens with the removed key but the removal itself.
    member = next(
        m for m in json.loads(built.ok(coordinator, "team", "members", "--json")) if m["role"] != "coordinator"
    )
    removed_ms = int(datetime.fromisoformat(member["removed_at"]).timestamp() * 1000)
    with connect(built.server, "coord") as client:
        client.select_folder("Team/pip", readonly=True)
        bodies = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    opened = [open_sealed(pip.ring.gpg, armoured_part(data[b"BODY[]"]) or b"") for data in bodies.values()]
    readable = [o.event for o in opened if o.event is not None]
    assert readable and all(e.at.wall_ms <= removed_ms for e in readable), [(e.kind, e.at) for e in readable]

    for line in admin_lines:  # the server's admin applies what `team remove` printed
        built.server.doveadm(*shlex.split(line)[1:])
    with connect(built.server, "pipm") as client, pytest.raises(IMAPClientError):
        client.select_folder("Team/pip")


def test_removal_takes_the_server_access_away_by_setacl_where_the_coordinator_may(pip_team: Team) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    with connect(built.server, "pipm") as client:
        client.select_folder("Team/pip", readonly=True)  # the invitation's SETACL let the account in

    removed = built.cli(coordinator, "team", "remove", pip.fingerprint)

    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "server access of pipm taken away by DELETEACL on" in removed.stdout
    assert "doveadm" not in removed.stdout  # nothing left for the admin: not the whole plan either
    assert len(removed.stdout.splitlines()) == 3, removed.stdout  # removed, sent, rights taken away
    with connect(built.server, "pipm") as client, pytest.raises(IMAPClientError):
        client.select_folder("Team/pip")  # at once, not at the next invite
    with connect(built.server, "coord") as client:
        client.select_folder("Team/pip", readonly=True)  # every other member keeps their rights


def test_a_rotation_converges_everywhere_with_events_signed_before_it_and_received_after_it(team: Team) -> None:
    built = team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    case = built.cases[PIP_CASE_TITLE]
    old = coordinator.fingerprint
    built.ok(coordinator, "case", case, "note", "signed by the old key, sent after the rotation")
    pip_case = case_on(built, pip, PIP_CASE_TITLE)["id"]
    built.ok(pip, "case", pip_case, "note", "the maintainer's, signed before the rotation")

    new = generate_key(coordinator.ring.gpg, "coord-2027@team.example")
    rotated = built.ok(coordinator, "team", "rotate-key", new)
    assert f"key {old} rotated to {new}" in rotated
    # Nothing left to do by hand: the store's key and the config's identity follow the rotation.
    assert tomllib.loads((coordinator.home / "config.toml").read_text())["identity"]["fingerprint"] == new
    coordinator.ring = replace(coordinator.ring, fingerprint=new)
    built.ok(coordinator, "case", case, "state", "triage")  # signed by the new key
    built.sync(coordinator)  # the old key's note, the rotation and the new key's change
    built.sync(pip)  # takes them in, then sends its note signed before the rotation
    built.sync(built.maintainers["uv"])
    built.sync(coordinator)

    on_coordinator, on_pip = case_on(built, coordinator, PIP_CASE_TITLE), case_on(built, pip, PIP_CASE_TITLE)
    for shown in (on_coordinator, on_pip):
        assert shown["state"] == "triage"
        assert "signed by the old key, sent after the rotation" in notes_of(shown)
        assert "the maintainer's, signed before the rotation" in notes_of(shown)
    rosters = [json.loads(built.ok(s, "team", "members", "--json")) for s in built.stations()]
    assert rosters[0] == rosters[1] == rosters[2]
    keys = next(m for m in rosters[0] if m["role"] == "coordinator")["keys"]
    assert [k["fingerprint"] for k in keys] == [old, new]
    for station in built.stations():
        assert [row for row in rejected_on(station) if "signed by the old key" in row[2]] == []
        assert not [row for row in rejected_on(station) if row[0] in ("note", "state", "key-rotate")]


def test_a_revoked_keys_later_events_are_refused(pip_team: Team) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    pip_case = noted_then_revoked(built, pip, PIP_CASE_TITLE, "before the revocation")
    built.ok(pip, "case", pip_case, "note", "after the revocation")  # the maintainer has not synced yet
    synced = built.cli(pip, "sync", "--json")  # brings the revocation, and says so
    assert synced.returncode == 1 and "is revoked since" in synced.stdout, synced.stdout
    built.sync(coordinator)
    # The revocation reached the revoked key too: its holder's roster says so.
    members = json.loads(built.ok(pip, "team", "members", "--json"))
    keys = [key for member in members for key in member["keys"] if key["fingerprint"] == pip.fingerprint]
    assert keys and keys[0]["revoked_since"] is not None

    notes = notes_of(case_on(built, coordinator, PIP_CASE_TITLE))
    assert "before the revocation" in notes and "after the revocation" not in notes
    refused = [reason for kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint]
    assert len(refused) == 1 and refused[0].startswith("signed by a revoked key")
