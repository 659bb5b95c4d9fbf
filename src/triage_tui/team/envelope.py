"""Seals a team event for the people allowed to read it (signed with the author's key, encrypted to the
coordinators and the maintainers of the case's projects) and opens a received one, deciding whether to accept it:
a good signature, by the key the event names as its author, who holds a role on the case."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from triage_tui.team.events import MAX_EVENT_BYTES, EventFormatError, TeamEvent, decode
from triage_tui.team.hlc import due_text, too_far_ahead
from triage_tui.team.recipients import RecipientError, unusable_recipients
from triage_tui.team.rights import rights_problem
from triage_tui.team.roles import TeamRoles

if TYPE_CHECKING:
    import gnupg

    from triage_tui.team.roster import RosterHistory

__all__ = [
    "Opened",
    "Rejection",
    "TeamRoles",
    "encrypt_signed",
    "judge",
    "open_sealed",
    "open_signed",
    "seal",
    "sign_event",
]


class Rejection(StrEnum):
    """Why a received event is not applied (it is kept and listed with the reason)."""

    UNDECRYPTABLE = "not encrypted to this workstation"
    DAMAGED = "could not be decrypted (damaged, or not an OpenPGP message)"
    UNSIGNED = "not signed"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KEY = "signed by a key this workstation does not have"
    NOT_THE_AUTHOR = "signed by another key than the author it names"
    NO_ROLE = "beyond its author's rights"
    REVOKED = "signed by a revoked key"
    ROSTER_RULE = "a roster change its author may not make"
    BAD_ROSTER_KEY = "a roster change whose key or proof does not hold"
    MALFORMED = "not a team event"
    REPLAYED = "already applied (a copy sent again)"
    FROM_THE_FUTURE = "waits: dated too far ahead of this workstation's clock"
    NOT_APPLICABLE = "could not be applied here"
    MISDIRECTED = "a share for other projects' maintainers (a copy sent on to the wrong folder)"


NO_SECRET_KEY = "no secret key"
"""python-gnupg's status of a message encrypted to keys none of which is here (gpg's NO_SECKEY for each)."""


@dataclass(frozen=True)
class Opened:
    """A received event: the event if it could be read, who signed it, and why it is refused (None: accepted)."""

    event: TeamEvent | None
    signer: str | None
    rejection: Rejection | None
    detail: str = ""
    signed: bytes | None = None
    signer_uid: str = ""
    """The signing key's user id as gpg reports it (its address is pinned to the key on first use)."""
    """The author's signed form (kept to share the case's history with readers added later)."""


def sign_event(gpg: gnupg.GPG, event: TeamEvent) -> bytes:
    """The event's canonical bytes signed by its author's key (an armoured, not encrypted, OpenPGP message): the
    form that is kept, so the case's history can later be encrypted to new readers with the author's signature."""
    result = gpg.sign(event.encode(), keyid=event.author, clearsign=False, binary=False)
    if not result.data:
        raise ValueError(f"could not sign the event: {getattr(result, 'status', '')}")
    return bytes(result.data)


def encrypt_signed(gpg: gnupg.GPG, signed: bytes, recipients: Sequence[str], *, hidden: bool = True) -> bytes:
    """A signed event encrypted to `recipients`. RecipientError naming each key gpg cannot encrypt to (missing,
    expired, revoked, no encryption subkey), ValueError if it fails otherwise.

    `hidden`: the envelope does not name whose keys open it, so a folder every member reads (the one team folder of
    a lab set-up) does not tell them which projects a case involves; each reader's gpg then tries its secret key on
    every recipient, and a passphrase-protected key pays its passphrase's key derivation on each (seconds per
    envelope). Per-audience folders say who reads them already (their ACLs): there recipients are named, and a
    reader's gpg opens an envelope with one try."""
    # always_trust: recipients are chosen by fingerprint from the config, not by user id through the web of trust.
    chosen = sorted(set(recipients))
    named, unnamed = ([], chosen) if hidden else (chosen, None)
    # A sender's gpg.conf saying `throw-keyids` would hide named recipients too, which readers refuse.
    extra = None if hidden else ["--no-throw-keyids"]
    result = gpg.encrypt(signed, named, hidden_recipients=unnamed, armor=True, always_trust=True, extra_args=extra)
    if not result.ok:
        problems = unusable_recipients(gpg, recipients)
        if problems:
            raise RecipientError(problems)
        raise ValueError(f"could not encrypt the event: {result.status}")
    return bytes(str(result), "ascii")


def seal(gpg: gnupg.GPG, event: TeamEvent, recipients: Sequence[str]) -> bytes:
    """The event signed by its author and encrypted to `recipients` and the author (who reads their own events
    back). ValueError if gpg cannot do it."""
    return encrypt_signed(gpg, sign_event(gpg, event), [*recipients, event.author])


MAX_SIGNED_BYTES = 2 * MAX_EVENT_BYTES
"""The largest signed form of an event an envelope may hold once decrypted (the largest event, armoured, is about
4/3 of MAX_EVENT_BYTES): more is refused."""


