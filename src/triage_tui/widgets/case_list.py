"""Provides the inbox's virtual case list: a Line API `ScrollView` that reads the store one page at a time.

The list's height is the case count; only the pages under the viewport are fetched (in thread workers) and kept in a
small LRU cache, so a store of 100,000 cases opens as fast as one of 100.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import Worker

from triage_tui.services.embargo_policy import countdown
from triage_tui.store.queries import CaseFilter, CaseSummary
from triage_tui.widgets.after_paint import PaintAware
from triage_tui.widgets.case_columns import GAP, cell, embargo_text, layout
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.page_cache import PageCache
from triage_tui.widgets.safe_text import fit, safe_cell

PAGE_SIZE = 100
"""Rows per store read: a screenful many times over, and still a few milliseconds for SQLite."""
CACHED_PAGES = 32
"""Pages kept in memory; the least recently used page is dropped first."""
CACHED_ROWS = 256
"""Rendered rows kept, so a cursor move or a one-row scroll redraws the rows on screen without rebuilding them."""

PageLoader = Callable[[CaseFilter, int, int], list[CaseSummary]]
"""Reads `limit` cases from `offset` for a filter; called from a thread worker."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


THUMB_WIDTH = 1
"""The list's own scroll thumb column (Textual's scrollbar repaints through Rich on every change: 10+ ms)."""
CLOSED_STYLE = Style(dim=True, italic=True)
"""A closed case's row: still readable, plainly not open."""


class CaseListHeader(Static):
    """The column headings, laid out with the same widths as the rows."""

    DEFAULT_CSS = """
    CaseListHeader { height: 1; text-style: bold; color: $text-muted; background: $panel; }
    """

    INSET = 0
    """Cells the rows below give to a column of their own before the case's columns (a selection marker)."""

    def render(self) -> Content:
        # The list below always keeps its last cell for its scroll thumb, so headings line up with its rows.
        return Content(layout(max(0, self.size.width - THUMB_WIDTH - self.INSET)).headings())


