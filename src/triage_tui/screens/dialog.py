"""Provides `Dialog`, the base of every modal: centred on the screen, with the look of its box, title, hint and
refusal line declared once here, so each dialog only declares its content."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from triage_tui.screens.refusable import REFUSAL_CSS

ResultT = TypeVar("ResultT")


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


ASKING = "asking"
"""The worker group of decision flows while they wait for a dialog's answer (tests wait for every other worker)."""
