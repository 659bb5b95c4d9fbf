"""Provides the sync line above the footer: a background sync's progress, then its outcome for a few seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from triage_tui.widgets.safe_text import safe_template

if TYPE_CHECKING:
    # Only for types: services.sync imports SQLAlchemy, which the app must not load at start-up.
    from triage_tui.sync.jobs import SourceReport, SyncProgress

BAR_WIDTH = 20
"""Cells of the progress bar."""


@dataclass(frozen=True)
class SyncSnapshot:
    """One moment of a source's sync, copied out of the (mutable, thread-owned) `SyncProgress`."""

    source: str
    total: int = 0
    done: int = 0
    messages: int = 0
    new_cases: int = 0
    failures: int = 0
    rate: float = 0.0

    @classmethod
    def of(cls, progress: SyncProgress) -> SyncSnapshot:
        """Copy `progress` (called in the sync thread, so the UI never reads a value the thread is changing)."""
        return cls(
            source=progress.source,
            total=progress.total,
            done=progress.done,
            messages=progress.messages,
            new_cases=progress.new_cases,
            failures=progress.failures,
            rate=progress.rate,
        )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """A bar of full and light blocks, `done` of `total`."""
    filled = width if total <= 0 else min(width, done * width // total)
    return "█" * filled + "░" * (width - filled)


def progress_line(snapshot: SyncSnapshot) -> Content:
    """ "syncing demo-inbox ███░░ 120/500 · 85/s · 12 new cases"."""
    if not snapshot.total and not snapshot.done:
        return safe_template("[b]syncing[/b] $source: looking for new items…", source=snapshot.source)
    parts = [
        f"{snapshot.done}/{snapshot.total}",
        f"{snapshot.rate:.0f}/s",
        _plural(snapshot.new_cases, "new case"),
    ]
    if snapshot.failures:
        parts.append(f"{snapshot.failures} with problems")
    return safe_template(
        "[b]syncing[/b] $source [$accent]$bar[/] $parts",
        source=snapshot.source,
        bar=progress_bar(snapshot.done, snapshot.total),
        parts=" · ".join(parts),
    )


def finished_line(reports: list[SourceReport], *, cancelled: bool) -> Content:
    """ "synced: 690 messages, 500 new cases, 2 with problems" (or what a cancelled sync kept)."""
    messages = sum(r.messages for r in reports)
    new_cases = sum(r.new_cases for r in reports)
    failures = sum(r.failures for r in reports)
    failed = sum(1 for r in reports if not r.ok)
    summary = f"{_plural(messages, 'message')}, {_plural(new_cases, 'new case')}"
    if cancelled:
        return safe_template("[b]sync cancelled:[/b] $summary kept", summary=summary)
    if failures:
        summary += f", {failures} with problems"
    if failed:
        summary += f"; {failed} of {len(reports)} sources failed"
    waiting = [r.note for r in reports if r.note]
    if waiting:
        summary += "; " + "; ".join(waiting)
    return safe_template("[b]synced:[/b] $summary", summary=summary)


class SyncStatus(Static):
    """Shows the app's `sync_line`, and hides itself when there is none."""

    DEFAULT_CSS = """
    SyncStatus { height: 1; padding: 0 1; background: $boost; display: none; }
    SyncStatus.-active { display: block; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "sync_line", self._show)

    def _show(self, line: Content | None) -> None:
        self.set_class(line is not None, "-active")
        # Progress changes many times a second; only showing or hiding the line changes the layout.
        self.update(line if line is not None else Content(""), layout=False)
