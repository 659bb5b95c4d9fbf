"""Armoured junk in a team folder (not OpenPGP data, or not even base64) is kept with the reason and listed under R
and by `triage-tui rejected`, once, naming the folder and UID; a genuine envelope addressed to other keys only (as
events from before a member joined are) stays silently not for this workstation. A team onboarded from the command
line on a real access-controlled Dovecot; the hostile messages appended with the rights `team invite` gave."""

from __future__ import annotations

import json
import time

from onboarding_fixtures import ACCOUNTS, PIP_CASE_TITLE, Station, Team, case_on
from team_server_fixtures import connect
from triage_tui.team.envelope import encrypt_signed, sign_event
from triage_tui.team.envelope_intake import envelope_message
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp

JUNK = (
    b"-----BEGIN PGP MESSAGE-----\n\naGVsbG8gd29ybGQ=\n-----END PGP MESSAGE-----\n",  # base64, but no OpenPGP packet
    b"-----BEGIN PGP MESSAGE-----\n\n!!!! not base64 ****\n-----END PGP MESSAGE-----\n",
)
FOR_COORDINATORS = "for the coordinators only"


def appended(team: Team, account: str, folder: str, message: bytes) -> int:
    """APPEND `message` to `folder` as `account`; its UID, the folder's UIDNEXT before (an account with the insert
    right alone is told no APPENDUID: the coordinator's account asks)."""
    reading = connect(team.server, ACCOUNTS["coordinator"])
    client = connect(team.server, account)
    try:
        uid = reading.folder_status(folder, [b"UIDNEXT"])[b"UIDNEXT"]
        client.append(folder, message)
    finally:
        client.logout()
        reading.logout()
    assert isinstance(uid, int)
    return uid


def for_the_coordinators(coordinator: Station, case_id: str) -> bytes:
    """A genuine note of the coordinator's, sealed to the coordinators only, naming their keys."""
    ring = coordinator.ring
    event = TeamEvent(case_id, ring.fingerprint, Timestamp(int(time.time() * 1000)), "note", note=FOR_COORDINATORS)
    return encrypt_signed(ring.gpg, sign_event(ring.gpg, event), [ring.fingerprint], hidden=False)


def damaged(sealed: bytes) -> bytes:
    """`sealed` with a line of its encrypted data changed: its session key packets are intact."""
    lines = sealed.split(b"\n")
    lines[-5] = b"A" * len(lines[-5])
    return b"\n".join(lines)


def test_armoured_junk_is_listed_under_r_once_and_an_envelope_for_others_stays_silent(team: Team) -> None:
    pip, uv, coordinator = team.maintainers["pip"], team.maintainers["uv"], team.coordinator
    folder = f"{team.server.prefix}pip"
    sealed = for_the_coordinators(coordinator, team.cases[PIP_CASE_TITLE])
    # Sealed to pip's key too, then damaged: gpg finds pip's key named but cannot decrypt it.
    to_pip = encrypt_signed(coordinator.ring.gpg, sign_event(coordinator.ring.gpg, TeamEvent(
        team.cases[PIP_CASE_TITLE], coordinator.fingerprint, Timestamp(int(time.time() * 1000)), "note", note="x",
    )), [coordinator.fingerprint, pip.fingerprint], hidden=False)  # fmt: skip
    # The uv maintainer may append to pip's folder, not read it: what they put there is hostile input to pip.
    hostile = [*JUNK, damaged(to_pip)]
    junk_uids = [appended(team, ACCOUNTS["uv"], folder, envelope_message(junk, uv.ring.email)) for junk in hostile]
    other_uid = appended(team, ACCOUNTS["coordinator"], folder, envelope_message(sealed, coordinator.ring.email))
    team.sync(pip)
    team.sync(pip)  # nothing new: nothing listed twice

    items = json.loads(team.ok(pip, "rejected", "--json"))
    reasons = sorted(item["reason"] for item in items if item["message"])
    assert len(reasons) == len(hostile), reasons
    for uid, why in zip(junk_uids, ["not a team envelope: ", "not a team envelope: ", "could not be decrypted"]):
        (reason,) = [reason for reason in reasons if reason.endswith(f"({folder}, UID {uid})")]
        assert reason.startswith(why), reason
    assert not [item for item in items if f"UID {other_uid})" in item["reason"]]
    text = team.ok(pip, "rejected")
    assert all(f"({folder}, UID {uid})" in text for uid in junk_uids), text
    assert FOR_COORDINATORS not in json.dumps(case_on(team, pip, PIP_CASE_TITLE))
