"""Reads a page of search results in inbox order by walking the full-text indexes newest row first.

A common word matches nearly every message, and sorting every match by the inbox's order costs SQLite a pass over
all of them (150+ ms at 100k cases) for a page of 200. FTS5 hands out matches in rowid order cheaply and can stop
early, and rowids (messages and cases are numbered as they arrive) mostly follow the inbox's newest-first order. So
the walk reads matches newest row first, a chunk at a time, and stops as soon as the page is *proved* complete:

- every case whose messages or title were reached by the walk is known to match or not;
- a case ranked above the page's last one that still has a message (or title) the walk has not reached yet is
  "unsure"; while any is unsure the walk reads on;
- notes are few and added at any time, so all of their matches are read at once.

When the order and the rowids part ways too much (a backfill of old mail, a report with a date far in the future)
the walk gives up after a bounded amount of reading, and the caller sorts every match as before. Either way the
page is exactly the one the plain statement returns; tests compare the two.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from triage_tui.store.case_filter import CaseFilter, case_id_prefix, filter_conditions, fts_query
from triage_tui.store.case_summary import SUMMARY_COLUMNS
from triage_tui.store.sql_values import SqlValue

MIN_CHUNK = 64
"""The fewest matches read from an index in the first round."""
FIRST_CHUNK_MARGIN = 1.25
"""The first round reads this many matches per case the page needs, so a word in nearly every report (the
commonest kind of search) is usually proved in one round."""
GROWTH = 4
"""Each further round reads this many times the previous one."""
MAX_WALKED = 20_000
"""Matches read from one index before the walk gives up and the caller sorts every match instead."""
MAX_NOTE_MATCHES = 5_000
"""Note matches beyond which the walk gives up (notes are read whole, not walked)."""


@dataclass
class _Stream:
    """Matches of one or more full-text queries read newest rowid first, each query covering rowids below the one
    before it, each through one open cursor a chunk at a time. (FTS5 gathers every match of a prefix when a query
    starts; a new query per chunk paid for that again each time.) Tracks how far it has got."""

    stages: list[tuple[str, tuple[SqlValue, ...]]]
    """(statement, parameters) of each query, in the order they are read; each starts below where the last ends."""
    chunk: int
    cursor: sqlite3.Cursor | None = None
    floor: int | None = None
    """Every match with a rowid at or above this has been read (None before the first read)."""
    done: bool = False
    walked: int = 0

    def read(self, connection: sqlite3.Connection) -> list[int]:
        """The next chunk of matching rowids, newest first."""
        rowids: list[int] = []
        while len(rowids) < self.chunk and self.stages:
            sql, params = self.stages[0]
            if self.cursor is None:
                self.cursor = connection.execute(sql, params)
            got = [row[0] for row in self.cursor.fetchmany(self.chunk - len(rowids))]
            rowids += got
            if got:
                self.floor = got[-1]
            if len(rowids) < self.chunk:  # this query has run out; the next one goes on below it
                self.close()
                self.stages.pop(0)
        self.done = not self.stages
        self.walked += len(rowids)
        self.chunk *= GROWTH
        return rowids

    def close(self) -> None:
        if self.cursor is not None:
            self.cursor.close()
            self.cursor = None

    @property
    def reach(self) -> int | None:
        """Rowids below this are not read yet (None: the index has been read to the end)."""
        return None if self.done else self.floor


def _message_stream(connection: sqlite3.Connection, match: str, chunk: int) -> _Stream:
    """The newest messages' small index first (cheap even for a prefix), then the full index below its floor."""
    floor = connection.execute("SELECT floor FROM search_window").fetchone()[0]
    recent = "SELECT rowid FROM recent_fts WHERE recent_fts MATCH ? ORDER BY rowid DESC"
    older = "SELECT rowid FROM message_fts WHERE message_fts MATCH ? AND rowid < ? ORDER BY rowid DESC"
    return _Stream([(recent, (match,)), (older, (match, floor))], chunk)


