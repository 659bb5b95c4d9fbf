"""Provides the inbox: every case, newest first, in a virtual list with full-text search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker

from triage_tui.screens.case import CaseScreen
from triage_tui.screens.reads import InboxCount, StoreReads
from triage_tui.store.queries import CaseFilter, CaseSummary
from triage_tui.widgets.case_list import PAGE_SIZE, CaseList, CaseListHeader
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.safe_text import safe_template
from triage_tui.widgets.sync_status import SyncStatus

ANCHOR_LOOKBACK = 50
"""Rows above the cursor searched for its case after a re-read (a reply can move a case up)."""
ANCHOR_WINDOW = 2000
"""Most rows read to find the cursor's case again; past that the cursor keeps its index."""


def count_line(count: InboxCount, search: str | None) -> Content:
    """The line above the list: "412 cases", or "17 of 412 matching 'tarfile'"."""
    noun = "case" if count.total == 1 else "cases"
    if not search:
        return safe_template(f"[b]$shown[/b] {noun}", shown=str(count.shown))
    return safe_template(
        "[b]$shown[/b] of $total matching [b]'$search'[/b]",
        shown=str(count.shown),
        total=str(count.total),
        search=search,
    )


class InboxScreen(Screen[None]):
    """The default screen: the case list, a search box, and a count of what is shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/", id="inbox.search", tooltip="Full-text search"),
        Binding("escape", "clear_search", "Clear search", id="inbox.clear_search", tooltip="Show every case again"),
    ]

    @dataclass
    class Loaded(Message):
        """A filter's count and first page have been read."""

        generation: int
        case_filter: CaseFilter
        count: InboxCount
        first_page: list[CaseSummary]

    @dataclass
    class Refreshed(Message):
        """The shown filter has been re-read after the store changed; `shift` is how far the cursor's case moved."""

        generation: int
        case_filter: CaseFilter
        count: InboxCount
        pages: dict[int, list[CaseSummary]]
        shift: int

    def __init__(self, reads: StoreReads, clock: Callable[[], datetime]) -> None:
        super().__init__(id="inbox")
        self.reads = reads
        self.clock = clock
        self.case_filter = CaseFilter()
        """The filter whose cases the list shows (or is loading)."""
        self._generation = 0
        self._loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("loading…"), id="inbox-count")
        yield Input(placeholder="search subjects and bodies; enter to browse, escape to clear", id="search")
        yield CaseListHeader(id="case-list-header")
        yield CaseList(lambda f, offset, limit: self.reads.page(f, offset, limit), id="cases")
        yield SyncStatus(id="sync-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one(CaseList).focus()
        self.load(CaseFilter())

    def load(self, case_filter: CaseFilter) -> None:
        """Count and read the first page of `case_filter` in a worker, then show it."""
        self.case_filter = case_filter
        self._generation += 1
        self._loading = True
        self._load(self._generation, case_filter)

    def refresh_cases(self) -> None:
        """Re-read the count and the rows on screen after the store changed, keeping the cursor on its case (or on
        the newest case, if that is where it was)."""
        if self._loading:
            # The list is about to be replaced anyway; make sure what replaces it is fresh.
            self.load(self.case_filter)
            return
        self._generation += 1
        case_list = self.query_one(CaseList)
        current = case_list.current_case
        self._refresh(
            self._generation,
            self.case_filter,
            current.id if current else None,
            case_list.cursor,
            case_list.count,
            case_list.scroll_offset.y,
            case_list.scrollable_content_region.height,
        )

    @work(thread=True, exclusive=True, group="inbox-load", exit_on_error=False)
    def _load(self, generation: int, case_filter: CaseFilter) -> None:
        count = self.reads.count(case_filter)
        first_page = self.reads.page(case_filter, 0, PAGE_SIZE) if count.shown else []
        self.post_message(self.Loaded(generation, case_filter, count, first_page))

    @work(thread=True, exclusive=True, group="inbox-refresh", exit_on_error=False)
    def _refresh(
        self,
        generation: int,
        case_filter: CaseFilter,
        anchor_id: str | None,
        anchor: int,
        old_count: int,
        top: int,
        height: int,
    ) -> None:
        count = self.reads.count(case_filter)
        shift = 0
        # A cursor on the newest case with the view at the top follows the head of the list, so new cases appear
        # under it; anywhere else the cursor stays on its case as rows are added above it.
        if anchor_id is not None and (anchor, top) != (0, 0):
            # Sync only adds: the cursor's case is at most (new - old) rows further down, or a little up if a reply
            # moved it.
            start = max(0, anchor - ANCHOR_LOOKBACK)
            limit = min(ANCHOR_WINDOW, anchor - start + max(0, count.shown - old_count) + ANCHOR_LOOKBACK)
            window = self.reads.page(case_filter, start, limit)
            found = next((start + i for i, case in enumerate(window) if case.id == anchor_id), None)
            if found is not None:
                shift = found - anchor
        first_row = max(0, top + shift)
        wanted = {0} | set(range(first_row // PAGE_SIZE, (first_row + max(1, height)) // PAGE_SIZE + 1))
        pages = {
            page: self.reads.page(case_filter, page * PAGE_SIZE, PAGE_SIZE)
            for page in sorted(wanted)
            if page * PAGE_SIZE < count.shown
        }
        self.post_message(self.Refreshed(generation, case_filter, count, pages, shift))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self.query_one(CaseList).show(message.case_filter, message.count.shown, message.first_page)
        self.query_one("#inbox-count", Static).update(count_line(message.count, message.case_filter.search))

    @on(Refreshed)
    def _refreshed(self, message: Refreshed) -> None:
        if message.generation != self._generation:
            return
        self.query_one(CaseList).reshow(message.count.shown, message.pages, message.shift)
        self.query_one("#inbox-count", Static).update(count_line(message.count, message.case_filter.search))

    @on(CaseList.CaseChosen)
    def _open_case(self, message: CaseList.CaseChosen) -> None:
        self.app.push_screen(CaseScreen(self.reads, message.case_id, self.clock))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_search":
            return self.query_one("#search", Input).display or bool(self.case_filter.search)
        return True

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()
        self.refresh_bindings()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        self.query_one(CaseList).focus()
        if self.case_filter.search:
            self.load(CaseFilter())
        self.refresh_bindings()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.load(CaseFilter(search=event.value.strip() or None))

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one(CaseList).focus()
