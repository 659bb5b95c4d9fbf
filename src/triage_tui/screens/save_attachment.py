"""Provides the modal that saves one of a case's attachments to a file the user names; nothing is ever opened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import perform_then_close, refusal_line
from triage_tui.services.attachments import suggested_path
from triage_tui.store.queries import AttachmentInfo
from triage_tui.widgets.safe_text import safe_line


@dataclass(frozen=True)
class SaveRequest:
    """Which attachment to write where."""

    attachment_id: int
    destination: Path


class SaveAttachmentModal(Dialog[SaveRequest | None]):
    """Pick an attachment, confirm the path (a plain name in the current folder by default), enter saves."""

    DEFAULT_CSS = """
    SaveAttachmentModal > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SaveAttachmentModal OptionList { height: auto; max-height: 12; }
    SaveAttachmentModal .hint { color: $text-muted; width: 100%; }
    """

    WHAT = "the path typed here"
    BINDINGS: ClassVar[list[BindingType]] = [LEAVE]

    def __init__(
        self,
        attachments: list[AttachmentInfo],
        folder: Path,
        *,
        save: Callable[[SaveRequest], str] | None = None,
    ) -> None:
        """Offer `attachments`, suggesting names in `folder`; `save` (run in a worker, returning what to tell the
        user or raising `Refused`) writes before the modal closes, so a refused path stays on screen to fix."""
        super().__init__()
        self.attachments = attachments
        self.folder = folder
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "save attachment — written with mode 0600, never opened"
            yield OptionList(
                *(
                    Option(Content.assemble(safe_line(a.filename), f"  {a.size} B  sha256 {a.sha256[:16]}"), id=str(i))
                    for i, a in enumerate(self.attachments)
                ),
                id="attachments",
            )
            yield Input(str(suggested_path(self.folder, self.attachments[0].filename)), id="path")
            yield refusal_line()
            yield Label(f"enter save · {ESCAPE_HINT} · an existing file is never replaced", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(OptionList.OptionHighlighted)
    def _suggest(self, event: OptionList.OptionHighlighted) -> None:
        chosen = self.attachments[event.option_index]
        self.query_one("#path", Input).value = str(suggested_path(self.folder, chosen.filename))

    def changed(self) -> bool:
        # A suggested name is not the user's work; a path they typed is.
        typed = self.query_one("#path", Input).value.strip()
        return typed not in {str(suggested_path(self.folder, a.filename)) for a in self.attachments}

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def _save(self, event: Input.Submitted) -> None:
        index = self.query_one("#attachments", OptionList).highlighted or 0
        if event.value.strip():
            request = SaveRequest(self.attachments[index].id, Path(event.value.strip()).expanduser())
            perform_then_close(self, request, self.save, title="Save")
