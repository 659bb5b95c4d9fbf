"""Provides `TriageApp`, the workstation: global keys, the command palette and the screens, wired to the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from triage_tui.commands import BindingCommands
from triage_tui.config import Config
from triage_tui.screens.help import HelpScreen, help_rows
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.reads import StoreReads
from triage_tui.widgets.safe_text import clean_block, clean_line


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TriageApp(App[None]):
    """The triage workstation: the inbox first, cases on top of it."""

    CSS_PATH = "app.tcss"
    TITLE = "triage-tui"
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave triage-tui"),
        Binding(
            "question_mark", "help", "Help", key_display="?", id="app.help", tooltip="List the keys of this screen"
        ),
    ]

    def __init__(
        self,
        database: Path,
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        title_suffix: str = "",
    ) -> None:
        """Build the app over an open store.

        Args:
            database: The store's file, already created and migrated (`prepare_database`).
            config: The workspace config, if there is one.
            clock: What "now" is; tests pass a frozen clock so ages do not change.
            title_suffix: Shown after the title, e.g. the workspace name.
        """
        super().__init__()
        self.database = database
        self.config = config
        self.clock = clock or _utc_now
        self.reads = StoreReads(database)
        self.title = f"triage-tui — {clean_line(title_suffix)}" if title_suffix else "triage-tui"

    def get_default_screen(self) -> Screen[None]:
        return InboxScreen(self.reads, self.clock)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification; its text is never parsed as markup, since it often quotes untrusted data."""
        super().notify(clean_block(message), title=clean_line(title), severity=severity, timeout=timeout, markup=False)

    def action_help(self) -> None:
        """Show the keys active on the current screen."""
        displays = {key: self.get_key_display(active.binding) for key, active in self.screen.active_bindings.items()}
        self.push_screen(HelpScreen(help_rows(self.screen.active_bindings, displays, self)))
