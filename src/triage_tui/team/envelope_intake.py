"""Team event envelopes as mail: the message a sealed event travels in, and opening one round of a team folder's
messages (each envelope decrypted and verified once, whatever is not an event kept with the reason, and copies of
an event already taken in, the same envelope in another folder or an event held here, skipped before gpg runs, as
are envelopes whose recipient list says they are not for this workstation or refuses them: `envelope_screen`)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from triage_tui.store.team_log_store import UnreadableMessage
from triage_tui.team.envelope import Opened, Rejection, open_sealed
from triage_tui.team.envelope_screen import EnvelopeScreen
from triage_tui.team.sync_outcome import TeamSyncOutcome

if TYPE_CHECKING:
    import gnupg

    from triage_tui.team.folders import FolderPlan

BEGIN, END = b"-----BEGIN PGP MESSAGE-----", b"-----END PGP MESSAGE-----"
SUBJECT = "triage-tui team event"
CURSOR_SOURCE = "team"
"""The sync cursor's source name for team folders, and the source unreadable team messages are kept under."""


def envelope_message(sealed: bytes, sender: str) -> bytes:
    """The mail a sealed event travels in: nothing about the case outside the encrypted part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = sender
    message["Subject"] = SUBJECT
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="triage-tui.invalid")
    message.set_content(sealed.decode("ascii"))
    return message.as_bytes()


def armoured_part(raw: bytes) -> bytes | None:
    """The PGP message inside an envelope mail, or None."""
    start = raw.find(BEGIN)
    end = raw.find(END, start)
    if start < 0 or end < 0:
        return None
    return raw[start : end + len(END)].replace(b"\r\n", b"\n") + b"\n"


UNREADABLE_COPY = "unreadable"
"""What `copies` maps a message that held no event to (no event id is ever this word)."""


def open_round(
    gpg: gnupg.GPG,
    validity: int,
    group: list[int],
    bodies: dict[int, tuple[bytes, str | None, int | None]],
    applied: set[str],
    copies: dict[bytes, str],
    outcome: TeamSyncOutcome,
    stamp: str,
    folder: str = "",
    plan: FolderPlan | None = None,
) -> tuple[list[Opened], list[UnreadableMessage]]:
    """The round's opened events not taken in before (`applied` grows with them), and the messages that hold none
    one can read (not an event, or not one once decrypted, or too large to be one), kept with the reason as intake
    keeps mail it cannot read. `copies` maps each envelope's digest to its event id for the whole sync: a
    coordinator reads every folder, and an event sent to several arrives once per folder; a message that holds no
    event is listed once too, naming the folder and UID it was first found at (`folder`). With the workstation's
    folder `plan`, each envelope's recipient list is read first (`envelope_screen`): gpg runs only on those that may
    be for this workstation."""
    opened_all: list[Opened] = []
    unreadable: list[UnreadableMessage] = []
    screen: EnvelopeScreen | None = None

    def kept(uid: int, raw: bytes, reason: str, digest: bytes) -> None:
        if copies.get(digest) == UNREADABLE_COPY:
            return  # the same message in another folder: listed once
        copies[digest] = UNREADABLE_COPY
        where = f" ({folder}, UID {uid})" if folder else ""
        key = f"{folder} {validity}:{uid}" if folder else f"{validity}:{uid}"
        unreadable.append(UnreadableMessage(CURSOR_SOURCE, key, f"{reason}{where}", raw, stamp))
        outcome.rejected += 1

    for uid in group:
        raw, why_not, _whole_size = bodies[uid]  # no head is asked for: an envelope's headers say nothing
        if why_not is not None:  # too large to be an event, or gone: listed, its bytes never fetched
            kept(uid, raw, f"not fetched: {why_not}", hashlib.sha256(f"{folder} {validity}:{uid}".encode()).digest())
            continue
        sealed = armoured_part(raw)
        if sealed is None:
            kept(uid, raw, "not a team event message", hashlib.sha256(raw).digest())
            continue
        digest = hashlib.sha256(sealed).digest()
        if copies.get(digest, "") in applied:
            continue  # the very envelope, in another folder, of an event taken in already
        if plan is not None:
            screen = screen or EnvelopeScreen.of(plan, gpg)  # once a round, when one needs it
            screened = screen.screen(sealed)
            if screened.refusal is not None:
                outcome.screened += 1
                kept(uid, raw, screened.refusal, digest)
                continue
            if not screened.for_us:  # addressed to other keys only: gpg would find no key of its own either
                outcome.screened += 1
                outcome.not_for_us += 1
                continue
        try:
            opened = open_sealed(gpg, sealed)
        except Exception as error:  # one message gpg chokes on is kept with the reason; the rest go on
            kept(uid, raw, f"could not be opened: {type(error).__name__}: {error}"[:500], digest)
            continue
        if opened.rejection == Rejection.UNDECRYPTABLE:
            outcome.not_for_us += 1  # another project's case (its recipients hidden): nothing of it is kept here
            continue
        if opened.event is None:
            reason = f"{opened.rejection}" + (f": {opened.detail}" if opened.detail else "")
            if opened.signer:  # who sent it matters most when what they sent is not an event
                reason += f" (signed by {opened.signer})"
            kept(uid, raw, reason, digest)
            continue
        copies[digest] = opened.event.id
        if opened.event.id in applied:
            continue  # our own event, or a copy of one we have: nothing new
        opened_all.append(opened)
        applied.add(opened.event.id)
    return opened_all, unreadable
