"""Provides what selects cases: the inbox's filter and sorts, and the SQL conditions and search query they become.

The severity of a case is computed from its stored vectors by SQL functions registered on the connection
(`add_functions`), so it can never go stale.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from triage_tui.store.sql_values import SqlValue
from triage_tui.store.times import stored_time

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
    closed: bool = True
    """Whether closed cases are selected too (the inbox hides them until asked)."""
    sort: str = "received"
    """One of SORTS; it orders the rows and never changes which cases are selected."""

    @property
    def narrows(self) -> bool:
        """Whether the filter selects fewer than every case."""
        return replace(self, sort="received") != CaseFilter()

    @property
    def hides_closed(self) -> bool:
        """Whether closed cases are left out: asked for, and no state or disposition is chosen (a filter on either
        names the cases it wants, closed or not)."""
        return not self.closed and self.state is None and self.disposition is None

    @property
    def narrows_more(self) -> bool:
        """Whether the filter narrows by more than hiding closed cases."""
        return replace(self, closed=True).narrows

    def unsorted(self) -> CaseFilter:
        """The same selection in the default order (counts do not depend on the order)."""
        return replace(self, sort="received")


EVERY_CASE = CaseFilter()
"""The filter that selects every case, newest received first."""

_TOKEN = re.compile(r"\w[\w.+@-]*", re.UNICODE)


_CASE_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*-[0-9-]*")
"""What a case id, or the start of one, looks like ("PSC-2026-0187", "psc-2026-01", "PSC-")."""


def case_id_prefix(search: str) -> str | None:
    """The case id `search` is, or begins, upper-cased as ids are stored; None when it is not shaped like one."""
    text = search.strip()
    return text.upper() if _CASE_ID.fullmatch(text) else None


def id_range(prefix: str) -> tuple[str, list[SqlValue]]:
    """The condition selecting the cases whose id starts with `prefix` (a range, so the primary key serves it)."""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return "(cases.id >= ? AND cases.id < ?)", [prefix, after]


def fts_query(search: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match, the last one as a prefix."""
    tokens = _TOKEN.findall(search)
    if not tokens:
        return None
    quoted = ['"' + token.replace('"', '""') + '"' for token in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


@lru_cache(maxsize=8192)
def _score(cvss4_vector: str | None, cvss_vector: str | None) -> float | None:
    # Imported here: the CVSS library loads only when a severity filter or order is used, never at start-up.
    from triage_tui.severity import severity_of

    for vector in (cvss4_vector, cvss_vector):
        scored = severity_of(vector)
        if scored is not None:
            return scored.score
    return None


def case_score(cvss4_vector: str | None, cvss_vector: str | None) -> float | None:
    """A case's CVSS base score from its stored vectors (the 4.0 one first), as severity filters and orders see it."""
    return _score(cvss4_vector, cvss_vector)


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
SCORE_SQL = (
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


def has_note_search(connection: sqlite3.Connection | None) -> bool:
    """Whether the store has the notes' search index (migration 4)."""
    if connection is None:
        return False
    row = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'note_fts'").fetchone()
    return row is not None


def where_clause(
    case_filter: CaseFilter, now: datetime | None = None, *, notes: bool = False, broad: bool = False
) -> tuple[str, list[SqlValue]]:
    """`filter_conditions` as a WHERE clause ("" when the filter selects every case)."""
    clauses, params = filter_conditions(case_filter, now, notes=notes, broad=broad)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def filter_conditions(
    case_filter: CaseFilter, now: datetime | None = None, *, notes: bool = False, broad: bool = False
) -> tuple[list[str], list[SqlValue]]:
    """The SQL conditions on `cases` (all must hold) that select what `case_filter` selects, and their parameters."""
    clauses: list[str] = []
    params: list[SqlValue] = []
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
    if case_filter.hides_closed:
        clauses.append("cases.state <> 'closed'")
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
        prefix = case_id_prefix(case_filter.search)
        texts: list[str] = []
        if match is not None:
            # For a broad search, "+" keeps SQLite from looking every match up by id and sorting them all: it walks
            # the inbox index in order instead and stops at the page's end.
            texts.append(_SEARCH_SQL.format(scan="+" if broad else "", notes=_NOTES_SQL if notes else ""))
            params += [match, match] + ([match] if notes else [])
        if prefix is not None:  # a case's id (or its start) finds the case, as well as the texts that mention it
            id_sql, id_params = id_range(prefix)
            texts.append(id_sql)
            params += id_params
        clauses.append("(" + " OR ".join(texts) + ")" if texts else "0")
    return clauses, params
