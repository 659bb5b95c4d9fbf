"""Provides the impact matrix grid: cases down, projects across, a cell cursor, rows read from the store a page at a
time (a Line API `ScrollView`, like the inbox's list). Every cell shows its status's symbol and word, so the grid
reads the same without colour."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker

from triage_tui.domain import ImpactStatus
from triage_tui.impact import RANGE_STATUSES, STATUS_MARKS, UNSETTLED
from triage_tui.store.matrix_reads import MatrixRow
from triage_tui.untrusted import neutralise_line
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.page_cache import PageCache
from triage_tui.widgets.safe_text import fit, safe_cell

PAGE_ROWS = 100
CACHED_PAGES = 8
ID_WIDTH = 14
CHECKED_WIDTH = 8
MIN_TITLE = 12
CELL_WIDTH = 12
"""A project's column: symbol, space, a word of at most nine letters, and a gap."""
GRID_WORDS: Mapping[ImpactStatus, str] = {
    ImpactStatus.UNKNOWN: "unknown",
    ImpactStatus.INVESTIGATING: "checking",
    ImpactStatus.AFFECTED: "affected",
    ImpactStatus.NOT_AFFECTED: "not aff.",
    ImpactStatus.FIX_IN_PROGRESS: "fixing",
    ImpactStatus.FIXED: "fixed",
    ImpactStatus.WONT_FIX: "won't fix",
}
"""Words short enough for a column; the cell editor and exports use the full status names."""
LIGHT_STATUS_COLOURS: Mapping[ImpactStatus, str | None] = {
    ImpactStatus.UNKNOWN: None,
    ImpactStatus.INVESTIGATING: "#7a5200",
    ImpactStatus.AFFECTED: "#a8201a",
    ImpactStatus.NOT_AFFECTED: "#00616f",
    ImpactStatus.FIX_IN_PROGRESS: "#7f2a7f",
    ImpactStatus.FIXED: "#1e6b35",
    ImpactStatus.WONT_FIX: "#4d4d4d",
}
"""The same on a light theme: darker, each at least 4.5:1 against textual-light's background."""
STATUS_COLOURS: Mapping[ImpactStatus, str | None] = {
    ImpactStatus.UNKNOWN: None,
    ImpactStatus.INVESTIGATING: "yellow",
    ImpactStatus.AFFECTED: "red",
    ImpactStatus.NOT_AFFECTED: "cyan",
    ImpactStatus.FIX_IN_PROGRESS: "magenta",
    ImpactStatus.FIXED: "green",
    ImpactStatus.WONT_FIX: "bright_black",
}

TOTALS_LEGENDS = ("totals: ! affected, ✓ settled", "totals: ! aff., ✓ settled")
"""The totals row's legend, the longest that fits before the first column (the shortest always does)."""

RowLoader = Callable[[int, int], list[MatrixRow]]
"""Reads `limit` rows from `offset`; called from a thread worker."""


def grid_cell(status: str) -> str:
    """'+ fixed', '? unknown': a cell as the grid shows it."""
    known = ImpactStatus(status)
    return f"{STATUS_MARKS[known]} {GRID_WORDS[known]}"


UNLINKED_CELL = "·"
"""A cell of a project not linked to the case, in a grid of linked cells only (a maintainer's): nothing to check."""


def checked_count(row: MatrixRow, projects: Sequence[str]) -> int:
    """How many of the row's projects have a settled answer (not unknown, not investigating)."""
    return sum(1 for p in projects if (c := row.cells.get(p)) is not None and c.status not in UNSETTLED)


def checked_text(row: MatrixRow, projects: Sequence[str], *, linked_only: bool = False) -> str:
    """'1/2': the row's settled cells out of its projects, or out of the projects linked to its case (`linked_only`:
    a project the case was never shared with is not one left to check)."""
    counted = sum(1 for p in projects if p in row.cells) if linked_only else len(projects)
    return f"{checked_count(row, projects)}/{counted}"


