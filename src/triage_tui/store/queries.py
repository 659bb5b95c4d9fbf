"""Provides the case lists of the store: paged, filtered and sorted, their counts, search snippets and sources.

These run on a plain sqlite3 connection (see `connection.reader`), so reading never imports SQLAlchemy. The types and
reads of the modules it builds on are importable from here too: this is the read API the rest of the app uses.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from triage_tui.store.case_detail import (
    AttachmentInfo,
    CaseDetail,
    EventView,
    ImpactView,
    MessageView,
    attachment_data,
    case_impacts,
    get_case,
)
from triage_tui.store.case_filter import (
    EVERY_CASE,
    SCORE_SQL,
    SEVERITY_BANDS,
    SORTS,
    UNASSIGNED,
    CaseFilter,
    add_functions,
    case_id_prefix,
    case_score,
    filter_conditions,
    fts_query,
    has_note_search,
    id_range,
    severity_band,
    where_clause,
)
from triage_tui.store.case_flags import NO_FLAGS, row_flags
from triage_tui.store.case_summary import (
    SUMMARY_COLUMNS,
    CaseSummary,
    ImpactBrief,
    projects_for,
    summary_of,
)
from triage_tui.store.in_lists import placeholders
from triage_tui.store.search_walk import walk_search_page
from triage_tui.store.sql_values import SqlValue
from triage_tui.store.times import iso_time, parse_time, stored_time

__all__ = [
    "SEVERITY_BANDS",
    "SORTS",
    "SUMMARY_COLUMNS",
    "UNASSIGNED",
    "AttachmentInfo",
    "CaseDetail",
    "CaseFilter",
    "CaseSummary",
    "EventView",
    "ImpactBrief",
    "ImpactView",
    "MessageView",
    "add_functions",
    "attachment_data",
    "case_impacts",
    "case_score",
    "count_cases",
    "count_open_and_closed",
    "filter_conditions",
    "fts_query",
    "get_case",
    "inbox_page_sql",
    "inbox_rows",
    "is_broad_search",
    "iso_time",
    "list_cases",
    "parse_time",
    "search_snippet",
    "severity_band",
    "sources_for",
    "stored_time",
]


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


def count_cases(
    connection: sqlite3.Connection, case_filter: CaseFilter = EVERY_CASE, *, now: datetime | None = None
) -> int:
    """How many cases the filter selects."""
    add_functions(connection)
    where, params = where_clause(case_filter, now, notes=has_note_search(connection))
    return int(connection.execute(f"SELECT COUNT(*) FROM cases{where}", params).fetchone()[0])  # noqa: S608


def count_open_and_closed(
    connection: sqlite3.Connection, case_filter: CaseFilter, *, now: datetime | None = None
) -> tuple[int, int]:
    """How many cases the filter selects with closed cases shown, as (not closed, closed): one pass, so a filter
    that hides closed cases learns how many it hides for the price of its own count."""
    add_functions(connection)
    where, params = where_clause(replace(case_filter, closed=True), now, notes=has_note_search(connection))
    row = connection.execute(
        f"SELECT COUNT(*), total(cases.state = 'closed') FROM cases{where}",  # noqa: S608
        params,
    ).fetchone()
    closed = int(row[1])
    return int(row[0]) - closed, closed


_ORDER_BY = {
    "received": "cases.received_at DESC, cases.id DESC",
    "updated": "cases.updated_at DESC, cases.id DESC",
    "severity": f"{SCORE_SQL} DESC NULLS LAST, cases.received_at DESC, cases.id DESC",
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
) -> tuple[str, list[SqlValue]]:
    """The statement behind `list_cases` (tests check its query plan uses the inbox's covering index).

    `broad` says the search matches many messages (see `is_broad_search`), so the page is read by walking the
    order's index rather than by sorting every match.
    """
    where, params = where_clause(
        case_filter, now, notes=notes, broad=broad and case_filter.sort in ("received", "updated")
    )
    order = _ORDER_BY.get(case_filter.sort, _ORDER_BY["received"])
    prefix = case_id_prefix(case_filter.search or "")
    if prefix is not None:
        # The case whose id was typed comes before the reports that merely mention it (a hostile subject may).
        id_sql, id_params = id_range(prefix)
        order = f"{id_sql} DESC, {order}"
        params += id_params
    sql = f"SELECT {SUMMARY_COLUMNS} FROM cases{where} ORDER BY {order}"  # noqa: S608
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return sql, params


def list_cases(
    connection: sqlite3.Connection,
    case_filter: CaseFilter = EVERY_CASE,
    *,
    offset: int = 0,
    limit: int | None = 100,
    now: datetime | None = None,
) -> list[CaseSummary]:
    """One page of cases in the filter's order (the inbox's covering index serves the default, newest first)."""
    rows = _page_rows(connection, case_filter, offset, limit, now)
    projects = projects_for(connection, [row[0] for row in rows])
    return [summary_of(row, projects.get(row[0], ())) for row in rows]


def inbox_rows(
    connection: sqlite3.Connection, case_filter: CaseFilter, *, offset: int, limit: int, now: datetime | None = None
) -> list[CaseSummary]:
    """`list_cases` with what the inbox's rows show besides: each case's assignee and trust problems."""
    rows = _page_rows(connection, case_filter, offset, limit, now)
    ids = [row[0] for row in rows]
    projects = projects_for(connection, ids)
    found = row_flags(connection, ids)
    return [summary_of(row, projects.get(row[0], ()), found.get(row[0], NO_FLAGS)) for row in rows]


def with_trust_flags(connection: sqlite3.Connection, summaries: list[CaseSummary]) -> list[CaseSummary]:
    """`summaries` with their trust flags read (a changed signer key, a signer without the From address), as the
    inbox's rows have them; the command line prints them as the app shows them."""
    found = row_flags(connection, [summary.id for summary in summaries])
    return [
        replace(s, key_changed=found[s.id].key_changed, signer_not_from=found[s.id].signer_not_from)
        if s.id in found
        else s
        for s in summaries
    ]


def _page_rows(
    connection: sqlite3.Connection, case_filter: CaseFilter, offset: int, limit: int | None, now: datetime | None
) -> list[sqlite3.Row]:
    add_functions(connection)
    notes = has_note_search(connection)
    rows: list[sqlite3.Row] | None = None
    if case_filter.search and case_filter.sort == "received" and limit is not None:
        rows = walk_search_page(connection, case_filter, offset, limit, now=now, notes=notes)
    if rows is None:
        broad = bool(case_filter.search) and is_broad_search(connection, case_filter.search or "")
        sql, params = inbox_page_sql(case_filter, offset=offset, limit=limit, now=now, notes=notes, broad=broad)
        rows = connection.execute(sql, params).fetchall()
    return rows


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
            f"SELECT DISTINCT case_id, source FROM messages WHERE case_id IN ({placeholders(part)}) "  # noqa: S608
            "ORDER BY case_id, source",
            list(part),
        ).fetchall()
        for row in rows:
            found.setdefault(row[0], []).append(row[1])
    return {case_id: tuple(names) for case_id, names in found.items()}