class CaseList(PaintAware, ScrollView, can_focus=True):
    """The cases of a filter in its order, with a cursor row; enter opens the case under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_case", "Open", id="inbox.open_case", tooltip="Open the case under the cursor"),
        Binding("down,j", "cursor_down", "Down", show=False, id="inbox.cursor_down", tooltip="Next case"),
        Binding("up,k", "cursor_up", "Up", show=False, id="inbox.cursor_up", tooltip="Previous case"),
        Binding("pagedown", "page_down", "Page down", show=False, id="inbox.page_down", tooltip="One screen down"),
        Binding("pageup", "page_up", "Page up", show=False, id="inbox.page_up", tooltip="One screen up"),
        Binding(
            "ctrl+d", "half_page_down", "Half down", show=False, id="inbox.half_down", tooltip="Half a screen down"
        ),
        Binding("ctrl+u", "half_page_up", "Half up", show=False, id="inbox.half_up", tooltip="Half a screen up"),
        Binding("home,g", "first", "First", show=False, id="inbox.first", tooltip="Newest case"),
        Binding("end,G", "last", "Last", show=False, id="inbox.last", tooltip="Oldest case"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"case-list--cursor", "case-list--placeholder", "case-list--thumb"}

    DEFAULT_CSS = """
    CaseList { overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 0; height: 1fr; }
    CaseList > .case-list--thumb { color: $panel-lighten-3; background: $panel-darken-1; }
    CaseList > .case-list--cursor { background: $accent 35%; text-style: bold; }
    CaseList:blur > .case-list--cursor { background: $accent 15%; text-style: none; }
    CaseList > .case-list--placeholder { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted case in the filtered, newest-first order."""

    @dataclass
    class CaseChosen(Message):
        """The user opened a case."""

        case_id: str

    @dataclass
    class Highlighted(Message):
        """The cursor moved (or its row arrived from the store); `case` is None while its page is loading."""

        index: int
        case: CaseSummary | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, CaseList.Highlighted)

    @dataclass
    class _PageLoaded(Message):
        generation: int
        page: int
        rows: list[CaseSummary]

    def __init__(
        self,
        loader: PageLoader,
        *,
        clock: Callable[[], datetime] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._loader = loader
        self._clock = clock or _utc_now
        """What "now" is for the embargo countdowns."""
        self._filter = CaseFilter()
        self._count = 0
        self._cache: PageCache[CaseSummary] = PageCache(PAGE_SIZE, CACHED_PAGES)
        self._open_when_loaded: int | None = None
        self._strips: OrderedDict[tuple[object, ...], Strip] = OrderedDict()
        self._line_styles: tuple[Style, Style, Style, Style] | None = None
        self._region = Region()
        self.pages_requested = 0
        """Pages this list asked the store for since it was created."""

    @property
    def count(self) -> int:
        """How many cases the list holds."""
        return self._count

    def show(self, case_filter: CaseFilter, count: int, first_page: list[CaseSummary]) -> None:
        """Show `count` cases of `case_filter`, starting from an already-read first page."""
        self._filter = case_filter
        self._count = count
        self._open_when_loaded = None
        self._cache.reset({0: first_page})
        self._set_height(count)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0
        self.refresh()

    def set_count(self, count: int) -> None:
        """Change how many cases the list holds once the count is known (the first page is shown before it)."""
        if count == self._count:
            return
        self._count = count
        self._set_height(count)
        self.cursor = self.cursor  # the validator keeps it in range
        self.refresh()

    def reshow(self, count: int, pages: dict[int, list[CaseSummary]], shift: int) -> None:
        """Show a fresh read of the same filter: `count` cases, some pages already read, and the cursor and view
        moved `shift` rows so they stay on the case they were on."""
        self._count = count
        self._cache.reset(pages)
        if self._open_when_loaded is not None:
            self._open_when_loaded += shift
        self._set_height(count)
        self.scroll_to(y=max(0, self.scroll_offset.y + shift), animate=False, immediate=True)
        self.cursor += shift
        self.refresh()

    @property
    def current_case(self) -> CaseSummary | None:
        """The case under the cursor, if its page is loaded."""
        return self._row(self.cursor) if self._count else None

    def move_to(self, case_id: str) -> bool:
        """Put the cursor on `case_id` if the list holds it in a page already read; whether it did."""
        index = self._cache.loaded_index(lambda case: case.id == case_id)
        if index is None or index >= self._count:
            return False
        self.cursor = index
        return True

    def _row(self, index: int) -> CaseSummary | None:
        row, missing = self._cache.lookup(index)
        if missing is not None:
            self.pages_requested += 1
            self._fetch_page(self._cache.generation, self._filter, missing)
        return row

    @work(thread=True, group="case-pages", exit_on_error=False)
    def _fetch_page(self, generation: int, case_filter: CaseFilter, page: int) -> None:
        rows = self._loader(case_filter, page * PAGE_SIZE, PAGE_SIZE)
        self.post_message(self._PageLoaded(generation, page, rows))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @on(_PageLoaded)
    def _page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        if not self._cache.store(message.generation, message.page, message.rows):
            return
        self.refresh()
        if self.cursor // PAGE_SIZE == message.page:
            self.post_message(self.Highlighted(self.cursor, self._row(self.cursor)))
        pending = self._open_when_loaded
        if pending is not None and pending // PAGE_SIZE == message.page:
            self._open_when_loaded = None
            self._open(pending)

    def _set_height(self, count: int) -> None:
        """Make the list `count` rows high without a screen re-layout: the list's own size never depends on its
        length (it fills the space it is given), so only the scroll range changes."""
        self.set_reactive(CaseList.virtual_size, Size(0, count))
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Looked up once per redraw rather than once per row.
        self._line_styles = None
        self._region = self.scrollable_content_region
        return super().render_lines(crop)

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """The row, cursor-row, placeholder and scroll-thumb styles of this redraw."""
        if self._line_styles is None:
            base = self.rich_style
            self._line_styles = (
                base,
                base + self.get_component_rich_style("case-list--cursor"),
                self.get_component_rich_style("case-list--placeholder"),
                self.get_component_rich_style("case-list--thumb"),
            )
        return self._line_styles

    def _thumb(self, y: int, height: int) -> str:
        """Row `y` of the scroll thumb column: a block where the viewport lies within the whole list."""
        if self._count <= height or height <= 0:
            return " " * THUMB_WIDTH
        size = max(1, height * height // self._count)
        start = min(height - size, self.scroll_offset.y * height // self._count)
        return ("█" if start <= y < start + size else " ") * THUMB_WIDTH

    def render_line(self, y: int) -> Strip:
        region = self._region
        plain, cursor, placeholder, thumb_style = self._styles()
        index = self.scroll_offset.y + y
        width = max(0, region.width - THUMB_WIDTH)
        thumb = Segment(self._thumb(y, region.height), thumb_style)
        if index >= self._count:
            return Strip([Segment(" " * width, plain), thumb], region.width)
        base = cursor if index == self.cursor else plain
        case = self._row(index)
        if case is None:
            return Strip([Segment(fit("  loading…", width), base + placeholder), thumb], region.width)
        if case.embargo_until is not None:  # its countdown changes with the clock
            return Strip([*self._row_segments(case, width, base), thumb], region.width)
        # Whole lines are kept, so a redraw of rows already seen builds nothing (each Strip sets up caches of its
        # own: building one per row twice over was a third of a fresh screen's paint).
        key = (case, width, base, thumb, *self._row_variant(case))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = Strip([*self._row_segments(case, width, base), thumb], region.width)
            if len(self._strips) > CACHED_ROWS:
                self._strips.popitem(last=False)
        return strip

    def _row_variant(self, case: CaseSummary) -> tuple[object, ...]:
        """What else a row's look depends on, besides the case, the width and the style (for the row cache)."""
        return ()

    def _row_segments(self, case: CaseSummary, width: int, base: Style) -> list[Segment]:
        """A case's row: exactly `width` cells."""
        if case.state == "closed":
            base += CLOSED_STYLE
        shape = layout(width)
        segments: list[Segment] = []
        for index, (column, column_width) in enumerate(zip(shape.columns, shape.widths, strict=True)):
            if index:
                segments.append(Segment(" " * GAP, base))
            if column.key == "embargo":
                value, style = self._embargo_cell(case, base, column_width)
            else:
                value, style = cell(column.key, case, column_width, base)
            segments.append(safe_cell(value, column_width, style))
        if width < shape.width:  # too narrow even for the columns that never go
            return list(Strip(segments).crop_extend(0, width, base))
        if width > shape.width:
            segments.append(Segment(" " * (width - shape.width), base))
        # Most cells share the row's style: one segment for each run of them, since every later stage of a paint
        # (the terminal colour filter, the compositor) costs per segment.
        return list(Segment.simplify(segments))

    def _embargo_cell(self, case: CaseSummary, base: Style, width: int) -> tuple[str, Style]:
        """The embargo countdown, red once past due and yellow in its last week."""
        if case.embargo_until is None:
            return "", base
        now = self._clock()
        left = case.embargo_until - now
        colour = "red" if left <= timedelta(0) else "yellow" if left <= timedelta(days=7) else None
        return embargo_text(countdown(case.embargo_until, now), width), base + Style(color=colour, bold=colour == "red")

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self._count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        if self.scroll_offset.y == top:
            # Only the rows the cursor left and reached change (a scroll redraws every row anyway).
            self.refresh_line(old)
            self.refresh_line(new)
        else:
            self.refresh()
        self.post_message(self.Highlighted(new, self.current_case))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 0 and self.scroll_offset.y + event.y < self._count:
            self.cursor = self.scroll_offset.y + event.y
            if event.chain == 2:
                self.action_open_case()

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_half_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height // 2)

    def action_half_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height // 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self._count - 1

    def action_open_case(self) -> None:
        if self._count:
            self._open(self.cursor)

    def _open(self, index: int) -> None:
        case = self._row(index)
        if case is None:
            # The page is still loading; open it as soon as it arrives.
            self._open_when_loaded = index
            return
        self.post_message(self.CaseChosen(case.id))
