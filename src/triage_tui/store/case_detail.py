"""Provides one case in full: its thread with each message's verdict and attachments, impacts and audit log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage_tui.store.case_summary import SUMMARY_COLUMNS, CaseSummary, projects_for, summary_of
from triage_tui.store.in_lists import placeholders
from triage_tui.store.times import parse_time


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment's metadata; its bytes are read only when the user saves it."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class MessageView:
    """One message of a thread with its verdict."""

    pk: int
    source: str
    source_key: str
    message_id: str | None
    subject: str
    sender_name: str
    sender_email: str
    sent_at: datetime | None
    received_at: datetime
    body: str
    unauthenticated_text: str
    html_parts: int
    encrypted: bool
    decryption: str
    signature: str
    signer_fingerprint: str | None
    signer_uids: tuple[str, ...]
    signature_scope: str
    warnings: tuple[str, ...]
    error: str | None
    attachments: tuple[AttachmentInfo, ...] = ()
    key_changed_from: str | None = None
    """The key pinned for the sender before this message's signer, while no coordinator has accepted the change."""


@dataclass(frozen=True)
class ImpactView:
    """One cell of the case's row of the impact matrix."""

    project: str
    status: str
    ranges: tuple[str, ...]
    fixed_version: str | None
    justification: str | None
    notes: str
    set_by: str | None
    set_at: datetime | None


@dataclass(frozen=True)
class EventView:
    """One entry of the case's audit log."""

    id: int
    author: str
    at: datetime
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CaseDetail:
    """A case in full: its summary, thread, impacts and timeline."""

    summary: CaseSummary
    messages: tuple[MessageView, ...]
    impacts: tuple[ImpactView, ...]
    events: tuple[EventView, ...]
    sources: tuple[str, ...] = field(default_factory=tuple)


def _attachments(connection: sqlite3.Connection, message_pks: Sequence[int]) -> dict[int, list[AttachmentInfo]]:
    found: dict[int, list[AttachmentInfo]] = {}
    if not message_pks:
        return found
    rows = connection.execute(
        "SELECT id, message_pk, filename, content_type, size, sha256 FROM attachments "  # noqa: S608
        f"WHERE message_pk IN ({placeholders(message_pks)}) ORDER BY id",
        list(message_pks),
    ).fetchall()
    for a in rows:
        found.setdefault(a[1], []).append(AttachmentInfo(a[0], a[2], a[3], a[4], a[5]))
    return found


def get_case(connection: sqlite3.Connection, case_id: str) -> CaseDetail | None:
    """A case with its thread (oldest first), impacts and events; None if there is no such case."""
    row = connection.execute(f"SELECT {SUMMARY_COLUMNS} FROM cases WHERE id = ?", (case_id,)).fetchone()  # noqa: S608
    if row is None:
        return None
    summary = summary_of(row, projects_for(connection, [case_id]).get(case_id, ()))
    message_rows = connection.execute(
        "SELECT id, source, source_key, message_id, subject, sender_name, sender_email, sent_at, received_at, body, "
        "unauthenticated_text, html_parts, encrypted, decryption, signature, signer_fingerprint, signer_uids, "
        "signature_scope, warnings, error, (SELECT old_fingerprint FROM key_changes k WHERE k.accepted_at IS NULL "
        "AND k.address = lower(messages.sender_email) AND k.new_fingerprint = messages.signer_fingerprint) "
        "FROM messages WHERE case_id = ? "
        "ORDER BY sent_at IS NULL, sent_at, id",
        (case_id,),
    ).fetchall()
    by_message = _attachments(connection, [m[0] for m in message_rows])
    messages = tuple(
        MessageView(
            pk=m[0],
            source=m[1],
            source_key=m[2],
            message_id=m[3],
            subject=m[4],
            sender_name=m[5],
            sender_email=m[6],
            sent_at=parse_time(m[7]),
            received_at=parse_time(m[8]) or summary.received_at,
            body=m[9],
            unauthenticated_text=m[10],
            html_parts=m[11],
            encrypted=bool(m[12]),
            decryption=m[13],
            signature=m[14],
            signer_fingerprint=m[15],
            signer_uids=tuple(json.loads(m[16])),
            signature_scope=m[17],
            warnings=tuple(json.loads(m[18])),
            error=m[19],
            attachments=tuple(by_message.get(m[0], ())),
            key_changed_from=m[20],
        )
        for m in message_rows
    )
    impacts = case_impacts(connection, case_id)
    events = tuple(
        EventView(id=e[0], author=e[1], at=parse_time(e[2]) or summary.received_at, kind=e[3], payload=json.loads(e[4]))
        for e in connection.execute(
            "SELECT id, author, at, kind, payload FROM events WHERE case_id = ? ORDER BY at, id", (case_id,)
        ).fetchall()
    )
    sources = tuple(dict.fromkeys(m.source for m in messages))
    return CaseDetail(summary=summary, messages=messages, impacts=impacts, events=events, sources=sources)


def case_impacts(connection: sqlite3.Connection, case_id: str) -> tuple[ImpactView, ...]:
    """The case's row of the impact matrix: its stored cells, by project."""
    return tuple(
        ImpactView(
            project=i[0],
            status=i[1],
            ranges=tuple(json.loads(i[2])),
            fixed_version=i[3],
            justification=i[4],
            notes=i[5],
            set_by=i[6],
            set_at=parse_time(i[7]),
        )
        for i in connection.execute(
            "SELECT project_id, status, ranges, fixed_version, justification, notes, set_by, set_at "
            "FROM impacts WHERE case_id = ? ORDER BY project_id",
            (case_id,),
        ).fetchall()
    )


def attachment_data(connection: sqlite3.Connection, attachment_id: int) -> tuple[str, bytes] | None:
    """An attachment's (neutralised) filename and bytes, for saving to a file the user chose."""
    row = connection.execute("SELECT filename, data FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
    return (row[0], bytes(row[1])) if row else None