def _bounded(limit: int) -> list[str]:
    """gpg's options to write at most twice `limit` bytes of what it opens: a few kilobytes of compressed data
    (a team member may append any envelope to a folder every workstation reads) would otherwise decompress to
    gigabytes, all read into memory here before any size check. gpg stops writing past the bound and fails, so what
    it gave is over `limit` and refused as too large (gpg writes in blocks, so the bound leaves room above it)."""
    return ["--max-output", str(2 * limit)]


def _too_large(data: bytes, limit: int, what: str) -> Opened | None:
    if len(data) <= limit:
        return None
    return Opened(None, None, Rejection.MALFORMED, f"{what} more than {limit} bytes (a compressed bomb?)")


def open_sealed(gpg: gnupg.GPG, data: bytes) -> Opened:
    """Decrypt and verify a sealed event; the signer is checked against the author but not yet against roles."""
    outer = gpg.decrypt(data, extra_args=_bounded(MAX_SIGNED_BYTES))
    too_large = _too_large(bytes(outer.data), MAX_SIGNED_BYTES, "decrypted, it holds")
    if too_large is not None:
        return too_large
    if not outer.ok:
        status = str(outer.status or "")
        # Only "no secret key" means it is for others (another project's case); anything else is a message kept and
        # listed: junk, a damaged envelope, or one this workstation's key should open but does not.
        return Opened(None, None, Rejection.UNDECRYPTABLE if status == NO_SECRET_KEY else Rejection.DAMAGED, status)
    inner = bytes(outer.data)
    if inner.lstrip().startswith(b"-----BEGIN PGP MESSAGE-----"):
        return open_signed(gpg, inner)  # a signed message: gpg gives back its data and checks the signature
    return _checked(outer, inner, None)


def open_signed(gpg: gnupg.GPG, signed: bytes) -> Opened:
    """Verify an event's signed form (what a sealed event holds, and what is kept of one whose key was unknown,
    to verify again once the roster brings the key)."""
    result = gpg.decrypt(signed, extra_args=_bounded(MAX_EVENT_BYTES))
    too_large = _too_large(bytes(result.data), MAX_EVENT_BYTES, "its signed event is")
    return too_large or _checked(result, bytes(result.data), signed)


def _checked(result: Any, inner: bytes, signed: bytes | None) -> Opened:
    signer = (getattr(result, "pubkey_fingerprint", None) or getattr(result, "fingerprint", None) or "").upper()
    try:
        event = decode(inner)
    except EventFormatError as error:
        return Opened(None, signer or None, Rejection.MALFORMED, str(error))
    if not result.signature_id and not signer:
        return Opened(event, None, Rejection.UNSIGNED)
    if not result.valid:
        if getattr(result, "status", "") == "no public key" or "NO_PUBKEY" in str(getattr(result, "stderr", "")):
            # Its signed bytes are kept: verified again once the roster brings the key (`roster_receipt`).
            return Opened(event, signer or None, Rejection.UNKNOWN_KEY, result.key_id or "", signed=signed)
        return Opened(event, signer or None, Rejection.BAD_SIGNATURE, str(result.status or ""))
    if signer != event.author.upper():
        return Opened(event, signer, Rejection.NOT_THE_AUTHOR, f"signed by {signer}, names {event.author}")
    return Opened(event, signer, None, signed=signed, signer_uid=str(getattr(result, "username", "") or ""))


def judge(
    opened: Opened,
    roles: TeamRoles,
    applied: AbstractSet[str],
    roster: RosterHistory | None = None,
    wall: float | None = None,
) -> Opened:
    """The opened event with the rights and replay rules applied: refused if it was applied before, or if it is
    beyond its author's rights (`rights.rights_problem`, from the event alone). With a `roster` that exists, the
    author's roles are those of the roster in force at the event's time (their key valid then and not revoked),
    else `roles` (the config's). Roster events are judged by the fold (`roster.fold`), not here.

    An event dated further ahead of this workstation's clock (`wall`, default now) than any honest skew is not
    judged yet: it waits (FROM_THE_FUTURE, its signed form kept) and is judged again on a later sync once the clock
    has caught up (`roster_receipt.judge_waiting`), so every workstation ends with the same verdict on it."""
    if opened.rejection is not None or opened.event is None:
        return opened
    event = opened.event
    if event.id in applied:
        return replace(opened, rejection=Rejection.REPLAYED)
    if too_far_ahead(event.at, wall):
        return replace(opened, rejection=Rejection.FROM_THE_FUTURE, detail=f"judged again from {due_text(event.at)}")
    if event.roster is not None:
        return opened
    if roster is not None and roster.exists:
        since = roster.revoked_since(event.author)
        if since is not None and event.at >= since:
            detail = f"{event.author} is revoked since {since.text()}"
            return replace(opened, rejection=Rejection.REVOKED, detail=detail)
        roles = roster.roles_at(event.at)
        if event.author not in roles.members:
            detail = f"{event.author} is no member's valid key at {event.at.text()} in the roster"
            return replace(opened, rejection=Rejection.NO_ROLE, detail=detail)
    problem = rights_problem(event, roles)
    if problem is not None:
        return replace(opened, rejection=Rejection.NO_ROLE, detail=problem)
    return opened
