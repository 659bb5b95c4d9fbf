"""Provides the inbox's filter modal: every filter field of `CaseFilter` on one form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from triage_tui.domain import CaseState, Disposition, Signature
from triage_tui.screens.dialog import Dialog
from triage_tui.screens.refusable import refusal_line, show_refusal
from triage_tui.store.queries import SEVERITY_BANDS, UNASSIGNED, CaseFilter


def _options(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class FilterModal(Dialog[CaseFilter | None]):
    """Sets the inbox filter field by field; enter applies, escape cancels, ctrl+r clears every field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel", tooltip="Close without changing the filter"),
        Binding("ctrl+s", "apply", "Apply", priority=True, id="filter.apply", tooltip="Show the filtered cases"),
        Binding("ctrl+r", "reset", "Clear all", priority=True, id="filter.reset", tooltip="Clear every field"),
    ]

    DEFAULT_CSS = """
    FilterModal > Vertical {
        width: 64; height: auto; border: round $accent; border-title-color: $accent; background: $surface;
        padding: 0 1;
    }
    FilterModal Grid { grid-size: 2; grid-columns: 16 1fr; grid-rows: 3; height: auto; }
    FilterModal Label { padding: 1 0 0 0; }
    FilterModal #filter-hint { color: $text-muted; padding: 0 0 0 0; }
    """

    def __init__(self, case_filter: CaseFilter, projects: Sequence[str]) -> None:
        super().__init__(id="filter")
        self.case_filter = case_filter
        self.projects = projects

    def _select(self, name: str, values: Sequence[str]) -> Select[str]:
        current = getattr(self.case_filter, name)
        choices = list(values) if current is None or current in values else [*values, current]
        return Select(
            _options(choices), prompt="any", value=current if current is not None else Select.NULL, id=f"f-{name}"
        )

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Filter the inbox"
            with Grid():
                yield Label("state")
                yield self._select("state", [s.value for s in CaseState])
                yield Label("disposition")
                yield self._select("disposition", [d.value for d in Disposition])
                yield Label("project")
                yield self._select("project", self.projects)
                yield Label("severity")
                yield self._select("severity", SEVERITY_BANDS)
                yield Label("assignee")
                yield Input(
                    value=self.case_filter.assignee or "",
                    placeholder=f"anyone; {UNASSIGNED} for unassigned",
                    id="f-assignee",
                )
                yield Label("signature")
                yield self._select("signature", [s.value for s in Signature])
                yield Label("embargo due ≤")
                days = self.case_filter.embargo_due_days
                yield Input(value="" if days is None else str(days), placeholder="days", type="integer", id="f-embargo")
            yield refusal_line()
            yield Static(Content("ctrl+s or enter applies · escape cancels · ctrl+r clears"), id="filter-hint")

    def on_mount(self) -> None:
        self.query_one("#f-state", Select).focus()

    def _value(self, name: str) -> str | None:
        value = self.query_one(f"#f-{name}", Select).value
        return value if isinstance(value, str) else None

    def chosen(self) -> CaseFilter:
        """The filter the fields describe (search and sort are kept from the inbox)."""
        assignee = self.query_one("#f-assignee", Input).value.strip() or None
        days_text = self.query_one("#f-embargo", Input).value.strip()
        return replace(
            self.case_filter,
            state=self._value("state"),
            disposition=self._value("disposition"),
            project=self._value("project"),
            severity=self._value("severity"),
            assignee=assignee,
            signature=self._value("signature"),
            embargo_due_days=int(days_text) if days_text.isdigit() else None,
        )

    def action_apply(self) -> None:
        days = self.query_one("#f-embargo", Input).value.strip()
        if days and not days.isdigit():
            # Read as "no limit", the filter would show more than was asked for.
            show_refusal(self, f"embargo due ≤: a whole number of days, not {days!r}")
            return
        self.dismiss(self.chosen())

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_reset(self) -> None:
        for select in self.query(Select):
            select.clear()
        for field_input in self.query(Input):
            field_input.value = ""
