"""Provides the plain records intake produces from one raw item; the store persists them as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from triage_tui.domain import Decryption, Signature, SignatureScope


@dataclass(frozen=True)
class Attachment:
    """A file that came with a message: kept as bytes, never opened or executed."""

    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes


@dataclass(frozen=True)
class CryptoVerdict:
    """What GnuPG said about one message, in the product's vocabulary."""

    encrypted: bool = False
    decryption: Decryption = Decryption.NOT_ENCRYPTED
    signature: Signature = Signature.UNSIGNED
    signer_fingerprint: str | None = None
    signer_uids: tuple[str, ...] = ()
    scope: SignatureScope = SignatureScope.NONE
    warnings: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """One message after intake: headers (protected ones applied), text, attachments and verdict.

    Every string here is already neutralised (no control characters, ESC sequences or bidi overrides),
    except `raw`, which is the untouched original kept for re-processing.
    """

    raw: bytes
    content_hash: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender_name: str
    sender_email: str
    date: datetime | None
    body: str
    verdict: CryptoVerdict
    unauthenticated_text: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    html_parts: int = 0


@dataclass(frozen=True)
class IntakeFailure:
    """An item that could not be taken in at all (not an email, or processing raised): kept for inspection."""

    raw: bytes
    reason: str
