"""Provides the read side of the store: paged case lists, counts, full-text search and one case in full.

These run on a plain sqlite3 connection (see `connection.reader`), so reading never imports SQLAlchemy.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

SEVERITY_BANDS = ("critical", "high", "medium", "low", "none", "unscored")
"""The severity bands a filter can ask for: CVSS ratings of the case's score, or no (parseable) vector at all."""
SORTS = ("received", "updated", "severity", "embargo")
"""Orders the inbox can show: newest received, most recently updated, highest score, soonest embargo end."""
UNASSIGNED = "-"
"""The assignee filter value that selects cases nobody is assigned to."""


@dataclass(frozen=True)
class CaseFilter:
    """What the inbox shows and in which order: every field set narrows the cases (all must hold)."""

    state: str | None = None
    disposition: str | None = None
    project: str | None = None
    severity: str | None = None
    """One of SEVERITY_BANDS."""
    assignee: str | None = None
    """An assignee as stored (a person or `team:pip`), or UNASSIGNED."""
    signature: str | None = None
    """The verdict of the case's first message (`good`, `bad`, `unknown-key`, ...)."""
    embargo_due_days: int | None = None
    """Embargo ends within this many days of now (or has already passed)."""
    search: str | None = None
    sort: str = "received"
    """One of SORTS; it orders the rows and never changes which cases are selected."""

    @property
    def narrows(self) -> bool:
        """Whether the filter selects fewer than every case."""
        return replace(self, sort="received") != CaseFilter()

    def unsorted(self) -> CaseFilter:
        """The same selection in the default order (counts do not depend on the order)."""
        return replace(self, sort="received")


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


_TOKEN = re.compile(r"\w[\w.+@-]*", re.UNICODE)


