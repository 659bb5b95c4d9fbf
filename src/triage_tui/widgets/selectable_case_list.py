"""Provides the inbox's multi-selection: a case list with a marker column, `space` to select, and bulk actions.

With cases selected, `x` closes them all as spam (after a confirmation showing the count), `a` assigns them all and
`l` adds labels to them all, through `TriageService.bulk`; the refusals come back in one notification.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content

from triage_tui.screens.actions import ActionDone, Outcome, bulk_outcome, finish_action, parse_labels
from triage_tui.store.queries import CaseSummary
from triage_tui.widgets.case_list import CaseList, CaseListHeader

if TYPE_CHECKING:
    from triage_tui.services.triage import Event, TriageService

MARKER = "● "
MARKER_WIDTH = 2


class SelectableCaseListHeader(CaseListHeader):
    """The column headings, shifted right past the marker column."""

    def render(self) -> Content:
        return Content.assemble(" " * MARKER_WIDTH, super().render())


class SelectableCaseList(CaseList):
    """A case list whose rows can be selected for bulk actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_selected", "Select", id="inbox.select", tooltip="Select or unselect the case"),
        Binding("x", "bulk_close", "Close as spam", id="inbox.bulk_close", tooltip="Close every selected case as spam"),
        Binding("a", "bulk_assign", "Assign all", id="inbox.bulk_assign", tooltip="Assign every selected case"),
        Binding("l", "bulk_labels", "Label all", id="inbox.bulk_labels", tooltip="Add labels to every selected case"),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
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

    def clear_selection(self) -> None:
        """Unselect every case."""
        self.selected.clear()
        self.refresh()
        self.refresh_bindings()

    def _bulk(self, work_for: type[_Bulk], *args: str) -> None:
        from triage_tui.screens.actions import run_action

        ids = sorted(self.selected)
        database: Path = getattr(self.app, "database")  # noqa: B009
        run_action(self, ids, work_for(ids, database, *args), follow_up=self.clear_selection)

    def action_bulk_close(self) -> None:
        from triage_tui.screens.actions import ConfirmModal

        count = len(self.selected)

        def answered(yes: bool | None) -> None:
            if yes:
                self._bulk(_CloseAsSpam)

        noun = "case" if count == 1 else "cases"
        self.app.push_screen(ConfirmModal(f"Close {count} selected {noun} as spam?"), answered)

    def action_bulk_assign(self) -> None:
        from triage_tui.screens.actions import TextModal, team_suggestions

        config = getattr(self.app, "config", None)
        projects = list(config.projects) if config is not None else []

        def chosen(value: str | None) -> None:
            if value is not None:
                self._bulk(_Assign, value.strip())

        self.app.push_screen(
            TextModal(
                f"Assign {len(self.selected)} selected cases to…",
                "",
                "enter assign · down: teams · escape cancel",
                placeholder="a person, or team:<project>",
                suggestions=team_suggestions(projects),
            ),
            chosen,
        )

    def action_bulk_labels(self) -> None:
        from triage_tui.screens.actions import TextModal

        def chosen(value: str | None) -> None:
            if value is not None:
                self._bulk(_AddLabels, value)

        self.app.push_screen(
            TextModal(
                f"Add labels to {len(self.selected)} selected cases",
                "",
                "comma- or space-separated; added to each case's labels · enter save · escape cancel",
            ),
            chosen,
        )

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        finish_action(self, message)


class _Bulk:
    """A bulk action's work for the worker: each case through `TriageService.bulk`, refusals collected."""

    def __init__(self, case_ids: list[str], database: Path, *args: str) -> None:
        self.case_ids = case_ids
        self.database = database
        self.args = args

    def __call__(self, service: TriageService) -> Outcome:
        raise NotImplementedError


class _CloseAsSpam(_Bulk):
    def __call__(self, service: TriageService) -> Outcome:
        from triage_tui.domain import Disposition

        return bulk_outcome(service, self.case_ids, lambda s, c: s.close(c, Disposition.SPAM), "Closed as spam")


class _Assign(_Bulk):
    def __call__(self, service: TriageService) -> Outcome:
        assignee = self.args[0] or None
        done = f"Assigned {assignee} to" if assignee else "Unassigned"
        return bulk_outcome(service, self.case_ids, lambda s, c: s.assign(c, assignee), done)


class _AddLabels(_Bulk):
    def __call__(self, service: TriageService) -> Outcome:
        from triage_tui.store.connection import reader
        from triage_tui.store.duplicate_reads import case_extras

        added = parse_labels(self.args[0])

        def add(triage: TriageService, case_id: str) -> Event:
            with reader(self.database) as connection:
                extras = case_extras(connection, case_id)
            current = list(extras.labels) if extras else []
            return triage.set_labels(case_id, [*current, *added])

        return bulk_outcome(service, self.case_ids, add, f"Labelled {', '.join(added)} on")
