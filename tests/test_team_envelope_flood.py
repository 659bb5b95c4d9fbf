"""Envelopes that would make gpg try this workstation's secret key again and again are refused from their packet
headers, before gpg sees them: a flood of envelopes hiding their recipients in a per-audience folder (where envelopes
name theirs), and an envelope hiding more recipients than the team has keys in the one folder of a lab set-up. Each is
kept with the reason and the sync goes on. Real gpg and Dovecot; every gpg decryption of the maintainer's counted."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from dovecot_fixtures import DovecotServer
from test_team_folders import audiences
from test_team_imap import Station, append_sealed, rings, team
from test_team_sync import CASE, shown
from triage_tui.store.connection import reader
from triage_tui.team.envelope import encrypt_signed, sign_event
from triage_tui.team.envelope_intake import envelope_message
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp

__all__ = ["audiences", "rings", "team"]  # the fixtures, imported so pytest finds them here

FLOOD = 50
REAL_NOTE = "a real note behind the flood"


@contextmanager
def decryptions(station: Station, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every message the station's gpg is asked to decrypt meanwhile (each a gpg run)."""
    asked: list[bytes] = []
    decrypt = station.ring.gpg.decrypt

    def counted(message: bytes, **options: object) -> object:
        asked.append(message)
        return decrypt(message, **options)

    with monkeypatch.context() as patched:
        patched.setattr(station.ring.gpg, "decrypt", counted)
        yield asked


def kept_reasons(station: Station) -> list[str]:
    with reader(station.database) as connection:
        return [str(row[0]) for row in connection.execute("SELECT reason FROM intake_failures WHERE source = 'team'")]


def hiding(sender: Station, *readers: Station) -> bytes:
    """A genuine note of `sender`, sealed to `readers` without naming them (as the lab's one folder has it)."""
    event = TeamEvent(CASE, sender.ring.fingerprint, Timestamp(int(time.time() * 1000)), "note", note="flood")
    return encrypt_signed(sender.ring.gpg, sign_event(sender.ring.gpg, event), [r.ring.fingerprint for r in readers])


def test_a_flood_of_envelopes_hiding_their_recipients_in_a_project_folder_is_refused_without_decrypting_one(  # type: ignore[no-untyped-def]
    audiences, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, uv, user = audiences
    alex = coordinator.triage()
    alex.add_note(CASE, REAL_NOTE)
    alex.store.close()
    # The uv maintainer may append to the pip folder (append only): each envelope there hides its recipients, so pip's
    # gpg would try its secret key on every one (a passphrase's key derivation each time).
    flood = [hiding(uv, uv, coordinator) for _ in range(FLOOD)]
    uids = dovecot.append_many(user, "Team.pip", [envelope_message(sealed, uv.ring.email) for sealed in flood])
    coordinator.sync()  # the real note goes to the coordinators' folder and pip's, behind the flood
    with decryptions(pip, monkeypatch) as asked:
        outcome = pip.sync()
    assert not [data for data in asked if any(sealed.strip() in data for sealed in flood)]
    assert len(asked) == 2 * outcome.applied  # the coordinator's real events only: each envelope, its signed form
    notes = shown(pip.database)["notes"]
    assert isinstance(notes, list) and REAL_NOTE in notes
    reasons = kept_reasons(pip)
    assert len(reasons) == FLOOD and all("hides 2 of its recipients" in reason for reason in reasons)
    assert {f"(Team.pip, UID {uid})" for uid in uids} == {reason[reason.rindex("(") :] for reason in reasons}
    assert (outcome.screened, outcome.rejected) == (FLOOD, FLOOD)


def test_an_envelope_hiding_more_recipients_than_the_team_has_keys_is_refused_in_the_lab_folder_too(  # type: ignore[no-untyped-def]
    team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lab's one folder hides every envelope's recipients, so those go to gpg; but no event has more readers
    than the team has keys: a thousand hidden ones are refused before gpg tries its key on each."""
    coordinator, pip, uv = team
    genuine = hiding(coordinator, coordinator, pip)  # not for uv: gpg must tell, and says so silently
    lines = genuine.decode().split("\n")
    data = base64.b64decode("".join(lines[lines.index("") + 1 : -3]))
    first = data[: 2 + data[1]]  # gpg writes each session key packet in the old format, its length in one octet
    assert data[0] == 0x84 and first[3:11] == bytes(8)  # a hidden recipient's
    text = base64.b64encode(first * 1000 + data[len(first) :]).decode()
    crafted = "\n".join(["-----BEGIN PGP MESSAGE-----", "", *(text[i : i + 64] for i in range(0, len(text), 64))])
    crafted_bytes = f"{crafted}\n-----END PGP MESSAGE-----\n".encode()
    append_sealed(coordinator, genuine, crafted_bytes)
    with decryptions(uv, monkeypatch) as asked:
        outcome = uv.sync()
    assert asked == [genuine]  # the crafted one never reaches gpg
    (reason,) = kept_reasons(uv)
    assert "encrypted to more than 19 keys" in reason  # three members and the slack
    assert (outcome.not_for_us, outcome.rejected, outcome.screened) == (1, 1, 1)
