"""Provides `TriageApp`, the workstation: global keys, the command palette and the screens, wired to the store."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from triage_tui.commands import BindingCommands, ViewCommands
from triage_tui.config import Config
from triage_tui.memory import limit_malloc_arenas, tune_garbage_collector
from triage_tui.screens.context import AppContext
from triage_tui.screens.decisions import ActionDone
from triage_tui.screens.help import HelpScreen, help_rows
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.navigation import InboxShown, OpenCase, ShowsCases
from triage_tui.screens.role_keys import StandingRead
from triage_tui.services.author import author_name
from triage_tui.store.reads import StoreReads
from triage_tui.store.store import Store
from triage_tui.widgets.app_state import remember_theme, save_screenshot
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.safe_app import SafeApp
from triage_tui.widgets.safe_text import clean_line
from triage_tui.widgets.sync_status import SyncSnapshot, finished_line, progress_line

if TYPE_CHECKING:
    from triage_tui.screens.case import CaseScreen
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.triage import TriageService
    from triage_tui.store.case_detail import ImpactView
    from triage_tui.sync.jobs import SourceReport, SyncProgress

INBOX_REFRESH_SECONDS = 0.5
"""At most one inbox re-read per this many seconds while a sync stores cases."""
OUTCOME_SECONDS = 6.0
"""How long the sync line shows a finished sync's outcome."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _draft_readiness(
    record: str | None, impacts: Sequence[ImpactView], packages: Mapping[str, Sequence[str]]
) -> dict[str, bool]:
    # Imported when a case's side panel is read, not at start-up: the advisory formats load with it.
    from triage_tui.services.advisory_drafts import draft_readiness

    return draft_readiness(record, impacts, packages)


