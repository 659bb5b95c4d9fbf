"""Provides the inbox: cases in a virtual list with filters, saved views, sorts and full-text search with snippets."""

from __future__ import annotations

import secrets
from dataclasses import replace
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Header, Input, Static
from textual.worker import Worker

from triage_tui.config import SavedView
from triage_tui.screens.context import AppContext
from triage_tui.screens.dialog import ASKING
from triage_tui.screens.filter import FilterModal
from triage_tui.screens.go_to_case import go_to_binding
from triage_tui.screens.inbox_import import InboxImport
from triage_tui.screens.inbox_keys import DECISION_BINDINGS, TEAM_BINDINGS
from triage_tui.screens.inbox_lines import (
    count_line,
    no_snippet_words,
    saved_view_bindings,
    snippet_content,
    view_filter,
)
from triage_tui.screens.inbox_reads import (
    CountRead,
    FirstPageRead,
    ListPosition,
    ListReread,
    SnippetRead,
    StatusRead,
    ViewsCounted,
    reread,
)
from triage_tui.screens.inbox_undo import InboxUndo
from triage_tui.screens.inbox_views import InboxViews
from triage_tui.screens.navigation import InboxShown, OpenCase, ShowsCases
from triage_tui.screens.role_keys import RoleKeys
from triage_tui.store.queries import SORTS, CaseFilter, CaseSummary
from triage_tui.store.reads import InboxCount
from triage_tui.widgets.case_list import PAGE_SIZE, CaseList
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.inbox_status import InboxStatusLine
from triage_tui.widgets.search_input import SearchInput
from triage_tui.widgets.selectable_case_list import SelectableCaseList, SelectableCaseListHeader
from triage_tui.widgets.sync_status import SyncStatus

OPEN_CASES = CaseFilter(closed=False)
"""What the inbox shows at first: every case but the closed ones (`c` shows those too)."""
INLINE_READ_BUDGET = 0.02
"""Seconds a first page may take on the UI's own thread before the read moves to a worker: about a frame at 60 Hz,
unseen while typing (a search's page at 100k cases takes 1-15 ms here, depending on the term and the load)."""


