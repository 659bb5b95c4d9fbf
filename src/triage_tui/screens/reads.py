"""Provides the small read functions the screens call; each opens its own connection, so it can run in a thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from triage_tui.store.connection import reader
from triage_tui.store.queries import CaseDetail, CaseFilter, CaseSummary, count_cases, get_case, list_cases


@dataclass(frozen=True)
class InboxCount:
    """How many cases a filter selects, and how many there are in all (for "17 of 412")."""

    shown: int
    total: int


@dataclass
class StoreReads:
    """Read access to the store for the UI: plain domain objects out, no live rows or sessions."""

    database: Path
    pages_fetched: int = 0
    """How many pages of cases have been read; tests use it to check the inbox never loads everything."""
    _lock: Lock = field(default_factory=Lock, repr=False)

    def count(self, case_filter: CaseFilter) -> InboxCount:
        """Count the cases `case_filter` selects, and all cases."""
        with reader(self.database) as connection:
            shown = count_cases(connection, case_filter)
            total = shown if case_filter == CaseFilter() else count_cases(connection)
        return InboxCount(shown=shown, total=total)

    def page(self, case_filter: CaseFilter, offset: int, limit: int) -> list[CaseSummary]:
        """One page of cases, newest first."""
        with self._lock:
            self.pages_fetched += 1
        with reader(self.database) as connection:
            return list_cases(connection, case_filter, offset=offset, limit=limit)

    def case(self, case_id: str) -> CaseDetail | None:
        """One case in full, or None if it no longer exists."""
        with reader(self.database) as connection:
            return get_case(connection, case_id)
