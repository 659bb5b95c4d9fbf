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
from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import refusal_line, show_refusal
from triage_tui.store.queries import SEVERITY_BANDS, UNASSIGNED, CaseFilter


def _options(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


MAX_DUE_DAYS = 3650
"""The largest "embargo due within" the filter takes: ten years, as a view in the config may hold it (a larger number
overflows the date arithmetic)."""


class FieldSelect(Select[str], inherit_bindings=False):
    """A filter field's dropdown: space, up or down opens it; enter is left to the form, which applies the filter."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space,down,up", "show_overlay", "Show menu", show=False)]


class FilterModal(Dialog[CaseFilter | None]):
    """Sets the inbox filter field by field; enter (from any field) or ctrl+s applies, escape leaves (asking first
    when a field was changed), ctrl+r clears every field."""

    WHAT = "the filter fields changed here"
    BINDINGS: ClassVar[list[BindingType]] = [
        LEAVE,
        Binding("enter", "apply", "Apply", show=False, id="filter.apply_enter", tooltip="Show the filtered cases"),
        Binding("ctrl+s", "apply", "Apply", priority=True, id="filter.apply", tooltip="Show the filtered cases"),
        Binding("ctrl+r", "reset", "Clear all", priority=True, id="filter.reset", tooltip="Clear every field"),
    ]

    DEFAULT_CSS = """
    FilterModal > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
        border-title-color: $accent; background: $surface; padding: 0 1;
    }
    FilterModal Grid { grid-size: 2; grid-columns: 16 1fr; grid-rows: 1; grid-gutter: 1 0; height: auto; }
    FilterModal #filter-hint { color: $text-muted; padding: 1 0 0 0; }
    """

    def __init__(self, case_filter: CaseFilter, projects: Sequence[str]) -> None:
        super().__init__(id="filter")
        self.case_filter = case_filter
        self.projects = projects

    def _select(self, name: str, values: Sequence[str]) -> Select[str]:
        current = getattr(self.case_filter, name)
        choices = list(values) if current is None or current in values else [*values, current]
        return FieldSelect(
            _options(choices),
            prompt="any",
            value=current if current is not None else Select.NULL,
            compact=True,
            id=f"f-{name}",
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
                    compact=True,
                    id="f-assignee",
                )
                yield Label("signature")
                yield self._select("signature", [s.value for s in Signature])
                yield Label("embargo due ≤")
                days = self.case_filter.embargo_due_days
                yield Input(
                    value="" if days is None else str(days),
                    placeholder=f"days, 0 to {MAX_DUE_DAYS}",
                    restrict=r"[0-9]*",
                    max_length=len(str(MAX_DUE_DAYS)),
                    compact=True,
                    id="f-embargo",
                )
            yield refusal_line()
            yield Static(
                Content(f"enter or ctrl+s apply · space opens a list · ctrl+r clear · {ESCAPE_HINT}"), id="filter-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#f-state", Select).focus()

    def _value(self, name: str) -> str | None:
        value = self.query_one(f"#f-{name}", Select).value
        return value if isinstance(value, str) else None

    def _days(self) -> int | None:
        """The embargo-due days typed, or None for none; ValueError (worded for the user) if not 0 to the maximum."""
        text = self.query_one("#f-embargo", Input).value.strip()
        if not text:
            return None
        if not text.isdecimal() or not text.isascii() or int(text) > MAX_DUE_DAYS:
            # Read as "no limit", the filter would show more than was asked for; a huge number would overflow.
            raise ValueError(f"embargo due ≤ takes a whole number of days from 0 to {MAX_DUE_DAYS}, not {text}")
        return int(text)

    def chosen(self) -> CaseFilter:
        """The filter the fields describe (search and sort are kept from the inbox); ValueError if the days are not
        a number the filter takes."""
        assignee = self.query_one("#f-assignee", Input).value.strip() or None
        return replace(
            self.case_filter,
            state=self._value("state"),
            disposition=self._value("disposition"),
            project=self._value("project"),
            severity=self._value("severity"),
            assignee=assignee,
            signature=self._value("signature"),
            embargo_due_days=self._days(),
        )

    def changed(self) -> bool:
        try:
            return self.chosen() != self.case_filter
        except ValueError:
            return True  # something was typed that is not the filter in force

    def action_apply(self) -> None:
        try:
            chosen = self.chosen()
        except ValueError as error:
            show_refusal(self, str(error))
            return
        self.dismiss(chosen)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_reset(self) -> None:
        for select in self.query(Select):
            select.clear()
        for field_input in self.query(Input):
            field_input.value = ""
