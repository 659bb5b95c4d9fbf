"""Provides the modal that exports the impact matrix to a file the user names, in Markdown, CSV or JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from triage_tui.screens.dialog import Dialog
from triage_tui.screens.refusable import perform_then_close, refusal_line
from triage_tui.services.matrix_export import FORMATS

EXTENSIONS = {"markdown": ".md", "csv": ".csv", "json": ".json"}
DEFAULT_STEM = "impact-matrix"


@dataclass(frozen=True)
class ExportRequest:
    """Which format to write where."""

    fmt: str
    destination: Path


class MatrixExportModal(Dialog[ExportRequest | None]):
    """A format and a file name (in the current folder by default); enter exports, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without exporting"),
    ]

    def __init__(self, folder: Path, *, export: Callable[[ExportRequest], str] | None = None) -> None:
        """Suggest a file in `folder`; `export` (run in a worker, returning what to tell the user or raising
        `Refused`) writes before the modal closes, so a refused name stays on screen to change."""
        super().__init__()
        self._folder = folder
        self._export = export

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(Content("Export the impact matrix (every row of the filter)"), classes="action-title")
            yield Label("format")
            yield Select([(f, f) for f in FORMATS], value="markdown", allow_blank=False, compact=True, id="format")
            yield Label("file (a new one: an existing file is never replaced)")
            yield Input(str(self._folder / f"{DEFAULT_STEM}.md"), id="path")
            yield refusal_line()
            yield Static(Content("enter export · escape cancel"), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        current = Path(path.value)
        if current.stem == DEFAULT_STEM and current.suffix in EXTENSIONS.values():
            path.value = str(current.with_suffix(EXTENSIONS[str(event.value)]))

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            fmt = str(self.query_one("#format", Select).value)
            perform_then_close(
                self, ExportRequest(fmt, Path(event.value.strip())), self._export, title="Matrix exported"
            )

    def action_cancel(self) -> None:
        self.dismiss(None)
