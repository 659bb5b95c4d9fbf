"""Provides the inbox's multi-selection: a case list with a marker column, `space` to select, and bulk actions.

With cases selected, `x` (close them all as spam), `a` (assign them all) and `l` (add labels to them all) post
`BulkRequested`; the screen asks what is needed and applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message

from triage_tui.store.queries import CaseSummary
from triage_tui.widgets.case_list import CaseList, CaseListHeader, PageLoader

BulkAction = Literal["close", "assign", "labels"]
"""What a bulk action does to the selected cases: close them as spam, assign them, add labels to them."""

MARKER = "● "
MARKER_WIDTH = 2


class SelectableCaseListHeader(CaseListHeader):
    """The column headings, shifted right past the marker column."""

    INSET = MARKER_WIDTH

    def render(self) -> Content:
        return Content.assemble(" " * MARKER_WIDTH, super().render())


class SelectableCaseList(CaseList):
    """A case list whose rows can be selected for bulk actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_selected",
            "Select+next",
            id="inbox.select",
            tooltip="Select or unselect the case, then go down",
        ),
        Binding("x", "bulk_close", "Close as spam", id="inbox.bulk_close", tooltip="Close every selected case as spam"),
        Binding("a", "bulk_assign", "Assign all", id="inbox.bulk_assign", tooltip="Assign every selected case"),
        Binding("l", "bulk_labels", "Label all", id="inbox.bulk_labels", tooltip="Add labels to every selected case"),
    ]

    @dataclass
    class BulkRequested(Message):
        """The user asked for a bulk action on the selected cases."""

        case_list: SelectableCaseList
        action: BulkAction

        @property
        def control(self) -> SelectableCaseList:
            return self.case_list

    @dataclass
    class SelectionChanged(Message):
        """Cases were selected or unselected; `count` are selected now."""

        count: int

    def __init__(
        self,
        loader: PageLoader,
        *,
        clock: Callable[[], datetime] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(loader, clock=clock, id=id)
        self.selected: set[str] = set()
        """Ids of the selected cases (kept across re-reads and filters)."""

    def _row_segments(self, case: CaseSummary, width: int, base: Style) -> list[Segment]:
        row = super()._row_segments(case, max(0, width - MARKER_WIDTH), base)
        marker = MARKER if case.id in self.selected else " " * MARKER_WIDTH
        style = base + Style(bold=True, color="yellow") if case.id in self.selected else base
        return [Segment(marker[:width], style), *row]

    def _row_variant(self, case: CaseSummary) -> tuple[object, ...]:
        return (case.id in self.selected,)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("bulk_"):
            return bool(self.selected)
        return True

    def action_toggle_selected(self) -> None:
        case = self.current_case
        if case is None:
            return
        self.selected.symmetric_difference_update({case.id})
        self.cursor += 1
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.SelectionChanged(len(self.selected)))

    def clear_selection(self) -> None:
        """Unselect every case."""
        self.selected.clear()
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.SelectionChanged(0))

    def action_bulk_close(self) -> None:
        self.post_message(self.BulkRequested(self, "close"))

    def action_bulk_assign(self) -> None:
        self.post_message(self.BulkRequested(self, "assign"))

    def action_bulk_labels(self) -> None:
        self.post_message(self.BulkRequested(self, "labels"))