class TriageApp(SafeApp[None]):
    """The triage workstation: the inbox first, cases on top of it."""

    CSS_PATH = "app.tcss"
    TITLE = "triage-tui"
    COMMANDS = App.COMMANDS | {BindingCommands, ViewCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave triage-tui"),
        Binding(
            "question_mark", "help", "Help", key_display="?", id="app.help", tooltip="List the keys of this screen"
        ),
        Binding(
            "s",
            "sync",
            "Sync",
            id="app.sync",
            tooltip="Fetch reports, send and take in team events",
        ),
        Binding(
            "S", "cancel_sync", "Cancel sync", id="app.cancel_sync", tooltip="Stop the sync; what it stored is kept"
        ),
        Binding("O", "outbox", "Outbox", show=False, id="app.outbox", tooltip="What waits to be sent, and what failed"),
    ]

    sync_line: reactive[Content | None] = reactive(None)
    """What the sync line above the footer shows: progress, then the outcome; None hides it."""

    @dataclass
    class SyncProgressed(Message):
        """A source's sync moved on; a newer one replaces it if the UI has not caught up."""

        snapshot: SyncSnapshot

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TriageApp.SyncProgressed)

    @dataclass
    class SyncFinished(Message):
        """Every source has been synced (or the sync was cancelled)."""

        reports: list[SourceReport]
        cancelled: bool

    def __init__(
        self,
        store: Store | Path,
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        title_suffix: str = "",
    ) -> None:
        """Build the app over an open store.

        Args:
            store: The workspace's store as the command opened it, or its file, which the app opens (and closes).
            config: The workspace config, if there is one.
            clock: What "now" is; tests pass a frozen clock so ages do not change.
            title_suffix: Shown after the title, e.g. the workspace name.
        """
        super().__init__()
        limit_malloc_arenas()  # before any reader thread starts
        tune_garbage_collector()
        self._owns_store = not isinstance(store, Store)
        self.store = store if isinstance(store, Store) else Store(store)
        self.database = self.store.path
        self.config = config
        self.clock = clock or _utc_now
        self.reads = StoreReads(self.store, clock=self.clock, readiness=_draft_readiness)
        self.context = AppContext(
            self.store,
            config,
            self.clock,
            self.reads,
            build_triage=self._build_triage,
            build_advisory_drafts=self._build_advisory_drafts,
        )
        """What the screens are handed: the workspace, its reads and its services."""
        self._case_screen: CaseScreen | None = None
        self.title = f"triage-tui — {clean_line(title_suffix)}" if title_suffix else "triage-tui"
        self.sync_cancel: Event | None = None
        """Set to stop the running sync; None when no sync runs."""
        self._last_stored: tuple[str, int] = ("", 0)
        self._inbox_refreshed_at = 0.0
        self._inbox_refresh_timer: Timer | None = None
        self._outcome_timer: Timer | None = None

    def get_default_screen(self) -> Screen[None]:
        return InboxScreen(self.context)

    # ---- the services, built here only ---------------------------------------------------------------------------

    def _build_triage(self) -> TriageService:
        from triage_tui.services.triage import TriageService
        from triage_tui.team.sharing import sharer_for

        config = self.config
        # With team sync on, every decision is also a team event signed with the identity's key.
        return TriageService(self.store, author_name(config), clock=self.clock, sharer=sharer_for(config))

    def _build_advisory_drafts(self, config: Config) -> AdvisoryDrafts:
        from triage_tui.services.advisory_drafts import AdvisoryDrafts

        return AdvisoryDrafts(self.store, author_name(config), config, clock=self.clock)

    # ---- navigation and refresh ----------------------------------------------------------------------------------

    @on(InboxShown)
    def _inbox_shown(self) -> None:
        self._warm_case_screen()

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def _warm_case_screen(self) -> None:
        # The case screen and its modals are imported after the inbox is on screen, so start-up does not wait for
        # them and the first Enter does not either.
        import triage_tui.screens.case  # noqa: F401

    @on(OpenCase)
    async def _open_case(self, message: OpenCase) -> None:
        from triage_tui.screens.case import CaseScreen

        # A case opens over the inbox, where escape leads back from it: the screens above the inbox (the matrix)
        # close first. The case screen itself stays, to be refilled.
        while (
            len(self.screen_stack) > 1
            and not isinstance(self.screen, InboxScreen)
            and self.screen is not self._case_screen
        ):
            await self.pop_screen()
        # One case screen is kept (installed, so closing it does not unmount it) and refilled for each case.
        screen = self._case_screen
        if screen is None:
            screen = self._case_screen = CaseScreen(self.context, message.case_id)
            self.install_screen(screen, name="case")
        else:
            await screen.show_case(message.case_id)
        self.push_screen(screen)

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        """Say how a triage action went and re-read every screen that shows cases."""
        if not message.ok:
            self.notify(message.text, title="Refused", severity="warning", timeout=8)
        else:
            self.notify(message.text, title="Triage", severity="warning" if message.refused else "information")
        for screen in self.screen_stack:
            if isinstance(screen, ShowsCases):
                screen.cases_changed()
        if message.ok and message.follow_up is not None:
            message.follow_up()

    def on_mount(self) -> None:
        from triage_tui.widgets.verdict import follow_theme

        follow_theme(self)  # verdict colours readable on a light theme too
        # The user's keymap ([keys] in the config: binding id = "keys") moves any binding; help and footer follow.
        if self.config is not None and self.config.keys:
            self.set_keymap(dict(self.config.keys))
        if self.context.team_sync:  # without a team every decision is the user's: nothing to read
            self._read_standing()
        remember_theme(self, self.database.parent)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        # Textual's default folder (~/Downloads) may not exist: the workspace's screenshots folder always does.
        return save_screenshot(self, self.database.parent, filename, path)

    @work(thread=True, exclusive=True, group="standing", exit_on_error=False)
    def _read_standing(self) -> None:
        """Read what this user may decide on the team (at start, and after each sync: the roster may have changed),
        then redraw the screens' keys: a maintainer's footers and palette leave out a coordinator's decisions."""
        self.context.read_standing()
        self.post_message(StandingRead())

    @on(StandingRead)
    def _standing_read(self) -> None:
        screens = [*self.screen_stack, *([self._case_screen] if self._case_screen is not None else [])]
        for screen in screens:
            if screen.is_attached:
                screen.refresh_bindings()

    def on_unmount(self) -> None:
        self.reads.close()
        if self._owns_store:
            self.store.close()

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        """Leave the app; a running sync is told to stop, so the process does not wait for it to finish."""
        if self.sync_cancel is not None:
            self.sync_cancel.set()
        super().exit(result, return_code, message)

    def _fatal_error(self) -> None:
        # Textual's own prints the traceback with every frame's local variables, which hold decrypted reports: the
        # app ends with one line naming the problem instead, as every command does.
        from rich.text import Text

        from triage_tui.services.failures import failure_line

        error = sys.exc_info()[1]
        line = failure_line(error, self.database) if error is not None else "internal error"
        self.bell()
        self.exit(return_code=1, message=Text(f"triage-tui: {line}"))

    def action_help(self) -> None:
        """Show the keys active on the current screen."""
        displays = {key: self.get_key_display(active.binding) for key, active in self.screen.active_bindings.items()}
        self.push_screen(HelpScreen(help_rows(self.screen.active_bindings, displays, self)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_sync":
            return self.sync_cancel is not None and not self.sync_cancel.is_set()
        return True

    def action_sync(self) -> None:
        """Sync every configured source in the background; the inbox fills in as cases are stored."""
        if self.sync_cancel is not None:
            self.notify("A sync is already running; press S to cancel it.", title="Sync")
            return
        if self.config is None:
            self.notify("This workspace has no config.toml, so there is nothing to sync.", title="Sync")
            return
        if not self.config.sources and self.config.team is None:
            self.notify(
                f"No sources in {self.config.path}; add a [sources.NAME] table to sync.", title="Sync", timeout=8
            )
            return
        self.sync_cancel = Event()
        self._last_stored = ("", 0)
        if self._outcome_timer is not None:
            self._outcome_timer.stop()
        # A maintainer's workstation has [team] and no sources: its sync is the team job (and the outbox).
        self.sync_line = progress_line(SyncSnapshot(source=next(iter(self.config.sources), "team")))
        self.refresh_bindings()
        self._sync(self.config, self.sync_cancel)

    def action_outbox(self) -> None:
        """Show what waits to be sent, and what failed."""
        from triage_tui.screens.outbox import show_outbox

        show_outbox(self, self.store, self.config)

    def action_cancel_sync(self) -> None:
        """Stop the running sync after the batch in hand; everything stored so far stays."""
        if self.sync_cancel is None:
            self.notify("No sync is running.", title="Sync")
            return
        self.sync_cancel.set()
        self.refresh_bindings()
        self.notify("Cancelling the sync; what it stored so far is kept.", title="Sync")

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False, name="sync")
    def _sync(self, config: Config, cancel: Event) -> None:
        # Imported here: the sync stack (and SQLAlchemy) loads only when the user asks for a sync, never at start-up.
        # The sync writes through the store's own connections, so the UI's pooled readers are never shared with it.
        from triage_tui.sync.run import sync_all

        def report(progress: SyncProgress) -> None:
            self.post_message(self.SyncProgressed(SyncSnapshot.of(progress)))

        reports = sync_all(self.store, config, progress=report, cancel=cancel)
        self.post_message(self.SyncFinished(reports, cancelled=cancel.is_set()))

    @on(SyncProgressed)
    def _sync_progressed(self, message: SyncProgressed) -> None:
        if self.sync_cancel is None:
            return  # a late message from a sync that has already finished
        snapshot = message.snapshot
        self.sync_line = progress_line(snapshot)
        stored = (snapshot.source, snapshot.messages)
        if snapshot.messages and stored != self._last_stored:
            self._last_stored = stored
            self._refresh_inbox_soon()

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        self._end_sync(finished_line(message.reports, cancelled=message.cancelled))
        for report in message.reports:
            if report.error and not message.cancelled:
                self.notify(report.error, title=f"Sync of {report.source} failed", severity="error", timeout=10)

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)
        if event.worker.group == "sync" and event.state == WorkerState.ERROR:
            self._end_sync(Content("sync failed; see the notification"))

    def _end_sync(self, outcome: Content) -> None:
        self.sync_cancel = None
        self.refresh_bindings()
        self.sync_line = outcome
        if self.context.team_sync:
            self._read_standing()
        self._refresh_inbox()
        self._outcome_timer = self.set_timer(OUTCOME_SECONDS, self._clear_outcome)

    def _clear_outcome(self) -> None:
        if self.sync_cancel is None:
            self.sync_line = None

    def _refresh_inbox_soon(self) -> None:
        """Re-read the inbox now, or once INBOX_REFRESH_SECONDS have passed since the last re-read."""
        if self._inbox_refresh_timer is not None:
            return
        wait = self._inbox_refreshed_at + INBOX_REFRESH_SECONDS - time.monotonic()
        if wait <= 0:
            self._refresh_inbox()
        else:
            self._inbox_refresh_timer = self.set_timer(wait, self._refresh_inbox)

    def _refresh_inbox(self) -> None:
        if self._inbox_refresh_timer is not None:
            self._inbox_refresh_timer.stop()
            self._inbox_refresh_timer = None
        self._inbox_refreshed_at = time.monotonic()
        for screen in self.screen_stack:
            if isinstance(screen, InboxScreen):
                screen.refresh_cases()
