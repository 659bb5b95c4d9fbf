"""Provides the composing of a reply: threaded to the reporter's last message, signed with our key and encrypted.

A reply carries a case's details, so it is never built in clear: without a usable key for every recipient the
composer refuses. While a case is under embargo the reporter is the only recipient it accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, make_msgid
from typing import Any

import gnupg

from triage_tui.compose import ComposeError, encrypt_pgpmime, mime_report
from triage_tui.config import Identity
from triage_tui.domain import Signature
from triage_tui.replies.templates import ReplyDraft
from triage_tui.store.queries import CaseDetail, MessageView
from triage_tui.untrusted import address_of

MAX_REFERENCES = 20
"""How many Message-IDs of the thread go into References (the newest; RFC 5322 allows trimming the middle)."""

# Key validity letters from gpg's listing that make a key unusable: revoked, expired, invalid, disabled.
_UNUSABLE_VALIDITY = frozenset("reid")


class ReplyError(Exception):
    """The reply cannot be composed; the message says why, in words for the coordinator."""


class NoReporterKeyError(ReplyError):
    """No usable public key for a recipient: the reply would have to go in clear, which is never done."""


class EmbargoError(ReplyError):
    """A reply to a case under embargo was addressed to someone other than the reporter."""


@dataclass(frozen=True)
class RecipientKey:
    """The key a recipient's copy is encrypted to, and how it was chosen."""

    address: str
    fingerprint: str
    how: str
    """"signed their messages" or "UID matches the address"."""


@dataclass(frozen=True)
class ComposedReply:
    """An encrypted, signed reply ready for the outbox."""

    raw: bytes
    subject: str
    message_id: str
    recipients: tuple[str, ...]
    """Every envelope recipient; the reporter first."""
    keys: tuple[RecipientKey, ...]


def reporter_messages(detail: CaseDetail) -> list[MessageView]:
    """The case's messages written by the reporter (same address), oldest first."""
    reporter = address_of(detail.summary.reporter_email)
    return [m for m in detail.messages if reporter and address_of(m.sender_email) == reporter]


