"""Provides `Dialog`, the base of every modal: centred on the screen, with the look of its box, title, hint and
refusal line declared once here, so each dialog only declares its content; the one meaning of escape, and the yes/no
questions it asks through (here, not in `questions`, which builds on `Dialog`: escape's question would tie the two).

Escape in a dialog: escape LEAVES the dialog without doing anything. If something was typed or changed in it (what
`Dialog.changed` says), the dialog first asks "Discard …?" and only a deliberate y discards it; n, escape or a
stray enter go back to the dialog with everything as it was. No dialog saves on escape, and none throws typed work
away without asking. Each dialog says so in its hint with `ESCAPE_HINT` (or its footer shows the `leave` binding).

A dialog follows the rule by listing `LEAVE` in its BINDINGS (escape runs `Dialog.action_leave`) and overriding
`changed` (and `WHAT` for the question); a dialog with its own escape action calls `close_unless_typed`
from it.
Yes/no questions are the exception that proves the rule: there escape answers no, which also changes nothing. Full
screens that keep their work as a saved draft (the advisory editor) are not dialogs: escape goes back and the draft
stays, so nothing typed is lost there either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from triage_tui.screens.refusable import REFUSAL_CSS, attempting
from triage_tui.widgets.safe_text import safe_line

ResultT = TypeVar("ResultT")

ESCAPE_HINT = "escape leave (asks before discarding changes)"
"""How every dialog's hint names escape."""
LEAVE = Binding(
    "escape", "leave", "Leave", id="dialog.leave", tooltip="Close; asks first if something was typed or changed"
)
"""The escape binding of every dialog that follows the rule (each lists it in its BINDINGS)."""


class Dialog(ModalScreen[ResultT]):
    """A modal over the screen it was opened from. Its content sits in a box of class `action-dialog` (or in a box
    the dialog styles itself), with an `action-title` line on top and an `action-hint` line at the bottom."""

    DEFAULT_CSS = f"""
    Dialog {{ align: center middle; }}
    Dialog .action-dialog {{
        width: 76; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }}
    Dialog .action-title {{ text-style: bold; padding: 0 0 1 0; }}
    Dialog .action-hint {{ color: $text-muted; padding: 1 0 0 0; }}
    Dialog .action-dialog OptionList {{ height: auto; max-height: 16; }}
    Dialog .action-dialog Input {{ margin: 0 0 1 0; }}
    Dialog .action-dialog TextArea {{ height: 10; }}
    Dialog {REFUSAL_CSS}
    """

    WHAT: ClassVar[str] = "what was typed here"
    """What `changed` means, as the discard question names it."""

    def changed(self) -> bool:
        """Whether the dialog holds something the user typed or changed (escape asks before discarding it)."""
        return False

    def action_leave(self) -> None:
        """Leave without doing anything, asking first if something was typed or changed."""
        close_unless_typed(self, self.changed(), self.WHAT)


class ConfirmModal(Dialog[bool]):
    """A yes/no question; y or enter confirms, n or escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="modal.yes", tooltip="Confirm"),
        Binding("n,escape", "answer(False)", "No", id="modal.no", tooltip="Decline"),
    ]

    def __init__(self, question: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._question = question

    HINT = "y / enter: yes · n / escape: no"

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._question), classes="action-title")
            yield Static(Content(self.HINT), classes="action-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DeliberateConfirmModal(ConfirmModal):
    """A yes/no question where only y says yes: for what cannot be taken back (an embargoed advisory on disk), so a
    stray enter from the dialog before declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="modal.yes", tooltip="Confirm"),
        Binding("n,escape,enter", "answer(False)", "No", id="modal.no", tooltip="Decline"),
    ]
    HINT = "y: yes · n / escape / enter: no"


def close_unless_typed(dialog: Dialog[ResultT], typed: bool, what: str) -> None:
    """Close `dialog` with nothing; if it holds text the user typed, ask first (only y discards it, so the escape
    that opened the question, a second one or a stray enter keep editing)."""
    if attempting(dialog):
        return  # what was typed is being stored: the dialog closes when that is done
    discard_unless_typed(dialog, typed, f"Discard {what}? Nothing of it is kept.", lambda: dialog.dismiss(None))


def discard_unless_typed(node: DOMNode, typed: bool, question: str, discard: Callable[[], object]) -> None:
    """Call `discard` (which throws away what the user typed) at once if nothing was typed, else only after a
    deliberate y to `question`: n, escape or a stray enter keep the text as it is."""
    if not typed:
        discard()
        return

    def answered(yes: bool | None) -> None:
        if yes:
            discard()

    node.app.push_screen(DeliberateConfirmModal(question), answered)


ASKING = "asking"
"""The worker group of decision flows while they wait for a dialog's answer (tests wait for every other worker)."""
