"""Provides Pilot tests of syncing from inside the app: a real Maildir of gpg-encrypted reports into a real store."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Static

from gpg_fixtures import GpgWorld, write_team_config
from triage_tui import compose
from triage_tui.app import TriageApp
from triage_tui.config import Config, load_config
from triage_tui.store.connection import prepare_database
from triage_tui.store.queries import CaseFilter
from triage_tui.widgets.case_list import CaseList
from triage_tui.widgets.sync_status import SyncSnapshot, SyncStatus, progress_line
from ui_fixtures import frozen_clock, make_app, many_cases, screen_text, seeded_store, settle

SIZE = (120, 36)
REPORTS = 96
"""Two sync chunks' worth, so a sync takes long enough to press keys during it."""
SnapCompare = Callable[..., bool]

SENT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
"""Reports are dated after every seeded case, so synced cases land above them in the inbox."""


def deliver(maildir: Path, number: int, data: bytes) -> None:
    name = f"{1_700_000_000 + number}.{number:06d}.test"
    (maildir / "tmp" / name).write_bytes(data)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


@pytest.fixture(scope="module")
def maildir(tmp_path_factory: pytest.TempPathFactory, gpg_world: GpgWorld) -> Path:
    """A Maildir of REPORTS signed and encrypted reports to the team; sync only reads it, so tests share it."""
    path = tmp_path_factory.mktemp("maildir")
    for folder in ("new", "cur", "tmp"):
        (path / folder).mkdir()
    for n in range(1, REPORTS + 1):
        inner = compose.mime_report(
            subject=f"pip: wheel RECORD path traversal, variant {n}",
            sender=f"Rita <{gpg_world.reporter.email}>",
            to=gpg_world.team.email,
            body=f"Report number {n}.\nSteps to reproduce: pip install ./evil.whl\n",
            date=SENT + timedelta(minutes=n),
            message_id=f"<app-sync-{n}@example.org>",
        )
        reporter, team = gpg_world.reporter, gpg_world.team
        deliver(
            path, n, compose.encrypt_pgpmime(inner, reporter.gpg, [team.fingerprint], sign_with=reporter.fingerprint)
        )
    return path


def write_config(home: Path, world: GpgWorld, sources: str) -> Config:
    return load_config(write_team_config(home, world, sources))


def maildir_source(path: Path) -> str:
    return f'\n[sources.local]\nkind = "maildir"\npath = "{path}"\n'


def sync_app(home: Path, config: Config, *, seeded: int = 0) -> TriageApp:
    """The app over a store in `home`: empty, or holding `seeded` cases older than every report in the Maildir."""
    database = home / "triage.db"
    if seeded:
        seeded_store(database, many_cases(seeded))
    else:
        prepare_database(database)
    return TriageApp(database, config, clock=frozen_clock)