def threading_headers(detail: CaseDetail) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To (the reporter's last message) and References (the thread, newest ids kept)."""
    from_reporter = [m for m in reporter_messages(detail) if m.message_id]
    in_reply_to = from_reporter[-1].message_id if from_reporter else None
    ids = [m.message_id for m in detail.messages if m.message_id]
    if in_reply_to is not None:
        # References ends with the message replied to (RFC 5322 3.6.4).
        ids = [i for i in ids if i != in_reply_to] + [in_reply_to]
    unique = list(dict.fromkeys(i for i in ids if i))
    return in_reply_to, tuple(unique[-MAX_REFERENCES:])


def _usable(key: dict[str, Any]) -> bool:
    capabilities = str(key.get("cap", ""))
    return "E" in capabilities and str(key.get("trust", "")) not in _UNUSABLE_VALIDITY


def _key_listing(gpg: gnupg.GPG, fingerprint: str) -> dict[str, Any] | None:
    for key in gpg.list_keys(keys=[fingerprint]):
        fingerprints = {str(key.get("fingerprint", "")).upper(), *(s.upper() for s in key.get("subkey_info", {}))}
        if fingerprint.upper() in fingerprints:
            return dict(key)
    return None


def find_recipient_key(gpg: gnupg.GPG, address: str, signer_fingerprints: Sequence[str] = ()) -> RecipientKey:
    """The key to encrypt to for `address`.

    The key that made a good signature on the recipient's own messages comes first (newest first); otherwise a
    valid key in our keyring with a UID of exactly that address (the newest such key).

    Raises:
        NoReporterKeyError: If neither exists or neither can encrypt.
    """
    wanted = address_of(address)
    for fingerprint in signer_fingerprints:
        key = _key_listing(gpg, fingerprint)
        if key is not None and _usable(key):
            return RecipientKey(wanted, str(key["fingerprint"]).upper(), "signed their messages")
    matches = [
        dict(key)
        for key in gpg.list_keys()
        if _usable(key) and wanted and any(address_of(uid) == wanted for uid in key.get("uids", ()))
    ]
    if matches:
        newest = max(matches, key=lambda key: int(key.get("date") or 0))
        return RecipientKey(wanted, str(newest["fingerprint"]).upper(), "UID matches the address")
    raise NoReporterKeyError(
        f"no usable public key for {wanted or address}: import their key (I on the case, or triage-tui key import) "
        "before replying; a reply is never sent unencrypted"
    )


def find_reporter_key(gpg: gnupg.GPG, detail: CaseDetail) -> RecipientKey:
    """The reporter's key: the signer of their good-signature messages, else a key with their address as UID."""
    signers = [
        m.signer_fingerprint
        for m in reversed(reporter_messages(detail))
        if m.signature == Signature.GOOD and m.signer_fingerprint
    ]
    return find_recipient_key(gpg, detail.summary.reporter_email, list(dict.fromkeys(signers)))


def under_embargo(detail: CaseDetail, now: datetime) -> bool:
    """Whether the case's embargo has not ended yet."""
    embargo = detail.summary.embargo_until
    return embargo is not None and embargo > now


def check_recipients(detail: CaseDetail, to: str, others: Sequence[str], now: datetime) -> tuple[str, ...]:
    """The envelope recipients (reporter first), after the embargo rule and address checks.

    Raises:
        EmbargoError: Under embargo, if `to` is not the reporter or there is anyone else (Cc/Bcc).
        ReplyError: If an address is not a plain mail address.
    """
    reporter = address_of(detail.summary.reporter_email)
    first = address_of(to)
    if not first:
        raise ReplyError(f"{to!r} is not a mail address")
    extra = [address_of(other) for other in others]
    if not all(extra):
        raise ReplyError("every Cc/Bcc must be a plain mail address")
    if under_embargo(detail, now):
        if first != reporter or any(address != reporter for address in extra):
            raise EmbargoError(
                f"{detail.summary.id} is under embargo until "
                f"{detail.summary.embargo_until:%Y-%m-%d %H:%M UTC}: a reply may go to the reporter only "
                f"({reporter or 'no address on record'})"
            )
    return tuple(dict.fromkeys([first, *extra]))


def compose_reply(
    draft: ReplyDraft,
    detail: CaseDetail,
    identity: Identity,
    gpg: gnupg.GPG,
    *,
    sender: str,
    now: datetime,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
) -> ComposedReply:
    """Build the reply as PGP/MIME: signed with `identity`'s key, encrypted to every recipient and to us.

    Args:
        draft: Subject, body and To (as edited by the coordinator).
        detail: The case, for threading, the reporter's key and the embargo.
        identity: Our identity; its fingerprint signs, and we can read our own sent copy.
        gpg: GnuPG over the workstation's keyring.
        sender: The From address (the SMTP `from`, else the identity's email).
        now: The Date of the message, and the moment the embargo is judged at.
        cc: Visible further recipients (refused under embargo).
        bcc: Hidden further recipients (refused under embargo).

    Raises:
        EmbargoError: A recipient other than the reporter while the case is under embargo.
        NoReporterKeyError: A recipient without a usable key.
        ReplyError: Signing or encrypting failed.
    """
    recipients = check_recipients(detail, draft.to, [*cc, *bcc], now)
    keys: list[RecipientKey] = []
    for address in recipients:
        if address == address_of(detail.summary.reporter_email):
            keys.append(find_reporter_key(gpg, detail))
        else:
            keys.append(find_recipient_key(gpg, address))
    in_reply_to, references = threading_headers(detail)
    domain = address_of(sender).partition("@")[2] or None
    message_id = make_msgid(idstring=detail.summary.id, domain=domain)
    visible = [recipients[0], *(address_of(a) for a in cc)]
    inner = mime_report(
        subject=draft.subject,
        sender=formataddr((identity.name, address_of(sender) or identity.email)),
        to=", ".join(dict.fromkeys(visible)),
        body=draft.body,
        date=now,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    encrypt_to = [*(key.fingerprint for key in keys), identity.fingerprint]
    try:
        raw = encrypt_pgpmime(inner, gpg, list(dict.fromkeys(encrypt_to)), sign_with=identity.fingerprint)
    except ComposeError as error:
        raise ReplyError(f"could not sign and encrypt the reply: {error}") from None
    return ComposedReply(raw=raw, subject=draft.subject, message_id=message_id, recipients=recipients, keys=tuple(keys))


def open_gpg(gnupg_home: str | None) -> gnupg.GPG:
    """GnuPG over the workstation's keyring (`None`: gpg's default home)."""
    return gnupg.GPG(gnupghome=gnupg_home) if gnupg_home else gnupg.GPG()
