"""Provides the read side of the store: paged case lists, counts, full-text search and one case in full."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, func, literal_column, select, text, union

from triage_tui.store.tables import ATTACHMENTS, CASES, EVENTS, IMPACTS, MESSAGES


@dataclass(frozen=True)
class CaseFilter:
    """What the inbox shows: all cases, or those in a state, touching a project, or matching a search."""

    state: str | None = None
    project: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class ImpactBrief:
    """A project and the case's status for it."""

    project: str
    status: str


@dataclass(frozen=True)
class CaseSummary:
    """One inbox row."""

    id: str
    title: str
    state: str
    disposition: str | None
    reporter: str
    reporter_email: str
    received_at: datetime
    updated_at: datetime
    signature: str
    message_count: int
    embargo_until: datetime | None = None
    cvss_vector: str | None = None
    cvss4_vector: str | None = None
    projects: tuple[ImpactBrief, ...] = ()


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


_TOKEN = re.compile(r"\w[\w.+@-]*", re.UNICODE)


def fts_query(search: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match, the last one as a prefix."""
    tokens = _TOKEN.findall(search)
    if not tokens:
        return None
    quoted = ['"' + token.replace('"', '""') + '"' for token in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _filtered(statement: Select[Any], case_filter: CaseFilter) -> Select[Any]:
    if case_filter.state:
        statement = statement.where(CASES.c.state == case_filter.state)
    if case_filter.project:
        statement = statement.where(
            CASES.c.id.in_(select(IMPACTS.c.case_id).where(IMPACTS.c.project_id == case_filter.project))
        )
    if case_filter.search:
        match = fts_query(case_filter.search)
        if match is None:
            return statement.where(literal_column("0") == 1)
        by_message = select(MESSAGES.c.case_id).where(
            MESSAGES.c.id.in_(text("SELECT rowid FROM message_fts WHERE message_fts MATCH :q"))
        )
        by_title = select(CASES.c.id).where(
            literal_column("cases.rowid").in_(text("SELECT rowid FROM case_fts WHERE case_fts MATCH :q"))
        )
        statement = statement.where(CASES.c.id.in_(union(by_message, by_title))).params(q=match)
    return statement


def count_cases(connection: Connection, case_filter: CaseFilter = CaseFilter()) -> int:
    """How many cases the filter selects."""
    statement = _filtered(select(func.count()).select_from(CASES), case_filter)
    return int(connection.execute(statement).scalar_one())


_SUMMARY_COLUMNS = (
    CASES.c.id,
    CASES.c.title,
    CASES.c.state,
    CASES.c.disposition,
    CASES.c.reporter,
    CASES.c.reporter_email,
    CASES.c.received_at,
    CASES.c.updated_at,
    CASES.c.signature,
    CASES.c.message_count,
    CASES.c.embargo_until,
    CASES.c.cvss_vector,
    CASES.c.cvss4_vector,
)


def _projects_for(connection: Connection, case_ids: Sequence[str]) -> dict[str, tuple[ImpactBrief, ...]]:
    if not case_ids:
        return {}
    rows = connection.execute(
        select(IMPACTS.c.case_id, IMPACTS.c.project_id, IMPACTS.c.status)
        .where(IMPACTS.c.case_id.in_(case_ids))
        .order_by(IMPACTS.c.case_id, IMPACTS.c.project_id)
    ).all()
    found: dict[str, list[ImpactBrief]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(ImpactBrief(row.project_id, row.status))
    return {case_id: tuple(items) for case_id, items in found.items()}


def _summary(row: Any, projects: tuple[ImpactBrief, ...]) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        title=row.title,
        state=row.state,
        disposition=row.disposition,
        reporter=row.reporter,
        reporter_email=row.reporter_email,
        received_at=_aware(row.received_at) or datetime.min.replace(tzinfo=UTC),
        updated_at=_aware(row.updated_at) or datetime.min.replace(tzinfo=UTC),
        signature=row.signature,
        message_count=row.message_count,
        embargo_until=_aware(row.embargo_until),
        cvss_vector=row.cvss_vector,
        cvss4_vector=row.cvss4_vector,
        projects=projects,
    )


def list_cases(
    connection: Connection, case_filter: CaseFilter = CaseFilter(), *, offset: int = 0, limit: int | None = 100
) -> list[CaseSummary]:
    """One page of cases, newest first (the inbox's covering index serves this order)."""
    statement = _filtered(select(*_SUMMARY_COLUMNS), case_filter).order_by(
        CASES.c.received_at.desc(), CASES.c.id.desc()
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    rows = connection.execute(statement).all()
    projects = _projects_for(connection, [row.id for row in rows])
    return [_summary(row, projects.get(row.id, ())) for row in rows]


def sources_for(connection: Connection, case_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The source names each case's messages came from."""
    if not case_ids:
        return {}
    rows = connection.execute(
        select(MESSAGES.c.case_id, MESSAGES.c.source)
        .where(MESSAGES.c.case_id.in_(case_ids))
        .distinct()
        .order_by(MESSAGES.c.case_id, MESSAGES.c.source)
    ).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(row.source)
    return {case_id: tuple(names) for case_id, names in found.items()}


def get_case(connection: Connection, case_id: str) -> CaseDetail | None:
    """A case with its thread (oldest first), impacts and events; None if there is no such case."""
    row = connection.execute(select(*_SUMMARY_COLUMNS).where(CASES.c.id == case_id)).first()
    if row is None:
        return None
    summary = _summary(row, _projects_for(connection, [case_id]).get(case_id, ()))
    message_rows = connection.execute(
        select(MESSAGES)
        .where(MESSAGES.c.case_id == case_id)
        .order_by(MESSAGES.c.sent_at.is_(None), MESSAGES.c.sent_at, MESSAGES.c.id)
    ).all()
    attachment_rows = connection.execute(
        select(
            ATTACHMENTS.c.id,
            ATTACHMENTS.c.message_pk,
            ATTACHMENTS.c.filename,
            ATTACHMENTS.c.content_type,
            ATTACHMENTS.c.size,
            ATTACHMENTS.c.sha256,
        )
        .where(ATTACHMENTS.c.message_pk.in_([m.id for m in message_rows]))
        .order_by(ATTACHMENTS.c.id)
    ).all()
    by_message: dict[int, list[AttachmentInfo]] = {}
    for a in attachment_rows:
        by_message.setdefault(a.message_pk, []).append(
            AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.sha256)
        )
    messages = tuple(
        MessageView(
            pk=m.id,
            source=m.source,
            source_key=m.source_key,
            message_id=m.message_id,
            subject=m.subject,
            sender_name=m.sender_name,
            sender_email=m.sender_email,
            sent_at=_aware(m.sent_at),
            received_at=_aware(m.received_at) or summary.received_at,
            body=m.body,
            unauthenticated_text=m.unauthenticated_text,
            html_parts=m.html_parts,
            encrypted=bool(m.encrypted),
            decryption=m.decryption,
            signature=m.signature,
            signer_fingerprint=m.signer_fingerprint,
            signer_uids=tuple(json.loads(m.signer_uids)),
            signature_scope=m.signature_scope,
            warnings=tuple(json.loads(m.warnings)),
            error=m.error,
            attachments=tuple(by_message.get(m.id, ())),
        )
        for m in message_rows
    )
    impacts = tuple(
        ImpactView(
            project=i.project_id,
            status=i.status,
            ranges=tuple(json.loads(i.ranges)),
            fixed_version=i.fixed_version,
            justification=i.justification,
            notes=i.notes,
            set_by=i.set_by,
            set_at=_aware(i.set_at),
        )
        for i in connection.execute(
            select(IMPACTS).where(IMPACTS.c.case_id == case_id).order_by(IMPACTS.c.project_id)
        ).all()
    )
    events = tuple(
        EventView(
            id=e.id, author=e.author, at=_aware(e.at) or summary.received_at, kind=e.kind, payload=json.loads(e.payload)
        )
        for e in connection.execute(
            select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.at, EVENTS.c.id)
        ).all()
    )
    sources = tuple(dict.fromkeys(m.source for m in messages))
    return CaseDetail(summary=summary, messages=messages, impacts=impacts, events=events, sources=sources)


def attachment_data(connection: Connection, attachment_id: int) -> tuple[str, bytes] | None:
    """An attachment's (neutralised) filename and bytes, for saving to a file the user chose."""
    row = connection.execute(
        select(ATTACHMENTS.c.filename, ATTACHMENTS.c.data).where(ATTACHMENTS.c.id == attachment_id)
    ).first()
    return (row.filename, bytes(row.data)) if row else None
