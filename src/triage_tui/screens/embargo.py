"""Provides the embargo modal: the embargo end typed in UTC, with quick ends, a live countdown and policy warnings.

The time is typed as `YYYY-MM-DD HH:MM` and always read as UTC. The modal opens on the list of quick ends: w +7d,
f +14d, m +30d, q +90d from now (or enter on one) fill the field and put its cursor at its end; a digit typed there
starts typing an end in the field. In the field every key types (letters too: the line under it says it is not a
time); tab goes back to the quick ends. Enter in the field returns the end to store (an empty field: "clear the
embargo"), delete or ctrl+d on the quick ends returns "clear the embargo", escape leaves (asking first if the end
was changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.screens.decisions import Decision, submit
from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import refusal_line, show_refusal
from triage_tui.services.embargo_policy import (
    TIME_FORMAT,
    countdown,
    embargo_horizon_problem,
    embargo_lint,
    parse_utc,
)
from triage_tui.widgets.footer import KeysFooter

QUICK_DAYS = {"w": 7, "f": 14, "m": 30, "q": 90}
"""Quick keys: a week, a fortnight, a month, a quarter from now."""


class QuickEnds(OptionList):
    """The quick ends from now; a letter picks one (the modal's bindings), a digit starts typing in the field."""


@dataclass(frozen=True)
class EmbargoChoice:
    """What the modal asks to store: the embargo end (aware, UTC), or None to clear it."""

    until: datetime | None


def format_utc(moment: datetime) -> str:
    """An aware time as typed in the modal: `2026-03-28 09:30` in UTC."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def embargo_summary(until: datetime | None, now: datetime) -> Content:
    """The embargo end and countdown for headers: "2026-03-28 09:30 UTC (14d 0h)"; overdue in the error colour."""
    if until is None:
        return Content.styled("none", "$text-muted")
    left = countdown(until, now)
    style = "bold $error" if left.startswith("overdue") or left == "due now" else "bold"
    return Content.assemble(f"{format_utc(until)} UTC ", (f"({left})", style))


class EmbargoModal(Dialog[EmbargoChoice | None]):
    """Set or clear one case's embargo end."""

    DEFAULT_CSS = """
    EmbargoModal > #embargo-dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
        border-title-style: bold;
    }
    EmbargoModal #embargo-row { height: 1; margin: 1 0; }
    EmbargoModal #embargo-row Label { padding: 0 1 0 0; text-style: bold; }
    EmbargoModal #embargo-until { width: 24; }
    EmbargoModal #embargo-status { height: auto; padding: 0 0 1 0; }
    EmbargoModal #embargo-quick { height: 4; border: none; padding: 0; }
    EmbargoModal #embargo-hint { color: $text-muted; padding: 1 0 0 0; }
    """

    WHAT = "the embargo end typed here"
    BINDINGS: ClassVar[list[BindingType]] = [
        LEAVE,
        # Not priority bindings: in the field, delete and ctrl+d edit and letters type.
        Binding("delete,ctrl+d", "clear", "Clear", id="embargo.clear", tooltip="Remove the embargo end"),
        *(
            Binding(key, f"quick({days})", f"+{days}d", id=f"embargo.plus_{days}d", tooltip=f"{days} days from now")
            for key, days in QUICK_DAYS.items()
        ),
    ]

    def __init__(
        self,
        case_id: str,
        until: datetime | None,
        received_at: datetime,
        clock: Callable[[], datetime],
        *,
        decision: Decision[EmbargoChoice] | None = None,
    ) -> None:
        """Open the modal on a case's embargo.

        Args:
            case_id: The case (shown in the title).
            until: The stored embargo end, if any (aware).
            received_at: When the report was received; the 90-day target counts from it.
            clock: What "now" is.
            decision: How the choice is stored before the modal closes (a refusal keeps it open); without one,
                the modal closes with the choice.
        """
        super().__init__(id="embargo")
        self.decision = decision
        self.case_id = case_id
        self.stored = until
        self.received_at = received_at
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(id="embargo-dialog") as dialog:
            dialog.border_title = f"Embargo end — {self.case_id}"
            with Horizontal(id="embargo-row"):
                yield Label("Ends (UTC)")
                yield Input(
                    value=self.initial,
                    placeholder="YYYY-MM-DD HH:MM",
                    max_length=16,
                    compact=True,
                    select_on_focus=False,  # the cursor goes to the end of what a quick end filled in, to edit it
                    id="embargo-until",
                )
            yield Static(id="embargo-status")
            yield refusal_line()
            yield QuickEnds(
                *(Option(Content(f"{key}  +{days} days from now"), id=str(days)) for key, days in QUICK_DAYS.items()),
                id="embargo-quick",
            )
            yield Static(
                Content(
                    "on the list: w f m q or enter pick an end, a digit or tab types one, delete clears · "
                    f"in the field: enter saves (empty: clears) · {ESCAPE_HINT}"
                ),
                id="embargo-hint",
            )
        yield KeysFooter()

    @property
    def initial(self) -> str:
        """The field's text as the modal opens: the stored end, or nothing."""
        return format_utc(self.stored) if self.stored else ""

    def on_mount(self) -> None:
        self.query_one(QuickEnds).focus()
        self._show(self.query_one(Input).value)

    def _show(self, text: str) -> None:
        self.query_one("#embargo-status", Static).update(self.status(text))

    def status(self, text: str) -> Content:
        """The lines under the input for `text`: the countdown and each policy warning, or why it is not a time."""
        now = self.clock()
        received = Content.styled(f"received {format_utc(self.received_at)} UTC", "$text-muted")
        if not text.strip():
            return Content("\n").join([Content.styled("no embargo end", "$text-muted"), received])
        try:
            until = parse_utc(text)
        except ValueError as error:
            return Content("\n").join([Content.styled(str(error), "$error"), received])
        refusal = embargo_horizon_problem(until, now, self.received_at)  # the service refuses it too; said before enter
        if refusal is not None:
            return Content("\n").join([Content.styled(refusal, "$error"), received])
        lines = [Content.assemble(("countdown ", "$text-muted"), embargo_summary(until, now), "  ", received)]
        lints = embargo_lint(until, now, received_at=self.received_at)
        lines += [Content.styled(f"⚠ {lint.message}", "bold $warning") for lint in lints]
        if not lints:
            lines.append(Content.styled("✓ within policy", "$success"))
        return Content("\n").join(lines)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.action_clear()
            return
        try:
            until = parse_utc(event.value)
        except ValueError as error:
            show_refusal(self, str(error))
            return
        refusal = embargo_horizon_problem(until, self.clock(), self.received_at)
        if refusal is not None:
            show_refusal(self, refusal)
            return
        if self.stored is not None and until == self.stored.astimezone(UTC):
            self.dismiss(None)
            return
        submit(self, self.decision, EmbargoChoice(until))

    @on(OptionList.OptionSelected, "#embargo-quick")
    def _quick_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_quick(int(event.option.id or "0"))

    def on_key(self, event: events.Key) -> None:
        # A digit typed on the quick ends starts typing an end: the field takes it (and the keys after it).
        if self.focused is self.query_one(QuickEnds) and event.character is not None and event.character.isdigit():
            event.stop()
            self._fill(event.character)

    def _fill(self, text: str) -> None:
        """Put `text` in the field and focus it with the cursor at its end, where the next key edits."""
        field = self.query_one(Input)
        field.value = text
        field.focus()
        field.cursor_position = len(text)

    def action_quick(self, days: int) -> None:
        # Whole minutes, so "+14d" is exactly 14 days as typed and shown, never a few seconds over.
        start = self.clock().astimezone(UTC).replace(second=0, microsecond=0)
        self._fill(format_utc(start + timedelta(days=days)))

    def action_clear(self) -> None:
        if self.stored is None:
            self.dismiss(None)
        else:
            submit(self, self.decision, EmbargoChoice(None))

    def changed(self) -> bool:
        return self.query_one(Input).value.strip() != self.initial
