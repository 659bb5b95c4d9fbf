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
from textual.widgets import Checkbox, Input, Label, Select, Static

from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import perform_then_close, refusal_line
from triage_tui.services.matrix_export import FORMATS

EXTENSIONS = {"markdown": ".md", "csv": ".csv", "json": ".json"}
DEFAULT_STEM = "impact-matrix"


@dataclass(frozen=True)
class ExportRequest:
    """Which format to write where."""

    fmt: str
    destination: Path
    every_case: bool = False
    """Whether spam and cases closed as invalid are exported too (left out by default)."""


class MatrixExportModal(Dialog[ExportRequest | None]):
    """A format, a file name (in the workspace's exports folder by default) and whether to include spam and invalid
    cases; enter exports, escape leaves (asking first when the file, format or choice was changed)."""

    WHAT = "the changed export settings"

    BINDINGS: ClassVar[list[BindingType]] = [
        LEAVE,
        Binding(
            "ctrl+l",
            "every_case",
            "Include spam",
            id="matrix_export.every_case",
            tooltip="Include (or leave out) spam and cases closed as invalid",
        ),
    ]
    DEFAULT_CSS = """
    MatrixExportModal .action-dialog Checkbox { margin: 0; border: none; padding: 0; }
    """

    def __init__(self, folder: Path, *, export: Callable[[ExportRequest], str] | None = None) -> None:
        """Suggest a file in `folder`; `export` (run in a worker, returning what to tell the user or raising
        `Refused`) writes before the modal closes, so a refused name stays on screen to change."""
        super().__init__()
        self._folder = folder
        self._export = export

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(Content("Export the impact matrix (the rows of the filter)"), classes="action-title")
            yield Label("format")
            yield Select([(f, f) for f in FORMATS], value="markdown", allow_blank=False, compact=True, id="format")
            yield Label("file (a new one: an existing file is never replaced)")
            yield Input(str(self._folder / f"{DEFAULT_STEM}.md"), id="path")
            yield Checkbox("include spam and cases closed as invalid", False, compact=True, id="every-case")
            yield refusal_line()
            yield Static(Content(f"enter export · ctrl+l spam and invalid too · {ESCAPE_HINT}"), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        current = Path(path.value)
        if current.stem == DEFAULT_STEM and current.suffix in EXTENSIONS.values():
            path.value = str(current.with_suffix(EXTENSIONS[str(event.value)]))

    def action_every_case(self) -> None:
        box = self.query_one("#every-case", Checkbox)
        box.value = not box.value

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            fmt = str(self.query_one("#format", Select).value)
            every_case = self.query_one("#every-case", Checkbox).value
            request = ExportRequest(fmt, Path(event.value.strip()).expanduser(), every_case)
            perform_then_close(self, request, self._export, title="Matrix exported")

    def changed(self) -> bool:
        suggested = str(self._folder / f"{DEFAULT_STEM}.md")
        return (
            self.query_one("#path", Input).value != suggested
            or self.query_one("#format", Select).value != "markdown"
            or self.query_one("#every-case", Checkbox).value
        )
