"""Provides the impact cell editor: status, affected ranges (PEP 440), fixed version, VEX justification and notes,
checked against the cell's rules before it closes."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static, TextArea

from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import RANGES_SEPARATOR, ImpactCell, ImpactError, mark, osv_events, parse_ranges
from triage_tui.impact_words import check_new_cell, events_in_words
from triage_tui.screens.decisions import Decision, submit
from triage_tui.screens.dialog import ESCAPE_HINT, Dialog
from triage_tui.screens.questions import DeliberateConfirmModal, close_unless_typed
from triage_tui.screens.refusable import refusal_line
from triage_tui.widgets.safe_text import safe_line


def sentence(rule: str) -> str:
    """A broken rule as the editor says it: capitalised, with a full stop ("The fixed version ... range.")."""
    text = rule.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def link_question(case_id: str, project: str, shared: bool) -> str:
    """What saving a cell of a project not linked to the case does, asked before it is done."""
    sharing = (
        f"the case is shared with {project}'s maintainers: they receive its reports, notes and decisions from now on"
        if shared
        else f"the case is shared with {project} (with its maintainers too once team sync is on)"
    )
    return f"{project} is not linked to {case_id}. Saving this cell links it, and {sharing}. Link {project} and save?"


class ImpactEditor(Dialog[ImpactCell | None]):
    """One cell of the matrix; ctrl+s checks and saves, escape cancels (asking first when something was changed). A
    rule the cell breaks is said in place."""

    # A label beside each field, one row each, so the whole editor fits an 80x24 terminal.
    DEFAULT_CSS = """
    ImpactEditor .impact-row { height: 1; }
    ImpactEditor .impact-row.notes-row { height: 3; }
    ImpactEditor .impact-row Label { width: 22; color: $text-muted; }
    ImpactEditor .impact-row > Input, ImpactEditor .impact-row > Select { width: 1fr; }
    ImpactEditor .action-dialog #impact-notes { height: 3; width: 1fr; }
    ImpactEditor #impact-error { color: $error; }
    ImpactEditor #impact-events, ImpactEditor #impact-last-set { color: $text-muted; }
    ImpactEditor .action-dialog Input { margin: 0; }
    ImpactEditor .action-dialog .action-title { padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="modal.save", tooltip="Check the cell and save it"),
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        case_id: str,
        project: str,
        cell: ImpactCell,
        *,
        last_set: str = "",
        decision: Decision[ImpactCell] | None = None,
        linked: bool = True,
        shared: bool = False,
        id: str | None = None,  # noqa: A002
    ) -> None:
        """`linked`: whether the project is linked to the case already (if not, saving links it, after a yes);
        `shared`: whether team sync is on, so linking shares the case with the project's maintainers."""
        super().__init__(id=id)
        self._linked = linked
        self._shared = shared
        self._decision = decision
        self._case_id = case_id
        self._project = project
        self._cell = cell
        self._last_set = last_set or "never set: unknown means nobody has checked"
        self._opened_with: tuple[object, ...] = ()
        """The fields as the editor filled them (before the user changed anything)."""

    def compose(self) -> ComposeResult:
        cell = self._cell
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(f"{self._project} for {self._case_id}"), classes="action-title")
            yield Static(safe_line(self._last_set), id="impact-last-set")
            with Horizontal(classes="impact-row"):
                yield Label("status")
                yield Select(
                    [(mark(status), status) for status in ImpactStatus],
                    value=cell.status,
                    allow_blank=False,
                    compact=True,
                    id="status",
                )
            with Horizontal(classes="impact-row"):
                yield Label("affected ranges (';')")
                yield Input(
                    f"{RANGES_SEPARATOR} ".join(cell.ranges),
                    placeholder=">=20.0,<24.1; >=25.0,<25.0.2 (PEP 440)",
                    compact=True,
                    id="ranges",
                )
            with Horizontal(classes="impact-row"):
                yield Label("fixed version")
                yield Input(cell.fixed_version or "", placeholder="24.1", compact=True, id="fixed")
            with Horizontal(classes="impact-row"):
                yield Label("not affected because")
                yield Select(
                    [(j.value.replace("_", " "), j) for j in VexJustification],
                    value=cell.justification if cell.justification else Select.NULL,
                    prompt="(only for not-affected)",
                    compact=True,
                    id="justification",
                )
            with Horizontal(classes="impact-row notes-row"):
                yield Label("notes")
                yield TextArea(cell.notes, id="impact-notes", soft_wrap=True, compact=True)
            yield Static(Content(""), id="impact-events")
            yield Static(Content(""), id="impact-error")
            yield refusal_line()
            yield Static(Content(f"ctrl+s save · tab next field · {ESCAPE_HINT}"), classes="action-hint")

    def on_mount(self) -> None:
        self._opened_with = self._fields()
        self.query_one("#status", Select).focus()
        self._check()

    def _fields(self) -> tuple[object, ...]:
        """Every field as it stands, typed text as typed (not the checked cell: a half-typed range is work too)."""
        return (
            self.query_one("#status", Select).value,
            self.query_one("#ranges", Input).value,
            self.query_one("#fixed", Input).value,
            self.query_one("#justification", Select).value,
            self.query_one("#impact-notes", TextArea).text,
        )

    def _typed(self) -> ImpactCell:
        justification = self.query_one("#justification", Select).value
        return ImpactCell(
            status=ImpactStatus(str(self.query_one("#status", Select).value)),
            ranges=parse_ranges(self.query_one("#ranges", Input).value),
            fixed_version=self.query_one("#fixed", Input).value,
            justification=VexJustification(justification) if isinstance(justification, str) else None,
            notes=self.query_one("#impact-notes", TextArea).text,
        )

    def _check(self) -> ImpactCell | None:
        """The typed cell if it keeps the rules (its OSV events shown), else None (the broken rule shown)."""
        try:
            cell = check_new_cell(self._typed())
        except ImpactError as broken:
            self.query_one("#impact-error", Static).update(safe_line(sentence(str(broken))))
            self.query_one("#impact-events", Static).update(Content(""))
            return None
        events = osv_events(cell)
        said = events_in_words(events) if events else "no affected versions"
        self.query_one("#impact-error", Static).update(Content(""))
        self.query_one("#impact-events", Static).update(safe_line(f"Versions: {said}."))
        return cell

    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self._check()

    def action_save(self) -> None:
        cell = self._check()
        if cell is None:
            return
        if cell == self._cell:
            self.dismiss(None)  # nothing changed: nothing to decide
            return
        if self._linked:
            submit(self, self._decision, cell)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                submit(self, self._decision, cell)

        # Saving a cell links the project, and linking shares the case: never without a deliberate yes.
        self.app.push_screen(
            DeliberateConfirmModal(link_question(self._case_id, self._project, self._shared)), answered
        )

    def action_cancel(self) -> None:
        close_unless_typed(self, self._fields() != self._opened_with, "the changes to this cell")