async def tap(app: TriageApp, *keys: str) -> None:
    """Deliver keys as the terminal driver does. Pilot's press waits until the process is idle (up to 2 s a key),
    and a sync keeps it busy, so a sync would be over before the second key arrived."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))
        await asyncio.sleep(0.005)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Wait (without waiting for idle) until `condition` holds; False if it never did."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def count_text(app: TriageApp) -> str:
    return str(app.screen.query_one("#inbox-count", Static).render())


def sync_text(app: TriageApp) -> str:
    return str(app.screen.query_one(SyncStatus).render())


def notifications(app: TriageApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


class TestSync:
    async def test_s_fills_the_inbox_without_a_restart(
        self, tmp_path: Path, gpg_world: GpgWorld, maildir: Path
    ) -> None:
        """`s` syncs every source in a worker: the inbox goes from 0 to every report, the sync line shows progress
        and then the outcome."""
        config = write_config(tmp_path, gpg_world, maildir_source(maildir))
        app = sync_app(tmp_path, config)
        seen: list[Message] = []
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 0
            assert not app.screen.query_one(SyncStatus).display
            await tap(app, "s")
            assert await until(lambda: app.sync_cancel is not None)
            assert sync_text(app).startswith("syncing local")
            await settle(pilot)
            assert app.sync_cancel is None
            assert case_list.count == REPORTS
            assert count_text(app) == f"{REPORTS} cases"
            assert sync_text(app) == f"synced: {REPORTS} messages, {REPORTS} new cases"
            assert app.screen.query_one(SyncStatus).display
            # The cursor was on the newest case, so it follows the head of the list as cases arrive.
            assert case_list.cursor == 0
            assert case_list.current_case is not None
            assert case_list.current_case.title == f"pip: wheel RECORD path traversal, variant {REPORTS}"
            progress = [m.snapshot for m in seen if isinstance(m, TriageApp.SyncProgressed)]
            assert progress[0].done < REPORTS
            assert progress[-1].done == REPORTS
            assert f"synced: {REPORTS} messages" in screen_text(app)

    async def test_keys_work_while_syncing(self, tmp_path: Path, gpg_world: GpgWorld, maildir: Path) -> None:
        """The cursor moves while the sync worker runs, and re-reads keep it on the case it was on."""
        config = write_config(tmp_path, gpg_world, maildir_source(maildir))
        app = sync_app(tmp_path, config, seeded=40)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            await pilot.press("j", "j")
            await tap(app, "s")
            assert await until(lambda: app.sync_cancel is not None)
            [worker] = [w for w in app.workers if w.group == "sync"]
            moves_during_sync = 0
            while worker.is_running and case_list.cursor < case_list.count - 1:
                before = case_list.current_case
                assert before is not None
                await tap(app, "j")
                moved = await until(lambda: case_list.current_case not in (None, before), timeout=2)
                if moved and worker.is_running:
                    moves_during_sync += 1
            chosen = case_list.current_case
            assert chosen is not None
            assert moves_during_sync > 0
            await settle(pilot)
            assert case_list.count == 40 + REPORTS
            # Every synced report is newer than the seeded cases, so the cursor's case moved down by REPORTS rows.
            assert case_list.current_case is not None
            assert case_list.current_case.id == chosen.id
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id != "inbox"

    async def test_s_again_while_running_says_so(self, tmp_path: Path, gpg_world: GpgWorld, maildir: Path) -> None:
        """A second `s` does not start a second sync; `S` cancels, and what was stored stays."""
        config = write_config(tmp_path, gpg_world, maildir_source(maildir))
        app = sync_app(tmp_path, config)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await tap(app, "s", "s")
            assert await until(lambda: any("already running" in text for text, _ in notifications(app)))
            assert len([w for w in app.workers if w.group == "sync"]) == 1
            assert app.check_action("cancel_sync", ())
            await tap(app, "S")
            await settle(pilot)
            assert app.sync_cancel is None
            assert sync_text(app).startswith(("sync cancelled:", "synced:"))  # it may finish before seeing S
            # What the cancelled sync stored is kept, and the inbox shows all of it.
            stored = app.reads.count(CaseFilter())
            assert stored.shown <= REPORTS
            assert app.screen.query_one(CaseList).count == stored.shown
            assert not any(severity == "error" for _, severity in notifications(app))

    async def test_palette_offers_sync(self, tmp_path: Path, gpg_world: GpgWorld, maildir: Path) -> None:
        """The palette lists "sync: all sources"; "sync: cancel" only while a sync runs."""
        config = write_config(tmp_path, gpg_world, maildir_source(maildir))
        app = sync_app(tmp_path, config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p", *"sync")
            await pilot.pause(0.3)
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            listed = screen_text(app)
            assert "sync: all sources" in listed
            assert "sync: cancel" not in listed
            await tap(app, "enter")
            assert await until(lambda: app.sync_cancel is not None)
            await settle(pilot)
            assert app.screen.query_one(CaseList).count == REPORTS
            assert not app.check_action("cancel_sync", ())

    async def test_no_sources_is_a_notification(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """With no [sources] in the config, `s` explains why nothing happens instead of starting a sync."""
        app = sync_app(tmp_path, write_config(tmp_path, gpg_world, ""))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert app.sync_cancel is None
            assert [w for w in app.workers if w.group == "sync"] == []
            [(text, severity)] = notifications(app)
            assert "No sources in" in text and "config.toml" in text
            assert severity == "information"

    async def test_no_config_is_a_notification(self, tmp_path: Path) -> None:
        """Without a config at all, `s` says there is nothing to sync."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            [(text, _)] = notifications(app)
            assert "no config.toml" in text

    async def test_failing_source_is_an_error_notification(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """A Maildir path that does not exist gives an error notification with the source's message; the app
        keeps running and keys still work."""
        missing = tmp_path / "no-such-maildir"
        app = sync_app(tmp_path, write_config(tmp_path, gpg_world, maildir_source(missing)), seeded=3)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert app.is_running
            [(text, severity)] = notifications(app)
            assert severity == "error"
            assert "source 'local'" in text and str(missing) in text
            assert "1 of 1 sources failed" in sync_text(app)
            await pilot.press("j")
            assert app.screen.query_one(CaseList).cursor == 1

    async def test_quit_cancels_a_running_sync(self, tmp_path: Path, gpg_world: GpgWorld, maildir: Path) -> None:
        """`q` during a sync sets the cancel event, so the worker thread stops after its batch in hand."""
        config = write_config(tmp_path, gpg_world, maildir_source(maildir))
        app = sync_app(tmp_path, config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await tap(app, "s")
            assert await until(lambda: app.sync_cancel is not None)
            cancel = app.sync_cancel
            assert cancel is not None
            await tap(app, "q")
            assert await until(cancel.is_set)
        assert not any(w.is_running for w in app.workers)


def with_progress_line(snapshot: SyncSnapshot) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, TriageApp)
        app.sync_line = progress_line(snapshot)
        await pilot.pause()

    return run_before


class TestSyncSnapshots:
    def test_progress_line(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The inbox with the sync line above the footer: source, bar, done/total, rate and new cases."""
        snapshot = SyncSnapshot("demo-inbox", total=500, done=120, messages=120, new_cases=12, rate=85.0)
        app = make_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=with_progress_line(snapshot))
