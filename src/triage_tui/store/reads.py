"""Provides the UI's reads of the store: plain domain objects out; each read takes its own connection, so it can run
in a thread."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from threading import Event, Lock
from time import perf_counter
from typing import TYPE_CHECKING, TypeAlias

from triage_tui.store import cipher
from triage_tui.store.case_detail import CaseDetail, ImpactView, get_case
from triage_tui.store.case_filter import CaseFilter, case_id_prefix, id_range
from triage_tui.store.case_summary import CaseSummary
from triage_tui.store.queries import count_cases, count_open_and_closed, inbox_rows, list_cases, search_snippet
from triage_tui.store.reader_pool import counting_reader, ui_reader
from triage_tui.store.store import Store

_ID_TAIL = re.compile(r"[0-9]+(-[0-9]+)*")
"""The end of a case id as a narrow list shows it: digits in parts ("0187", "2026-0187"); never LIKE's % or _."""

STOP_CHECK_STEPS = 10_000
"""SQLite virtual-machine steps between checks whether a stoppable count should give up (well under a millisecond)."""
DEADLINE_CHECK_STEPS = 1_000
"""SQLite virtual-machine steps between checks of a read's deadline (a few microseconds)."""
DraftReadiness: TypeAlias = Callable[[str | None, Sequence[ImpactView], Mapping[str, Sequence[str]]], dict[str, bool]]
"""For the readiness checklist: given the saved draft's JSON (or None), the case's impacts and each project's
packages, each project the draft covers and whether it validates (the advisory rules live above the store)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class InboxCount:
    """How many cases a filter selects, and how many there are in all (for "17 of 412")."""

    shown: int
    total: int
    hidden_closed: int = 0
    """Closed cases the filter would select if it did not hide them."""


if TYPE_CHECKING:
    from triage_tui.store.duplicate_reads import CaseBrief, CaseExtras
    from triage_tui.store.inbox_status import InboxStatus
    from triage_tui.store.matrix_reads import Matrix, MatrixRow

CaseRead: TypeAlias = "tuple[CaseDetail | None, CaseExtras | None]"
"""A case in full and the fields its header adds (both None if there is no such case)."""


@dataclass(frozen=True)
class MatrixRead:
    """What the matrix screen shows at first: rows, projects and packages, the row count, per-project totals."""

    matrix: Matrix
    count: int
    totals: dict[str, dict[str, int]]


@dataclass(frozen=True)
class ReporterSide:
    """What the case screen's side panel reads after the thread is shown: the reporter's other cases (newest first,
    at most a few) and how many there are, and every project id in the store."""

    history: list[CaseBrief]
    total: int
    projects: list[str]
    drafts: dict[str, bool] = field(default_factory=dict)
    """For the readiness checklist: each project the saved advisory draft covers, and whether it validates."""
    records: tuple[str, ...] = ()
    """The ids of the records the case keeps (imported advisories), first imported first."""


@dataclass
class StoreReads:
    """Read access to the store for the UI: plain domain objects out, no live rows or sessions."""

    store: Store
    clock: Callable[[], datetime] = _utc_now
    """What "now" is for filters relative to it (embargo due within N days)."""
    readiness: DraftReadiness | None = None
    """How the case's side panel judges its advisory draft; None leaves the readiness checklist empty."""
    pages_fetched: int = 0
    """How many pages of cases have been read; tests use it to check the inbox never loads everything."""
    _lock: Lock = field(default_factory=Lock, repr=False)
    _early: ThreadPoolExecutor | None = field(default=None, repr=False)
    _count_stops: set[Event] = field(default_factory=set, repr=False)

    @property
    def database(self) -> Path:
        """The store's file, for the services that still open it by path."""
        return self.store.path

    def count(self, case_filter: CaseFilter) -> InboxCount:
        """Count the cases `case_filter` selects, and all cases."""
        with counting_reader(self.database) as connection:
            return self._count_on(connection, case_filter)

    def _count_on(self, connection: sqlite3.Connection, case_filter: CaseFilter) -> InboxCount:
        now = self.clock()
        if not case_filter.hides_closed:
            shown = count_cases(connection, case_filter.unsorted(), now=now)
            total = count_cases(connection) if case_filter.narrows else shown
            return InboxCount(shown=shown, total=total)
        shown, hidden = count_open_and_closed(connection, case_filter.unsorted(), now=now)
        # Hiding closed cases alone, the two parts are every case: no second count.
        total = count_cases(connection) if case_filter.narrows_more else shown + hidden
        return InboxCount(shown=shown, total=total, hidden_closed=hidden)

    def stoppable_count(self, case_filter: CaseFilter) -> InboxCount | None:
        """`count`, unless `stop_counts` is called while it runs (then None): a count over a broad search takes
        hundreds of milliseconds, and one for a search the user has typed past only slows the next one down."""
        stop = Event()
        with self._lock:
            self._count_stops.add(stop)
        try:
            with counting_reader(self.database) as connection:
                # SQLite calls this every few thousand steps and abandons the statement once it returns True.
                connection.set_progress_handler(stop.is_set, STOP_CHECK_STEPS)
                return self._count_on(connection, case_filter)
        except cipher.OperationalError:
            if stop.is_set():
                return None
            raise
        finally:
            with self._lock:
                self._count_stops.discard(stop)

    def stop_counts(self) -> None:
        """Make every `stoppable_count` in progress (or about to start its statements) give up."""
        with self._lock:
            for stop in self._count_stops:
                stop.set()

    def counts(self, filters: dict[str, CaseFilter]) -> dict[str, int]:
        """How many cases each of several filters selects, on one connection (the saved views' counts)."""
        now = self.clock()
        with counting_reader(self.database) as connection:
            return {name: count_cases(connection, f.unsorted(), now=now) for name, f in filters.items()}

    def page(self, case_filter: CaseFilter, offset: int, limit: int) -> list[CaseSummary]:
        """One page of cases in the filter's order."""
        with self._lock:
            self.pages_fetched += 1
        with self.store.readers.connection() as connection:
            return inbox_rows(connection, case_filter, offset=offset, limit=limit, now=self.clock())

    def page_within(self, case_filter: CaseFilter, offset: int, limit: int, budget: float) -> list[CaseSummary] | None:
        """`page`, or None once it has taken `budget` seconds (SQLite abandons the statement): the UI reads a page
        on its own thread when that is quick, and hands the read to a worker when it is not."""
        with self._lock:
            self.pages_fetched += 1
        deadline = perf_counter() + budget
        with self.store.readers.connection() as connection:
            connection.set_progress_handler(lambda: perf_counter() > deadline, DEADLINE_CHECK_STEPS)
            try:
                return inbox_rows(connection, case_filter, offset=offset, limit=limit, now=self.clock())
            except cipher.OperationalError:
                if perf_counter() > deadline:
                    return None
                raise
            finally:
                connection.set_progress_handler(None, 0)

    def matrix_page(self, case_filter: CaseFilter, offset: int, limit: int) -> list[MatrixRow]:
        """One page of the impact matrix's rows, in the filter's order."""
        from triage_tui.store.matrix_reads import matrix_rows

        with self.store.readers.connection() as connection:
            cases = list_cases(connection, case_filter, offset=offset, limit=limit, now=self.clock())
            return matrix_rows(connection, cases)

    def matrix(self, case_filter: CaseFilter, limit: int) -> MatrixRead:
        """The impact matrix's first `limit` rows with the projects and their packages, the filter's case count and
        the per-project totals, all from one snapshot."""
        from triage_tui.store.matrix_reads import project_totals, read_matrix

        now = self.clock()
        with self.store.readers.connection() as connection:
            cases = list_cases(connection, case_filter, limit=limit, now=now)
            count = len(cases) if len(cases) < limit else count_cases(connection, case_filter.unsorted(), now=now)
            return MatrixRead(read_matrix(connection, cases), count, project_totals(connection, case_filter, now))

    def whole_matrix(self, case_filter: CaseFilter) -> Matrix:
        """Every row of the filter's impact matrix, with the projects and their packages (for an export)."""
        from triage_tui.store.matrix_reads import read_matrix

        with self.store.readers.connection() as connection:
            return read_matrix(connection, list_cases(connection, case_filter, limit=None, now=self.clock()))

    def snippet(self, case_id: str, search: str, marks: tuple[str, str]) -> str | None:
        """The case's best-matching message text for `search`, matches between `marks`."""
        with self.store.readers.connection() as connection:
            return search_snippet(connection, case_id, search, marks)

    def inbox_status(self) -> InboxStatus:
        """The inbox's status line: changed keys, replies waiting, embargoes ending soon, the last sync."""
        from triage_tui.store.inbox_status import inbox_status

        with self.store.readers.connection() as connection:
            return inbox_status(connection, self.clock())

    def close(self) -> None:
        """Close the store's pooled read connections (the app calls this as it ends)."""
        self.store.readers.close()

    def projects(self) -> list[str]:
        """The ids of the projects the store knows, for the project filter."""
        from triage_tui.store.duplicate_reads import project_ids

        with ui_reader(self.database) as connection:
            return project_ids(connection)

    def case(self, case_id: str) -> CaseDetail | None:
        """One case in full, or None if it no longer exists."""
        with ui_reader(self.database) as connection:
            return get_case(connection, case_id)

    def case_ids(self, typed: str, limit: int = 2) -> list[str]:
        """The id `typed` names, if a case has it exactly; else up to `limit` ids that begin with it (the go-to
        prompt opens a case only when one id fits)."""
        prefix = case_id_prefix(typed)
        if prefix is None:
            return []
        condition, params = id_range(prefix)
        with ui_reader(self.database) as connection:
            if connection.execute("SELECT 1 FROM cases WHERE id = ?", (prefix,)).fetchone() is not None:
                return [prefix]
            rows = connection.execute(
                f"SELECT id FROM cases WHERE {condition} ORDER BY id LIMIT ?",  # noqa: S608
                [*params, limit],
            ).fetchall()
        return [str(row[0]) for row in rows]

    def case_ids_ending(self, typed: str, limit: int = 2) -> list[str]:
        """Up to `limit` ids that end with `typed` as whole parts ("0187" and "2026-0187" of PSC-2026-0187, as a
        narrow inbox shows ids); [] when `typed` is not digits and dashes."""
        tail = typed.strip()
        if not _ID_TAIL.fullmatch(tail):
            return []
        with ui_reader(self.database) as connection:
            rows = connection.execute(
                "SELECT id FROM cases WHERE id LIKE ? ORDER BY id LIMIT ?", (f"%-{tail}", limit)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def case_view(self, case_id: str) -> CaseRead:
        """A case in full and its extras (assignee, labels, reasons), on one connection."""
        from triage_tui.store.duplicate_reads import case_extras  # loaded when a case opens, not at start-up

        with self.store.readers.connection() as connection:  # opening a connection was a fifth of the read
            detail = get_case(connection, case_id)
            return detail, case_extras(connection, case_id) if detail is not None else None

    def start_case_view(self, case_id: str) -> Future[CaseRead]:
        """Start `case_view` on a thread of its own now (before the case screen is even mounted)."""
        with self._lock:
            if self._early is None:
                self._early = ThreadPoolExecutor(max_workers=2, thread_name_prefix="case-read")
            return self._early.submit(self.case_view, case_id)

    def reporter_side(self, case_id: str, *, history: int = 5) -> ReporterSide:
        """The reporter's other cases (at most `history` of them, and how many in all), every project id, and
        whether the case's advisory draft validates (see `readiness`)."""
        from triage_tui.store.advisory_records_store import kept_records_of
        from triage_tui.store.case_detail import case_impacts
        from triage_tui.store.duplicate_reads import project_ids, reporter_history
        from triage_tui.store.matrix_reads import project_packages

        with ui_reader(self.database) as connection:
            briefs, total = reporter_history(connection, case_id, limit=history)
            record = connection.execute("SELECT record FROM advisories WHERE case_id = ?", (case_id,)).fetchone()
            impacts, packages = case_impacts(connection, case_id), project_packages(connection)
            drafts = self.readiness(record[0] if record else None, impacts, packages) if self.readiness else {}
            records = tuple(kept.id for kept in kept_records_of(connection, case_id))
            return ReporterSide(briefs, total, project_ids(connection), drafts, records)
