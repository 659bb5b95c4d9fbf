"""Provides the small dialogs the triage actions ask through: pick an option, type a line or a note, answer yes/no."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from triage_tui.screens.decisions import Decision, submit
from triage_tui.screens.dialog import (  # the yes/no questions live with the dialog base that asks them
    ESCAPE_HINT,
    LEAVE,
    ConfirmModal,
    DeliberateConfirmModal,
    Dialog,
    close_unless_typed,
    discard_unless_typed,
)
from triage_tui.screens.refusable import refusal_line
from triage_tui.widgets.safe_text import clean_line, safe_line

__all__ = [
    "ChoiceModal",
    "ConfirmModal",
    "DeliberateConfirmModal",
    "NoteModal",
    "TextModal",
    "close_unless_typed",
    "discard_unless_typed",
    "hint_with_escape",
]
"""The yes/no questions and escape's helpers are defined in `dialog` and offered here too, where callers ask."""

ResultT = TypeVar("ResultT")


class ChoiceModal(Dialog[str | None]):
    """Pick one of a few options; enter chooses, escape leaves (nothing is typed here). Returns the option's id."""

    BINDINGS: ClassVar[list[BindingType]] = [LEAVE]
    # A long list scrolls, so the title and the hint stay on an 80x24 terminal.
    DEFAULT_CSS = "ChoiceModal #choices { max-height: 60vh; }"

    def __init__(self, title: str, options: Iterable[tuple[str, Content]], hint: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._title = title
        self._options = [Option(prompt, id=option_id) for option_id, prompt in options]
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._title), classes="action-title")
            yield OptionList(*self._options, id="choices")
            yield Static(Content(hint_with_escape(self._hint)), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TextModal(Dialog[str | None]):
    """One line of text (with optional suggestions below it); enter saves, escape leaves (asking first when the
    text was changed)."""

    WHAT = "the text typed here"
    # The suggestions scroll, so the refusal line and the hint stay on an 80x24 terminal (a workspace of ten projects).
    DEFAULT_CSS = "TextModal #suggestions { max-height: 30vh; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        LEAVE,
        Binding("down", "suggestions", "Suggestions", show=False, id="modal.suggestions", tooltip="Pick below"),
    ]

    def __init__(
        self,
        title: str,
        value: str,
        hint: str,
        *,
        placeholder: str = "",
        suggestions: Iterable[tuple[str, Content]] = (),
        decision: Decision[str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._decision = decision
        self._title = title
        self._value = clean_line(value)
        self._hint = hint
        self._placeholder = placeholder
        self._suggestions = [Option(prompt, id=option_id) for option_id, prompt in suggestions]

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._title), classes="action-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="text")
            yield refusal_line()
            if self._suggestions:
                yield OptionList(*self._suggestions, id="suggestions")
            yield Static(Content(hint_with_escape(self._hint)), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_suggestions(self) -> None:
        if self._suggestions:
            self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        submit(self, self._decision, event.value)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        submit(self, self._decision, event.option.id or "")

    def changed(self) -> bool:
        return self.query_one(Input).value.strip() != self._value.strip()


class NoteModal(Dialog[str | None]):
    """A multi-line note; ctrl+s saves, escape leaves (asking first when something was typed)."""

    WHAT = "the note typed here"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="modal.save", tooltip="Save the note"),
        LEAVE,
    ]

    def __init__(
        self,
        case_id: str,
        *,
        decision: Decision[str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._case_id = case_id
        self._decision = decision

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(f"Note on {self._case_id}"), classes="action-title")
            yield TextArea(id="note", soft_wrap=True)
            yield refusal_line()
            yield Static(Content(hint_with_escape("ctrl+s save")), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        submit(self, self._decision, self.query_one(TextArea).text)

    def changed(self) -> bool:
        return bool(self.query_one(TextArea).text.strip())


def hint_with_escape(hint: str) -> str:
    """`hint` (what enter and the other keys do) followed by what escape does, as every dialog says it."""
    return f"{hint} · {ESCAPE_HINT}" if hint else ESCAPE_HINT