class MatrixGrid(ScrollView, can_focus=True):
    """Rows of cases, columns of projects, and a cell cursor; enter edits the cell, o opens the case."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit_cell", "Edit cell", id="matrix.edit", tooltip="Edit the cell under the cursor"),
        Binding("o", "open_case", "Open case", id="matrix.open_case", tooltip="Open the case of this row"),
        Binding("down,j", "move(1, 0)", "Down", show=False, id="matrix.down", tooltip="Next case"),
        Binding("up,k", "move(-1, 0)", "Up", show=False, id="matrix.up", tooltip="Previous case"),
        Binding("right,l", "move(0, 1)", "Right", show=False, id="matrix.right", tooltip="Next project"),
        Binding("left,h", "move(0, -1)", "Left", show=False, id="matrix.left", tooltip="Previous project"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="matrix.page_down", tooltip="One screen down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="matrix.page_up", tooltip="One screen up"),
        Binding("home,g", "edge(-1)", "First", show=False, id="matrix.first", tooltip="Newest case"),
        Binding("end,G", "edge(1)", "Last", show=False, id="matrix.last", tooltip="Oldest case"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"matrix-grid--cursor", "matrix-grid--row"}
    DEFAULT_CSS = """
    MatrixGrid { height: 1fr; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1; }
    MatrixGrid > .matrix-grid--cursor { background: $accent 45%; text-style: bold; }
    MatrixGrid > .matrix-grid--row { background: $accent 12%; }
    """

    row: reactive[int] = reactive(0, always_update=True)
    column: reactive[int] = reactive(0)

    @dataclass
    class CellChosen(Message):
        """Enter on a cell."""

        case_id: str
        project: str
        row: MatrixRow

    @dataclass
    class CaseChosen(Message):
        """`o` on a row."""

        case_id: str

    class ColumnsShifted(Message):
        """The projects shown changed (the cursor went past an edge, or the grid was resized)."""

    @dataclass
    class _PageRead(Message):
        generation: int
        page: int
        rows: list[MatrixRow]

    def __init__(self, loader: RowLoader, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._loader = loader
        self.projects: list[str] = []
        self._count = 0
        self._cache: PageCache[MatrixRow] = PageCache(PAGE_ROWS, CACHED_PAGES)
        self._first_column = 0
        self.linked_only = False
        """Whether a cell of a project not linked to its case shows as not linked (`·`, not counted) instead of
        unknown: on a maintainer's workstation, whose cases are shared per project."""

    @property
    def count(self) -> int:
        return self._count

    def show(
        self, projects: Sequence[str], count: int, first_page: list[MatrixRow], *, linked_only: bool = False
    ) -> None:
        """Show `count` rows over `projects`, starting from an already-read first page (the cursor is kept); with
        `linked_only`, a project not linked to a case is drawn as such and not counted in its row."""
        self.projects = list(projects)
        self.linked_only = linked_only
        self._count = count
        self._cache.reset({0: first_page})
        self.virtual_size = Size(0, count)
        self._first_column = min(self._first_column, max(0, len(self.projects) - 1))
        self.row = min(self.row, max(0, count - 1))
        self.column = min(self.column, max(0, len(self.projects) - 1))
        self.refresh()

    def current_row(self) -> MatrixRow | None:
        return self._row(self.row) if self._count else None

    def _row(self, index: int) -> MatrixRow | None:
        row, missing = self._cache.lookup(index)
        if missing is not None:
            self._read_page(self._cache.generation, missing)
        return row

    @work(thread=True, group="matrix-pages", exit_on_error=False)
    def _read_page(self, generation: int, page: int) -> None:
        self.post_message(self._PageRead(generation, page, self._loader(page * PAGE_ROWS, PAGE_ROWS)))

    @on(_PageRead)
    def _page_read(self, message: _PageRead) -> None:
        message.stop()
        if self._cache.store(message.generation, message.page, message.rows):
            self.refresh()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    # ---- geometry ---------------------------------------------------------------------------------------------

    def visible_columns(self) -> range:
        """The project columns that fit, from the first shown one (the cursor's column is always among them)."""
        width = self.scrollable_content_region.width
        fit_count = max(1, (width - ID_WIDTH - MIN_TITLE - CHECKED_WIDTH) // CELL_WIDTH)
        return range(self._first_column, min(len(self.projects), self._first_column + fit_count))

    def title_width(self) -> int:
        shown = len(self.visible_columns())
        return max(MIN_TITLE, self.scrollable_content_region.width - ID_WIDTH - CHECKED_WIDTH - shown * CELL_WIDTH)

    def watch_column(self, column: int) -> None:
        shown = self.visible_columns()
        first = self._first_column
        if not self.projects:
            self._first_column = 0
        elif column < shown.start:
            self._first_column = column
        elif column >= shown.stop:
            self._first_column = column - len(shown) + 1
        if self._first_column != first:
            self.post_message(self.ColumnsShifted())
        self.refresh()

    def on_resize(self) -> None:
        self.column = min(self.column, max(0, len(self.projects) - 1))
        self.post_message(self.ColumnsShifted())

    def watch_row(self, row: int) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif height and row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        self.refresh()

    # ---- drawing ----------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= self._count:
            return Strip.blank(width, base)
        row = self._row(index)
        on_row = index == self.row
        row_style = base + self.get_component_rich_style("matrix-grid--row") if on_row else base
        if row is None:
            return Strip([Segment(fit("  loading…", width), row_style)], width)
        # Every field is cut one cell short of its column and followed by a space, as `header_text` lays out the
        # headings, so no two fields ever touch and each starts under its heading.
        segments = [
            safe_cell(row.case.id, ID_WIDTH - 1, row_style),
            Segment(" ", row_style),
            safe_cell(row.case.title, self.title_width() - 1, row_style),
            Segment(" ", row_style),
        ]
        cursor = self.get_component_rich_style("matrix-grid--cursor")
        colours = STATUS_COLOURS if self.app.current_theme.dark else LIGHT_STATUS_COLOURS
        for column in self.visible_columns():
            cell = row.cells.get(self.projects[column])
            if cell is None and self.linked_only:
                shown, style = UNLINKED_CELL, row_style + Style(dim=True)
            else:
                status = ImpactStatus(cell.status if cell else ImpactStatus.UNKNOWN)
                shown, style = grid_cell(status), row_style + Style(color=colours[status])
            if on_row and column == self.column:
                style = style + cursor
            segments.append(Segment(fit(shown, CELL_WIDTH - 1), style))
            segments.append(Segment(" ", row_style))
        checked = checked_text(row, self.projects, linked_only=self.linked_only)
        segments.append(Segment(fit(checked, CHECKED_WIDTH), row_style))
        return Strip(segments).crop_extend(0, width, base)

    def header_text(self) -> str:
        """The column headings, laid out like the rows."""
        parts = [fit("case", ID_WIDTH - 1), fit("title", self.title_width() - 1)]
        parts += [fit(neutralise_line(self.projects[c]), CELL_WIDTH - 1) for c in self.visible_columns()]
        parts.append(fit("checked", CHECKED_WIDTH))
        return " ".join(parts)

    def columns_shown(self) -> str:
        """Which projects the columns show when not all fit: 'projects 1-3 of 9 (← → for the rest)', else ''."""
        shown = self.visible_columns()
        if len(shown) >= len(self.projects):
            return ""
        return f"projects {shown.start + 1}-{shown.stop} of {len(self.projects)} ←→"

    def totals_text(self, totals: Mapping[str, Mapping[str, int]]) -> str:
        """Per visible project: how many cases are affected (!) and how many are settled (✓), under its column, after
        a legend that says so."""
        room = ID_WIDTH + self.title_width() - 1
        legend = next((text for text in TOTALS_LEGENDS if len(text) <= room), TOTALS_LEGENDS[-1])
        parts = [fit(legend, room), " "]
        for column in self.visible_columns():
            counts = totals.get(self.projects[column], {})
            affected = sum(n for status, n in counts.items() if status in RANGE_STATUSES)
            settled = sum(n for status, n in counts.items() if status not in UNSETTLED)
            parts.append(fit(f"{affected}! {settled}✓", CELL_WIDTH))
        return "".join(parts)

    # ---- actions ----------------------------------------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        if self._count:
            self.row = max(0, min(self._count - 1, self.row + rows))
        if self.projects:
            self.column = max(0, min(len(self.projects) - 1, self.column + columns))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1), 0)

    def action_edge(self, direction: int) -> None:
        self.action_move(direction * self._count, 0)

    def action_edit_cell(self) -> None:
        row = self.current_row()
        if row is not None and self.projects:
            self.post_message(self.CellChosen(row.case.id, self.projects[self.column], row))

    def action_open_case(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.CaseChosen(row.case.id))
