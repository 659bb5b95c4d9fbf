"""Provides Pilot tests that the inbox's status line (changed keys, outbox, embargoes due, last sync) is re-read after
a sync finishes and when the inbox comes back from a case, not only at start."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from textual.widgets import Static

from test_app_inbox_day import triaged_app
from triage_tui.app import TriageApp
from ui_fixtures import FROZEN_NOW, settle


def status_text(app: TriageApp) -> str:
    return str(app.screen.query_one("#inbox-status", Static).render())


def queue_reply_and_sync(database: Path) -> None:
    """What a queued reply and a finished sync leave in the store: one more outbox entry, a newer sync stamp."""
    stamp = (FROZEN_NOW - timedelta(minutes=1)).replace(tzinfo=None).isoformat(" ", "microseconds")
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE sync_state SET updated_at = ?", (stamp,))
        connection.execute(
            "INSERT INTO outbox (case_id, to_address, subject, raw, created_at, author, state) "
            "VALUES ('PSC-2026-0002', 'mo@example.org', 'Re: uv', x'00', ?, 'alex', 'queued')",
            (stamp,),
        )
    connection.close()


class TestStatusLineLive:
    async def test_sync_finished_rereads_the_status_line(self, tmp_path: Path) -> None:
        app = triaged_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert "outbox 1" in status_text(app) and "synced 2 h ago" in status_text(app)
            queue_reply_and_sync(tmp_path / "triage.db")
            app.post_message(TriageApp.SyncFinished([], cancelled=False))  # what the app's sync posts at its end
            await settle(pilot)
            assert "outbox 2" in status_text(app), status_text(app)
            assert "synced 1 min ago" in status_text(app), status_text(app)

    async def test_back_from_a_case_rereads_the_status_line(self, tmp_path: Path) -> None:
        app = triaged_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id != "inbox" and "inbox-status" not in {w.id for w in app.screen.query("*")}
            queue_reply_and_sync(tmp_path / "triage.db")  # as `r` in the case does when it queues a reply
            await pilot.press("escape")
            await settle(pilot)
            assert "outbox 2" in status_text(app), status_text(app)
