"""Provides builders of intake records for store tests, without gpg."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from triage_tui.domain import Signature
from triage_tui.intake.records import Attachment, CryptoVerdict, ParsedMessage


def parsed(
    subject: str,
    *,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    body: str = "report body",
    day: int = 1,
    sender: tuple[str, str] = ("Rita Reporter", "rita@example.org"),
    signature: Signature = Signature.UNSIGNED,
    signer: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> ParsedMessage:
    raw = f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n\r\n{body}".encode()
    return ParsedMessage(
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        sender_name=sender[0],
        sender_email=sender[1],
        date=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
        body=body,
        verdict=CryptoVerdict(signature=signature, signer_fingerprint=signer),
        attachments=attachments,
    )


def engine_path(engine: Engine) -> Path:
    """The database file behind an engine, for opening a plain reader on it."""
    return Path(str(engine.url.database))