class InboxScreen(RoleKeys, InboxImport, ShowsCases, InboxUndo, InboxViews):
    """The default screen: the case list, a search box, and a line saying what is shown and how many."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/", id="inbox.search", tooltip="Full-text search"),
        Binding("f", "filter", "Filter", id="inbox.filter", tooltip="Filter by state, project, severity, …"),
        Binding("o", "cycle_sort", "Sort", id="inbox.sort", tooltip="Order by received, updated, severity, embargo"),
        Binding("m", "matrix", "Matrix", id="inbox.matrix", tooltip="The impact matrix of the cases shown"),
        *DECISION_BINDINGS,
        *TEAM_BINDINGS,
        go_to_binding("inbox"),
        Binding(
            "escape", "clear_search", "Clear", id="inbox.clear_search", tooltip="Clear the search, then the filter"
        ),
    ]

    DEFAULT_CSS = """
    InboxScreen #snippet { height: 1; padding: 0 1; background: $panel; }
    InboxScreen #inbox-count { height: 1; }
    """

    def __init__(self, context: AppContext) -> None:
        super().__init__(id="inbox")
        self.context = context
        self.reads = context.reads
        self.clock = context.clock
        self.views: dict[str, SavedView] = dict(context.config.views if context.config else {})
        """The saved views of the config, by name."""
        self.view_counts: dict[str, int] = {}
        """How many cases each saved view selects (filled in the background)."""
        self.active_view: str | None = None
        """The saved view the list shows, if it shows one unchanged."""
        self.case_filter = OPEN_CASES
        """The filter whose cases the list shows (or is loading)."""
        self.selected = 0
        """How many cases are selected."""
        self.count: InboxCount | None = None
        """The shown filter's count, once known."""
        self._generation = 0
        self._loading = False
        self._shown = False
        """Whether a list has been shown (the app is told once, after the first)."""
        self._marks = (f"\ue000{secrets.token_hex(8)}\ue001", f"\ue002{secrets.token_hex(8)}\ue003")
        taken = {
            single.key
            for bindings in (self.BINDINGS, CaseList.BINDINGS, SelectableCaseList.BINDINGS)
            for single in Binding.make_bindings(bindings)
        }
        view_bindings, self._shadowed_views = saved_view_bindings(self.views.items(), taken)
        for single in view_bindings:
            self._bindings.key_to_bindings.setdefault(single.key, []).append(single)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("loading…"), id="inbox-count")
        yield InboxStatusLine(id="inbox-status")
        yield SearchInput(
            placeholder="search subjects, bodies and notes; enter to browse, escape to clear", id="search"
        )
        # The selectable list adds a marker column and bulk actions (space selects; x, a, l act on the selection).
        yield SelectableCaseListHeader(id="case-list-header")
        yield SelectableCaseList(
            lambda f, offset, limit: self.reads.page(f, offset, limit), clock=self.clock, id="cases"
        )
        yield Static(Content(""), id="snippet")
        yield SyncStatus(id="sync-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one("#snippet", Static).display = False
        self.query_one(CaseList).focus()
        self.load(OPEN_CASES)
        self.query_one(CaseList).call_after_paint(self._read_status)
        for name, key in self._shadowed_views:
            self.notify(
                f"saved view {name!r}: the key {key} is the inbox's own; open the view from the palette, or give it "
                "another key in config.toml",
                title="Saved view key taken",
                severity="warning",
                markup=False,
                timeout=10,
            )

    def load(self, case_filter: CaseFilter, *, view: str | None = None) -> None:
        """Read the first page of `case_filter` in a worker and show it, then its count."""
        self.case_filter = case_filter
        self.active_view = view
        self._generation += 1
        self._loading = True
        self.count = None
        self.reads.stop_counts()  # the shown count is about to be replaced: stop paying for it
        snippet = self.query_one("#snippet", Static)
        # Only touch the snippet line when it changes: showing or hiding it re-lays the whole screen out.
        if snippet.display != bool(case_filter.search):
            snippet.display = bool(case_filter.search)
        if not case_filter.search and snippet.content:
            snippet.update(Content(""), layout=False)  # one line high: no re-layout
        # Most first pages take a few milliseconds: read here, and the keystroke's echo and its results are drawn
        # together, without a worker's hand-off (3-4 ms) or a reader thread contending with the echo's paint for
        # the interpreter. A read that runs past the budget is abandoned and done again in a worker.
        try:
            first_page = self.reads.page_within(case_filter, 0, PAGE_SIZE, INLINE_READ_BUDGET)
        except Exception:
            first_page = None  # the worker reads again, and a failure there is reported like any failed read
        if first_page is None:
            self._load(self._generation, case_filter)
        else:
            self._loaded(self._first_page_read(self._generation, case_filter, first_page))

    def cases_changed(self) -> None:
        self.refresh_cases()

    def on_screen_resume(self) -> None:
        self._read_status()  # back from a case, its reply or the outbox: the outbox count may have moved

    def refresh_cases(self) -> None:
        """Re-read the count and the rows on screen after the store changed, keeping the cursor on its case (or on
        the newest case, if that is where it was)."""
        self._read_status()  # a sync or a decision changes the outbox, the changed keys and the last sync too
        if self._loading:
            # The list is about to be replaced anyway; make sure what replaces it is fresh.
            self.load(self.case_filter, view=self.active_view)
            return
        self._generation += 1
        case_list = self.query_one(CaseList)
        current = case_list.current_case
        position = ListPosition(
            current.id if current else None,
            case_list.cursor,
            case_list.count,
            case_list.scroll_offset.y,
            case_list.scrollable_content_region.height,
        )
        self._refresh(self._generation, self.case_filter, position)
        self._count_views()

    def _first_page_read(
        self, generation: int, case_filter: CaseFilter, first_page: list[CaseSummary]
    ) -> FirstPageRead:
        # A short first page is the whole list; otherwise the page shows first and the count follows, since a
        # count over a broad search can take longer than reading a page.
        known = InboxCount(len(first_page), len(first_page)) if len(first_page) < PAGE_SIZE else None
        if known is not None and case_filter.narrows:
            known = None
        return FirstPageRead(generation, case_filter, known, first_page)

    @work(thread=True, exclusive=True, group="inbox-load", exit_on_error=False)
    def _load(self, generation: int, case_filter: CaseFilter) -> None:
        self.post_message(self._first_page_read(generation, case_filter, self.reads.page(case_filter, 0, PAGE_SIZE)))

    @work(thread=True, exclusive=True, group="inbox-count", exit_on_error=False)
    def _count(self, generation: int, case_filter: CaseFilter) -> None:
        if generation != self._generation:
            return  # typed past already
        count = self.reads.stoppable_count(case_filter)
        if count is not None:
            self.post_message(CountRead(generation, count))

    @work(thread=True, exclusive=True, group="inbox-refresh", exit_on_error=False)
    def _refresh(self, generation: int, case_filter: CaseFilter, position: ListPosition) -> None:
        self.post_message(ListReread(generation, case_filter, reread(self.reads, case_filter, position)))

    @work(thread=True, exclusive=True, group="inbox-views", exit_on_error=False)
    def _count_views(self) -> None:
        if self.views:
            self.post_message(ViewsCounted(self.reads.counts({n: view_filter(v) for n, v in self.views.items()})))

    @work(thread=True, exclusive=True, group="inbox-snippet", exit_on_error=False)
    def _read_snippet(self, case_id: str, search: str) -> None:
        self.post_message(SnippetRead(case_id, search, self.reads.snippet(case_id, search, self._marks)))

    @work(thread=True, exclusive=True, group="inbox-status", exit_on_error=False)
    def _read_status(self) -> None:
        self.post_message(StatusRead(self.reads.inbox_status()))

    @on(StatusRead)
    def _status_read(self, message: StatusRead) -> None:
        self.query_one(InboxStatusLine).show(message.status, self.clock())

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def _show_count(self) -> None:
        line = count_line(self.count, self.case_filter, self.active_view, self.selected)
        count = self.query_one("#inbox-count", Static)
        if count.content != line:
            count.update(line, layout=False)  # one line high: no re-layout

    @on(FirstPageRead)
    def _loaded(self, message: FirstPageRead) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self.count = message.count
        shown = message.count.shown if message.count else len(message.first_page)
        self.query_one(CaseList).show(message.case_filter, shown, message.first_page)
        self._show_count()
        if message.count is None:
            self.query_one(CaseList).call_after_paint(partial(self._count, message.generation, message.case_filter))
        if not self.view_counts:
            self._count_views()
        if not self._shown:
            self._shown = True
            self.app.post_message(InboxShown())

    @on(CountRead)
    def _counted(self, message: CountRead) -> None:
        if message.generation != self._generation:
            return
        self.count = message.count
        self.query_one(CaseList).set_count(message.count.shown)
        self._show_count()

    @on(ListReread)
    def _refreshed(self, message: ListReread) -> None:
        if message.generation != self._generation:
            return
        reread = message.reread
        self.count = reread.count
        self.query_one(CaseList).reshow(reread.count.shown, reread.pages, reread.shift)
        self._show_count()

    @on(ViewsCounted)
    def _views_counted(self, message: ViewsCounted) -> None:
        self.view_counts = message.counts

    @on(CaseList.Highlighted)
    def _highlighted(self, message: CaseList.Highlighted) -> None:
        search = self.case_filter.search
        if not search or message.case is None:
            return
        self.query_one(CaseList).call_after_paint(partial(self._read_snippet, message.case.id, search))

    @on(SnippetRead)
    def _snippet_read(self, message: SnippetRead) -> None:
        current = self.query_one(CaseList).current_case
        if current is None or current.id != message.case_id or message.search != self.case_filter.search:
            return
        line = Content.assemble((message.case_id, "bold"), "  ")
        if message.snippet is None:
            line += Content.styled(no_snippet_words(message.case_id, message.search), "$text-muted")
        else:
            line += snippet_content(message.snippet, self._marks)
        self.query_one("#snippet", Static).update(line, layout=False)

    @on(CaseList.CaseChosen)
    def _open_case(self, message: CaseList.CaseChosen) -> None:
        message.stop()
        self.app.post_message(OpenCase(message.case_id))

    @on(SelectableCaseList.BulkRequested)
    def _bulk_requested(self, message: SelectableCaseList.BulkRequested) -> None:
        from triage_tui.screens.inbox_bulk import ask_and_run

        self.run_worker(ask_and_run(self, self.context, message.control, message.action, self._remember), group=ASKING)

    @on(SelectableCaseList.SelectionChanged)
    def _selection_changed(self, message: SelectableCaseList.SelectionChanged) -> None:
        self.selected = message.count
        self._show_count()

    def action_toggle_closed(self) -> None:
        """Show closed cases too, or hide them again."""
        self.load(replace(self.case_filter, closed=not self.case_filter.closed), view=self.active_view)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_search":
            return self.query_one("#search", Input).display or self.case_filter.narrows_more
        return True

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()
        self.refresh_bindings()

    def action_clear_search(self) -> None:
        """Clear the search if there is one, else the filter or view."""
        search = self.query_one("#search", Input)
        had_search = bool(self.case_filter.search) or search.display
        search.value = ""
        search.display = False
        self.query_one(CaseList).focus()
        if had_search:
            if self.case_filter.search:
                self.load(replace(self.case_filter, search=None), view=None)
        elif self.case_filter.narrows_more:
            self.load(CaseFilter(sort=self.case_filter.sort, closed=self.case_filter.closed))
        self.refresh_bindings()

    def action_filter(self) -> None:
        """Open the filter modal over the inbox."""
        self.app.push_screen(FilterModal(self.case_filter, self._project_ids()), self._filter_chosen)

    def _project_ids(self) -> list[str]:
        projects = self.context.projects
        return sorted(projects) if projects else self.reads.projects()

    def _filter_chosen(self, chosen: CaseFilter | None) -> None:
        if chosen is not None and chosen != self.case_filter:
            self.load(chosen)

    def action_cycle_sort(self) -> None:
        """Show the same cases in the next order."""
        following = SORTS[(SORTS.index(self.case_filter.sort) + 1) % len(SORTS)]
        self.load(replace(self.case_filter, sort=following), view=self.active_view)

    def action_show_view(self, index: int) -> None:
        """Show the saved view at `index` of the config's views."""
        names = list(self.views)
        if not 0 <= index < len(names):
            return
        name = names[index]
        search = self.query_one("#search", Input)
        search.value = self.views[name].search or ""
        search.display = False
        self.query_one(CaseList).focus()
        self.load(
            replace(view_filter(self.views[name], self.case_filter.sort), closed=self.case_filter.closed), view=name
        )
        self.refresh_bindings()

    def show_view(self, name: str) -> None:
        """Show the saved view called `name` (the palette's "view: NAME")."""
        if name in self.views:
            self.action_show_view(list(self.views).index(name))

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        text = event.value.strip() or None
        if text == self.case_filter.search:
            return
        self.load(replace(self.case_filter, search=text))

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one(CaseList).focus()