def walk_search_page(
    connection: sqlite3.Connection,
    case_filter: CaseFilter,
    offset: int,
    limit: int,
    *,
    now: datetime | None = None,
    notes: bool = False,
) -> list[sqlite3.Row] | None:
    """Rows of the page `offset`..`offset + limit` of a search in received order (the columns of
    `SUMMARY_COLUMNS`), or None if the walk gave up and the caller must read the page the plain way."""
    match = fts_query(case_filter.search or "")
    if match is None or case_filter.sort != "received" or case_id_prefix(case_filter.search or ""):
        return None  # a case id's cases are not in the text indexes this walks: the plain read finds them
    conditions, condition_params = filter_conditions(replace(case_filter, search=None), now)
    where = "".join(f" AND {condition}" for condition in conditions)
    need = offset + limit
    # Each candidate maps to its inbox key (received_at, id), compared as SQLite compares them: as stored text.
    found: dict[str, tuple[str, str]] = {}
    if notes:
        note_rows = connection.execute(
            "SELECT DISTINCT case_id FROM note_fts WHERE note_fts MATCH ? LIMIT ?", (match, MAX_NOTE_MATCHES + 1)
        ).fetchall()
        if len(note_rows) > MAX_NOTE_MATCHES:
            return None
        _add_cases(connection, found, "SELECT id FROM cases WHERE id IN ({ids})", [r[0] for r in note_rows], where,
                   condition_params)  # fmt: skip
    chunk = max(MIN_CHUNK, int(need * FIRST_CHUNK_MARGIN))
    messages = _message_stream(connection, match, chunk)
    titles = _Stream([("SELECT rowid FROM case_fts WHERE case_fts MATCH ? ORDER BY rowid DESC", (match,))], chunk)
    try:
        ranked = _walk(connection, found, need, messages, titles, where, condition_params)
    finally:
        messages.close()
        titles.close()
    if ranked is None:
        return None
    page = [case_id for case_id, _key in ranked[offset:need]]
    if not page:
        return []
    rows = connection.execute(
        f"SELECT {SUMMARY_COLUMNS} FROM cases WHERE cases.id IN (SELECT value FROM json_each(?)) "  # noqa: S608
        "ORDER BY cases.received_at DESC, cases.id DESC",
        (json.dumps(page),),
    ).fetchall()
    return rows


def _walk(
    connection: sqlite3.Connection,
    found: dict[str, tuple[str, str]],
    need: int,
    messages: _Stream,
    titles: _Stream,
    where: str,
    params: list[SqlValue],
) -> list[tuple[str, tuple[str, str]]] | None:
    """Read both streams until the first `need` cases are proved; the candidates ranked, or None on giving up."""
    while True:
        for stream, lookup in (
            (messages, "SELECT case_id FROM messages WHERE id IN ({ids})"),
            (titles, "SELECT id FROM cases WHERE rowid IN ({ids})"),
        ):
            if not stream.done:
                _add_cases(connection, found, lookup, stream.read(connection), where, params)
        ranked = sorted(found.items(), key=lambda item: item[1], reverse=True)
        if messages.done and titles.done:
            return ranked
        if len(ranked) >= need and not _unsure(connection, ranked[need - 1][1], found, messages, titles, where, params):
            return ranked
        if max(messages.walked, titles.walked) >= MAX_WALKED:
            return None


def _add_cases(
    connection: sqlite3.Connection,
    found: dict[str, tuple[str, str]],
    lookup: str,
    keys: Sequence[SqlValue],
    where: str,
    params: list[SqlValue],
) -> None:
    """Add the cases behind `keys` (message ids, case rowids or case ids) that pass the filter, with their keys."""
    if not keys:
        return
    ids = lookup.format(ids="SELECT value FROM json_each(?)")
    rows = connection.execute(
        f"SELECT cases.id, cases.received_at FROM cases WHERE cases.id IN ({ids}){where}",  # noqa: S608
        [json.dumps(keys), *params],
    )
    for case_id, received_at in rows:
        found[case_id] = (str(received_at), case_id)


def _unsure(
    connection: sqlite3.Connection,
    last: tuple[str, str],
    found: dict[str, tuple[str, str]],
    messages: _Stream,
    titles: _Stream,
    where: str,
    params: list[SqlValue],
) -> bool:
    """Whether a case ranked above `last` (and passing the filter) may still match through a message or title
    the walk has not reached; such a case would belong on the page."""
    reach: list[str] = []
    reach_params: list[int] = []
    if titles.reach is not None:
        reach.append("cases.rowid < ?")
        reach_params.append(titles.reach)
    if messages.reach is not None:
        reach.append("EXISTS (SELECT 1 FROM messages WHERE messages.case_id = cases.id AND messages.id < ?)")
        reach_params.append(messages.reach)
    if not reach:
        return False
    rows = connection.execute(
        # ">=" first, so SQLite walks the inbox index down to `last` rather than testing every case.
        "SELECT cases.id FROM cases WHERE cases.received_at >= ? AND (cases.received_at > ? OR cases.id > ?)"  # noqa: S608
        f"{where} AND ({' OR '.join(reach)})",
        [last[0], last[0], last[1], *params, *reach_params],
    )
    return any(case_id not in found for (case_id,) in rows)
