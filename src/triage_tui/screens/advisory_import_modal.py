"""Provides the inbox's import dialog (`I`, "inbox: import advisories"): a file or folder of advisories imported in a
worker thread with a progress bar, then a summary in words; refused files are named and never stop the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, ProgressBar, Static
from textual.worker import Worker

from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.refusable import refusal_line, show_refusal
from triage_tui.screens.threads import in_thread
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.safe_text import safe_line

if TYPE_CHECKING:
    from triage_tui.services.advisory_records import ImportResult

ImportFiles = Callable[[Sequence[Path], Callable[[int, int], None]], "list[ImportResult]"]
"""Stores advisory files, calling `progress(done, total)` as it goes (the service, bound to the workspace)."""
REASONS_SHOWN = 3
"""Refusal reasons the summary names (each with its first file); the command line lists them all."""


@dataclass(frozen=True)
class ImportDone:
    """What an import did: the path imported, each file's result, and how many other files the folders held."""

    path: Path
    results: tuple[ImportResult, ...]
    skipped: int

    @property
    def new_cases(self) -> int:
        """How many cases the import created."""
        return sum(1 for result in self.results if result.new_case)


def summary_words(done: ImportDone) -> list[str]:
    """The summary in words: imported (with the new cases), updated, unchanged, refused, then the first reasons."""
    from triage_tui.untrusted import neutralise_line

    counts = {outcome: 0 for outcome in ("imported", "updated", "unchanged", "refused")}
    refused: dict[str, list[str]] = {}
    for result in done.results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        if result.outcome == "refused":
            reason = neutralise_line(result.message.removeprefix("not imported: "))
            refused.setdefault(reason, []).append(neutralise_line(result.path.name))
    new = done.new_cases
    lines = [
        f"{counts['imported']} imported ({new} new case{'s' * (new != 1)}), {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['refused']} refused"
    ]
    if done.skipped:
        lines.append(f"{done.skipped} other files in the folders skipped (not .json, .yaml or .yml, or a link)")
    ordered = sorted(refused.items(), key=lambda item: (-len(item[1]), item[0]))
    for reason, files in ordered[:REASONS_SHOWN]:
        more = f" and {len(files) - 1} more" if len(files) > 1 else ""
        lines.append(f"refused: {files[0]}{more}: {reason}")
    if len(ordered) > REASONS_SHOWN:
        lines.append(f"… and {len(ordered) - REASONS_SHOWN} other reasons (`triage-tui import` lists each file)")
    return lines


def run_import(import_files: ImportFiles, path: Path, progress: Callable[[int, int], None]) -> ImportDone:
    """Find the advisory files at `path` and import them (from a worker thread), reporting progress."""
    from triage_tui.services.import_paths import collect

    files, skipped = collect([path])
    progress(0, len(files))
    return ImportDone(path, tuple(import_files(files, progress)), skipped)


class AdvisoryImportModal(Dialog[ImportDone | None]):
    """A path (a file or a folder, `~` expanded); enter imports it in a worker with a progress bar and shows the
    summary; enter or escape then closes. Escape before that leaves (asking if the path was changed)."""

    WHAT = "the path typed here"
    BINDINGS: ClassVar[list[BindingType]] = [LEAVE]
    DEFAULT_CSS = """
    AdvisoryImportModal #import-progress { display: none; margin: 0 0 1 0; }
    AdvisoryImportModal #import-summary { display: none; height: auto; }
    """

    @dataclass
    class Progressed(Message):
        """The import moved on (a newer one replaces it if the dialog has not caught up)."""

        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AdvisoryImportModal.Progressed)

    def __init__(self, suggestion: Path, import_files: ImportFiles) -> None:
        """Suggest `suggestion`; `import_files(files, progress)` stores the files (run in a worker thread)."""
        super().__init__()
        self._suggestion = suggestion
        self._import_files = import_files
        self._importing = False
        self.done: ImportDone | None = None
        """What the import did, once it is over."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(
                Content("Import advisories (OSV as JSON or YAML, GitHub or CVE JSON 5)"), classes="action-title"
            )
            yield Label("file or folder (folders are searched for .json, .yaml and .yml files)")
            yield Input(str(self._suggestion), id="import-path")
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static(Content(""), id="import-summary")
            yield refusal_line()
            yield Static(Content(f"enter import · {ESCAPE_HINT}"), classes="action-hint", id="import-hint")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @on(Input.Submitted, "#import-path")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.done is not None:
            self.dismiss(self.done)
            return
        typed = event.value.strip()
        if not typed or self._importing:
            return
        path = Path(typed).expanduser()
        if not path.exists():
            show_refusal(self, f"{path} does not exist")
            return
        self._start(path)

    @work(exclusive=True, group="import")
    async def _start(self, path: Path) -> None:
        self._importing = True
        self.query_one(".dialog-refusal", Static).display = False
        self.query_one("#import-path", Input).disabled = True
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        self._hint("importing… the summary follows here (escape waits for it)")

        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        def job() -> ImportDone | str:
            try:
                return run_import(self._import_files, path, progress)
            except (OSError, ValueError) as error:  # the folder cannot be walked, or holds too many files
                return f"{path}: {error}"

        done = await in_thread(self, job, name="Importing advisories", group="import")
        self._importing = False
        if not isinstance(done, ImportDone):  # a failure in the store is reported by the worker handler
            bar.display = False
            self.query_one("#import-path", Input).disabled = False
            self.query_one("#import-path", Input).focus()
            self._hint(f"enter import · {ESCAPE_HINT}")
            if done is not None:
                show_refusal(self, done)
            return
        self.done = done
        total = len(done.results)
        bar.update(total=max(total, 1), progress=max(total, 1))
        summary = self.query_one("#import-summary", Static)
        summary.update(Content("\n").join(safe_line(line) for line in summary_words(done)))
        summary.display = True
        self._hint("enter or escape close")
        self.query_one("#import-path", Input).disabled = False
        self.query_one("#import-path", Input).focus()

    def _hint(self, text: str) -> None:
        self.query_one("#import-hint", Static).update(Content(text))

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def action_leave(self) -> None:
        if self._importing:
            self.notify("The import goes on; its summary shows here when it is done.", title="Import")
            return
        if self.done is not None:
            self.dismiss(self.done)
            return
        super().action_leave()

    def changed(self) -> bool:
        return self.query_one("#import-path", Input).value.strip() != str(self._suggestion)