def fts_query(search: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match, the last one as a prefix."""
    tokens = _TOKEN.findall(search)
    if not tokens:
        return None
    quoted = ['"' + token.replace('"', '""') + '"' for token in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 time from outside (an API, another workstation) as an aware UTC datetime; None if it is not
    one. A time without an offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across midnight into UTC
        return None


def parse_time(value: str | None) -> datetime | None:
    """A stored timestamp (naive UTC text, as SQLAlchemy writes it) as an aware datetime."""
    if not value:
        return None
    try:
        # The stored form has no offset; parsing it with one is 5x faster than adding the zone after (three per
        # row of every page read).
        parsed = datetime.fromisoformat(value + "+00:00")
    except ValueError:  # it had an offset already, or is in another form
        parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_EPOCH = datetime.min.replace(tzinfo=UTC)


def stored_time(moment: datetime) -> str:
    """A time in the form the store keeps (naive UTC text, as SQLAlchemy writes it), for comparing in SQL."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=8192)
def _score(cvss4_vector: str | None, cvss_vector: str | None) -> float | None:
    # Imported here: the CVSS library loads only when a severity filter or order is used, never at start-up.
    from triage_tui.severity import severity_of

    for vector in (cvss4_vector, cvss_vector):
        scored = severity_of(vector)
        if scored is not None:
            return scored.score
    return None


def severity_band(score: float | None) -> str:
    """The CVSS rating band of a base score ("unscored" when there is none)."""
    if score is None:
        return "unscored"
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "none"


@lru_cache(maxsize=8192)
def _band(cvss4_vector: str | None, cvss_vector: str | None) -> str:
    return severity_band(_score(cvss4_vector, cvss_vector))


def add_functions(connection: sqlite3.Connection) -> None:
    """Register the SQL functions severity filters and orders use: the score is computed from the stored vectors
    (the 4.0 one first, as `cases --json` does), cached per vector pair, so it can never go stale."""
    connection.create_function("triage_cvss_score", 2, _score, deterministic=True)
    connection.create_function("triage_cvss_band", 2, _band, deterministic=True)


# Cases without any vector (most of an inbox) skip the Python call altogether.
_SCORE_SQL = (
    "(CASE WHEN cases.cvss4_vector IS NULL AND cases.cvss_vector IS NULL THEN NULL "
    "ELSE triage_cvss_score(cases.cvss4_vector, cases.cvss_vector) END)"
)
_BAND_SQL = (
    "(CASE WHEN cases.cvss4_vector IS NULL AND cases.cvss_vector IS NULL THEN 'unscored' "
    "ELSE triage_cvss_band(cases.cvss4_vector, cases.cvss_vector) END)"
)

_SEARCH_SQL = (
    "{scan}cases.id IN (SELECT case_id FROM messages WHERE id IN "
    "(SELECT rowid FROM message_fts WHERE message_fts MATCH ?) "
    "UNION SELECT id FROM cases WHERE rowid IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ?)"
    "{notes})"
)
_NOTES_SQL = " UNION SELECT case_id FROM note_fts WHERE note_fts MATCH ?"


BROAD_SEARCH = 2000
"""Message matches from which a search counts as broad: cheaper to walk the inbox in order than to sort matches."""


def is_broad_search(connection: sqlite3.Connection, search: str) -> bool:
    """Whether `search` matches at least BROAD_SEARCH messages (reading at most that many matches to find out)."""
    match = fts_query(search)
    if match is None:
        return False
    row = connection.execute(
        "SELECT COUNT(*) FROM (SELECT rowid FROM message_fts WHERE message_fts MATCH ? LIMIT ?)", (match, BROAD_SEARCH)
    ).fetchone()
    return int(row[0]) >= BROAD_SEARCH


def has_note_search(connection: sqlite3.Connection | None) -> bool:
    if connection is None:
        return False
    row = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'note_fts'").fetchone()
    return row is not None


def _where(
    case_filter: CaseFilter, now: datetime | None = None, *, notes: bool = False, broad: bool = False
) -> tuple[str, list[Any]]:
    clauses, params = filter_conditions(case_filter, now, notes=notes, broad=broad)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def filter_conditions(
    case_filter: CaseFilter, now: datetime | None = None, *, notes: bool = False, broad: bool = False
) -> tuple[list[str], list[Any]]:
    """The SQL conditions on `cases` (all must hold) that select what `case_filter` selects, and their parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    for column in ("state", "disposition", "signature"):
        value = getattr(case_filter, column)
        if value:
            clauses.append(f"cases.{column} = ?")
            params.append(value)
    if case_filter.assignee == UNASSIGNED:
        clauses.append("cases.assignee IS NULL")
    elif case_filter.assignee:
        clauses.append("cases.assignee = ?")
        params.append(case_filter.assignee)
    if case_filter.project:
        clauses.append("cases.id IN (SELECT case_id FROM impacts WHERE project_id = ?)")
        params.append(case_filter.project)
    if case_filter.severity:
        clauses.append(f"{_BAND_SQL} = ?")
        params.append(case_filter.severity)
    if case_filter.embargo_due_days is not None:
        due = (now or datetime.now(UTC)) + timedelta(days=case_filter.embargo_due_days)
        clauses.append("cases.embargo_until IS NOT NULL AND cases.embargo_until <= ?")
        params.append(stored_time(due))
    if case_filter.search:
        match = fts_query(case_filter.search)
        if match is None:
            clauses.append("0")
        else:
            # For a broad search, "+" keeps SQLite from looking every match up by id and sorting them all: it walks
            # the inbox index in order instead and stops at the page's end.
            clauses.append(_SEARCH_SQL.format(scan="+" if broad else "", notes=_NOTES_SQL if notes else ""))
            params += [match, match] + ([match] if notes else [])
    return clauses, params


def count_cases(
    connection: sqlite3.Connection, case_filter: CaseFilter = CaseFilter(), *, now: datetime | None = None
) -> int:
    """How many cases the filter selects."""
    add_functions(connection)
    where, params = _where(case_filter, now, notes=has_note_search(connection))
    return int(connection.execute(f"SELECT COUNT(*) FROM cases{where}", params).fetchone()[0])  # noqa: S608


SUMMARY_COLUMNS = (
    "cases.id, cases.title, cases.state, cases.disposition, cases.reporter, cases.reporter_email, "
    "cases.received_at, cases.updated_at, cases.signature, cases.message_count, cases.embargo_until, "
    "cases.cvss_vector, cases.cvss4_vector"
)


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _projects_for(connection: sqlite3.Connection, case_ids: Sequence[str]) -> dict[str, tuple[ImpactBrief, ...]]:
    if not case_ids:
        return {}
    rows = connection.execute(
        f"SELECT case_id, project_id, status FROM impacts WHERE case_id IN ({_placeholders(case_ids)}) "  # noqa: S608
        "ORDER BY case_id, project_id",
        list(case_ids),
    ).fetchall()
    found: dict[str, list[ImpactBrief]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(ImpactBrief(row[1], row[2]))
    return {case_id: tuple(items) for case_id, items in found.items()}


def _summary(row: Sequence[Any], projects: tuple[ImpactBrief, ...]) -> CaseSummary:
    return CaseSummary(
        id=row[0],
        title=row[1],
        state=row[2],
        disposition=row[3],
        reporter=row[4],
        reporter_email=row[5],
        received_at=parse_time(row[6]) or _EPOCH,
        updated_at=parse_time(row[7]) or _EPOCH,
        signature=row[8],
        message_count=row[9],
        embargo_until=parse_time(row[10]),
        cvss_vector=row[11],
        cvss4_vector=row[12],
        projects=projects,
    )


_ORDER_BY = {
    "received": "cases.received_at DESC, cases.id DESC",
    "updated": "cases.updated_at DESC, cases.id DESC",
    "severity": f"{_SCORE_SQL} DESC NULLS LAST, cases.received_at DESC, cases.id DESC",
    "embargo": "cases.embargo_until ASC NULLS LAST, cases.received_at DESC, cases.id DESC",
}


def inbox_page_sql(
    case_filter: CaseFilter,
    *,
    offset: int = 0,
    limit: int | None = 100,
    now: datetime | None = None,
    notes: bool = False,
    broad: bool = False,
) -> tuple[str, list[Any]]:
    """The statement behind `list_cases` (tests check its query plan uses the inbox's covering index).

    `broad` says the search matches many messages (see `is_broad_search`), so the page is read by walking the
    order's index rather than by sorting every match.
    """
    where, params = _where(case_filter, now, notes=notes, broad=broad and case_filter.sort in ("received", "updated"))
    order = _ORDER_BY.get(case_filter.sort, _ORDER_BY["received"])
    sql = f"SELECT {SUMMARY_COLUMNS} FROM cases{where} ORDER BY {order}"  # noqa: S608
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return sql, params


def list_cases(
    connection: sqlite3.Connection,
    case_filter: CaseFilter = CaseFilter(),
    *,
    offset: int = 0,
    limit: int | None = 100,
    now: datetime | None = None,
) -> list[CaseSummary]:
    """One page of cases in the filter's order (the inbox's covering index serves the default, newest first)."""
    add_functions(connection)
    notes = has_note_search(connection)
    rows: list[Any] | None = None
    if case_filter.search and case_filter.sort == "received" and limit is not None:
        from triage_tui.store.search_walk import walk_search_page  # only searches need it

        rows = walk_search_page(connection, case_filter, offset, limit, now=now, notes=notes)
    if rows is None:
        broad = bool(case_filter.search) and is_broad_search(connection, case_filter.search or "")
        sql, params = inbox_page_sql(case_filter, offset=offset, limit=limit, now=now, notes=notes, broad=broad)
        rows = connection.execute(sql, params).fetchall()
    projects = _projects_for(connection, [row[0] for row in rows])
    return [_summary(row, projects.get(row[0], ())) for row in rows]


def search_snippet(
    connection: sqlite3.Connection, case_id: str, search: str, marks: tuple[str, str], *, tokens: int = 16
) -> str | None:
    """The best-matching piece of the case's message text for `search`, matches wrapped in `marks`.

    The caller picks marks the text cannot contain (a fresh random string), so splitting on them later can never
    mistake untrusted text for a match. None when only the title (or nothing) matches.
    """
    match = fts_query(search)
    if match is None:
        return None
    row = connection.execute(
        "SELECT snippet(message_fts, -1, ?, ?, '…', ?) FROM message_fts "
        "WHERE message_fts MATCH ? AND rowid IN (SELECT id FROM messages WHERE case_id = ?) "
        "ORDER BY rank LIMIT 1",
        (marks[0], marks[1], tokens, match, case_id),
    ).fetchone()
    return str(row[0]) if row else None


def sources_for(connection: sqlite3.Connection, case_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The source names each case's messages came from."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(case_ids), 500):
        part = case_ids[start : start + 500]
        rows = connection.execute(
            f"SELECT DISTINCT case_id, source FROM messages WHERE case_id IN ({_placeholders(part)}) "  # noqa: S608
            "ORDER BY case_id, source",
            list(part),
        ).fetchall()
        for row in rows:
            found.setdefault(row[0], []).append(row[1])
    return {case_id: tuple(names) for case_id, names in found.items()}


def _attachments(connection: sqlite3.Connection, message_pks: Sequence[int]) -> dict[int, list[AttachmentInfo]]:
    found: dict[int, list[AttachmentInfo]] = {}
    if not message_pks:
        return found
    rows = connection.execute(
        "SELECT id, message_pk, filename, content_type, size, sha256 FROM attachments "  # noqa: S608
        f"WHERE message_pk IN ({_placeholders(message_pks)}) ORDER BY id",
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
    summary = _summary(row, _projects_for(connection, [case_id]).get(case_id, ()))
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
