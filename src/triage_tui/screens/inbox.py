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

        case_filter: CaseFilter
        count: InboxCount
        first_page: list[CaseSummary]

    def __init__(self, reads: StoreReads, clock: Callable[[], datetime]) -> None:
        super().__init__(id="inbox")
        self.reads = reads
        self.clock = clock
        self.case_filter = CaseFilter()
        """The filter whose cases the list shows (or is loading)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("loading…"), id="inbox-count")
        yield Input(placeholder="search subjects and bodies; enter to browse, escape to clear", id="search")
        yield CaseListHeader(id="case-list-header")
        yield CaseList(lambda f, offset, limit: self.reads.page(f, offset, limit), id="cases")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one(CaseList).focus()
        self.load(CaseFilter())

    def load(self, case_filter: CaseFilter) -> None:
        """Count and read the first page of `case_filter` in a worker, then show it."""
        self.case_filter = case_filter
        self._load(case_filter)

    @work(thread=True, exclusive=True, group="inbox-load", exit_on_error=False)
    def _load(self, case_filter: CaseFilter) -> None:
        count = self.reads.count(case_filter)
        first_page = self.reads.page(case_filter, 0, PAGE_SIZE) if count.shown else []
        self.post_message(self.Loaded(case_filter, count, first_page))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.case_filter != self.case_filter:
            return
        self.query_one(CaseList).show(message.case_filter, message.count.shown, message.first_page)
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
