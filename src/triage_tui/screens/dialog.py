"""Provides `Dialog`, the base of every modal: centred on the screen, with the look of its box, title, hint and
refusal line declared once here, so each dialog only declares its content; and the one meaning of escape.

Escape in a dialog: escape LEAVES the dialog without doing anything. If something was typed or changed in it (what
`Dialog.changed` says), the dialog first asks "Discard …?" and only a deliberate y discards it; n, escape or a
stray enter go back to the dialog with everything as it was. No dialog saves on escape, and none throws typed work
away without asking. Each dialog says so in its hint with `ESCAPE_HINT` (or its footer shows the `leave` binding).

A dialog follows the rule by listing `LEAVE` in its BINDINGS (escape runs `Dialog.action_leave`) and overriding
`changed` (and `WHAT` for the question); a dialog with its own escape action calls `questions.close_unless_typed`
from it.
Yes/no questions are the exception that proves the rule: there escape answers no, which also changes nothing. Full
screens that keep their work as a saved draft (the advisory editor) are not dialogs: escape goes back and the draft
stays, so nothing typed is lost there either.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

from triage_tui.screens.refusable import REFUSAL_CSS

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
        from triage_tui.screens.questions import close_unless_typed

        close_unless_typed(self, self.changed(), self.WHAT)


ASKING = "asking"
"""The worker group of decision flows while they wait for a dialog's answer (tests wait for every other worker)."""
