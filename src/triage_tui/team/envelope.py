"""Seals a team event for the people allowed to read it (signed with the author's key, encrypted to the
coordinators and the maintainers of the case's projects) and opens a received one, deciding whether to accept it:
a good signature, by the key the event names as its author, who holds a role on the case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from triage_tui.team.events import EventFormatError, TeamEvent, decode
from triage_tui.team.hlc import too_far_ahead
from triage_tui.team.recipients import RecipientError, unusable_recipients

if TYPE_CHECKING:
    import gnupg


class Rejection(StrEnum):
    """Why a received event is not applied (it is kept and listed with the reason)."""

    UNDECRYPTABLE = "not encrypted to this workstation, or damaged"
    UNSIGNED = "not signed"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KEY = "signed by a key this workstation does not have"
    NOT_THE_AUTHOR = "signed by another key than the author it names"
    NO_ROLE = "its author is neither a coordinator nor a maintainer of the case's projects"
    MALFORMED = "not a team event"
    REPLAYED = "already applied (a copy sent again)"
    FROM_THE_FUTURE = "dated too far ahead of this workstation's clock"
    NOT_APPLICABLE = "could not be applied here"


@dataclass(frozen=True)
class TeamRoles:
    """Who may decide what: coordinators on every case, each project's maintainers on the cases of that project
    (fingerprints, upper case)."""

    coordinators: frozenset[str]
    maintainers: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def readers(self, projects: Iterable[str]) -> list[str]:
        """Everyone an event of a case with `projects` is encrypted to: the trust boundary of the case."""
        found = set(self.coordinators)
        for project in projects:
            found |= self.maintainers.get(project, frozenset())
        return sorted(found)

    def may_decide(self, author: str, projects: Iterable[str]) -> bool:
        """Whether `author` holds a role on a case with `projects`."""
        if author in self.coordinators:
            return True
        return any(author in self.maintainers.get(project, frozenset()) for project in projects)


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


def encrypt_signed(gpg: gnupg.GPG, signed: bytes, recipients: Sequence[str]) -> bytes:
    """A signed event encrypted to `recipients`. RecipientError naming each key gpg cannot encrypt to (missing,
    expired, revoked, no encryption subkey), ValueError if it fails otherwise."""
    # always_trust: recipients are chosen by fingerprint from the config, not by user id through the web of trust.
    # Hidden recipients: the envelope does not name whose keys can open it, so the shared folder does not tell
    # its readers which projects a case involves (each reader's gpg tries its own secret key instead).
    result = gpg.encrypt(signed, [], hidden_recipients=sorted(set(recipients)), armor=True, always_trust=True)
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


def open_sealed(gpg: gnupg.GPG, data: bytes) -> Opened:
    """Decrypt and verify a sealed event; the signer is checked against the author but not yet against roles."""
    outer = gpg.decrypt(data)
    if not outer.ok:
        return Opened(None, None, Rejection.UNDECRYPTABLE, str(outer.status or ""))
    inner = bytes(outer.data)
    signed: bytes | None = None
    result = outer
    if inner.lstrip().startswith(b"-----BEGIN PGP MESSAGE-----"):
        signed = inner
        result = gpg.decrypt(inner)  # a signed message: gpg gives back its data and checks the signature
        inner = bytes(result.data)
    signer = (getattr(result, "pubkey_fingerprint", None) or getattr(result, "fingerprint", None) or "").upper()
    try:
        event = decode(inner)
    except EventFormatError as error:
        return Opened(None, signer or None, Rejection.MALFORMED, str(error))
    if not result.signature_id and not signer:
        return Opened(event, None, Rejection.UNSIGNED)
    if not result.valid:
        if getattr(result, "status", "") == "no public key" or "NO_PUBKEY" in str(getattr(result, "stderr", "")):
            return Opened(event, signer or None, Rejection.UNKNOWN_KEY, result.key_id or "")
        return Opened(event, signer or None, Rejection.BAD_SIGNATURE, str(result.status or ""))
    if signer != event.author.upper():
        return Opened(event, signer, Rejection.NOT_THE_AUTHOR, f"signed by {signer}, names {event.author}")
    return Opened(event, signer, None, signed=signed, signer_uid=str(getattr(result, "username", "") or ""))


def judge(opened: Opened, roles: TeamRoles, projects: Iterable[str], applied: set[str]) -> Opened:
    """The opened event with the role and replay rules applied: refused if its author has no role on the case
    (with `projects` as this workstation knows them) or if it was applied before."""
    if opened.rejection is not None or opened.event is None:
        return opened
    if opened.event.id in applied:
        return Opened(opened.event, opened.signer, Rejection.REPLAYED)
    if too_far_ahead(opened.event.at):
        return Opened(opened.event, opened.signer, Rejection.FROM_THE_FUTURE, opened.event.at.text())
    if opened.event.kind == "share":
        if opened.event.author not in roles.coordinators:
            return Opened(opened.event, opened.signer, Rejection.NO_ROLE, "only a coordinator shares a case")
        return opened
    if opened.event.key is not None:
        if opened.event.author not in roles.coordinators:
            return Opened(opened.event, opened.signer, Rejection.NO_ROLE, "only a coordinator accepts a changed key")
        return opened
    if not roles.may_decide(opened.event.author, list(projects)):
        return Opened(opened.event, opened.signer, Rejection.NO_ROLE)
    if opened.event.author not in roles.coordinators:
        # A maintainer speaks for their own projects only: writing another project's cell would link that
        # project to the case and widen who reads it.
        foreign = [p for p in opened.event.impacts if opened.event.author not in roles.maintainers.get(p, frozenset())]
        if foreign:
            return Opened(opened.event, opened.signer, Rejection.NO_ROLE, f"not a maintainer of {', '.join(foreign)}")
    return opened
