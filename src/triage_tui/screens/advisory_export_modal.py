"""Provides the modal that exports a case's advisory: one format or all of them, to a folder the user names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from triage_tui.advisories.format_names import FORMATS, TITLES
from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import refusal_line, show_refusal
from triage_tui.widgets.safe_text import safe_line

ALL = "all"


@dataclass(frozen=True)
class AdvisoryExportRequest:
    """Which formats to write, into which folder."""

    formats: tuple[str, ...]
    """Empty for "every format" (which ones depends on the draft: see `exportable_formats`)."""
    folder: Path


class AdvisoryExportModal(Dialog[AdvisoryExportRequest | None]):
    """A format (or all) and a folder (the current one by default); enter exports, escape leaves (asking first when
    the format or the folder was changed)."""

    WHAT = "the format and folder chosen here"
    BINDINGS: ClassVar[list[BindingType]] = [LEAVE]

    def __init__(self, case_id: str, current: str, folder: Path, embargo: str = "", refusal: str = "") -> None:
        """Ask for a format (`current` first: a format or "all") and a folder; `refusal` says why the last export
        to them was refused (the modal is opened again on what was typed, so nothing typed is lost)."""
        super().__init__()
        self._case_id = case_id
        self._current = current
        self._folder = folder
        self._embargo = embargo
        self._refusal = refusal

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(f"Export the advisory of {self._case_id}"), classes="action-title")
            if self._embargo:
                yield Static(safe_line(self._embargo), classes="embargo-warning")
            yield Label("format")
            yield Select(
                [(f"{TITLES[f]} ({f})", f) for f in FORMATS] + [("every format", ALL)],
                value=self._current,
                allow_blank=False,
                compact=True,
                id="format",
            )
            yield Label("folder (files are named after the case; an existing file is never replaced)")
            yield Input(str(self._folder), id="folder")
            yield refusal_line()
            yield Static(Content(f"enter export · {ESCAPE_HINT}"), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()
        if self._refusal:
            show_refusal(self, self._refusal)

    @on(Input.Submitted, "#folder")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        chosen = str(self.query_one("#format", Select).value)
        formats = () if chosen == ALL else (chosen,)
        self.dismiss(AdvisoryExportRequest(tuple(formats), Path(event.value.strip()).expanduser()))

    def changed(self) -> bool:
        folder = self.query_one("#folder", Input).value.strip()
        return folder != str(self._folder) or self.query_one("#format", Select).value != self._current
