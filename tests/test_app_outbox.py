"""Tests of the outbox screen (`O`, "app: outbox" in the palette): each item with its kind, case, target, state,
tries and why; r queues an item again, x cancels it once confirmed; snapshots at 80x24 and 200x50 (under
snapshots/test_app_outbox/). And the sync line says how many replies wait when SMTP is not configured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from triage_tui.app import TriageApp
from triage_tui.commands import palette_title
from triage_tui.screens.outbox import OutboxScreen
from triage_tui.store.github_store import queue_push
from triage_tui.store.outbox_store import mark_failed, note_waiting, outbox_items, queue_reply
from triage_tui.store.store import Store
from triage_tui.sync.jobs import SourceReport
from triage_tui.widgets.sync_status import finished_line
from ui_fixtures import frozen_clock, screen_text, seeded_store, settle, small_inbox, workspace_config

SnapCompare = Callable[..., bool]
NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
REFUSED = "550 5.1.1 <rita@example.net>: Recipient address rejected: User unknown in virtual mailbox table"
WAITING = "SMTP is not configured (add an [smtp] table to config.toml; see the README)"


def outbox_app(tmp_path: Path) -> TriageApp:
    """An app whose outbox holds a refused reply, a reply waiting for SMTP and a push GitHub refused for good."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    with Store(database) as store:
        for case, to in (("PSC-2026-0001", "rita@example.net"), ("PSC-2026-0002", "[b]bob[/b]\x1b[2J@example.org")):
            queue_reply(
                store, case_id=case, recipients=[to], subject=f"Re: {case}", raw=b"Subject: ...\r\n\r\nx\r\n",
                author="alex@example.org", template=None, now=NOW,
            )  # fmt: skip
        refused, waiting = outbox_items(store)
        mark_failed(store, refused, REFUSED)
        note_waiting(store, [waiting], WAITING)
        with store.write() as connection:
            queue_push(connection, "PSC-2026-0003", "gh", "pypa/pip", "GHSA-2c4m-59x9-fr2g", {}, "alex", NOW)
            connection.exec_driver_sql(
                "UPDATE advisory_pushes SET state = 'failed', attempts = 10, "
                "last_error = 'gave up after 10 tries: pypa/pip: GitHub did not answer within 30 s, 3 times'"
            )
    return TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)


def states(tmp_path: Path) -> list[tuple[str, int]]:
    with Store(tmp_path / "triage.db") as store:
        return [(item.state, item.attempts) for item in outbox_items(store)]


async def open_outbox(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("O")
    await settle(pilot)


async def test_o_lists_what_waits_and_what_failed_with_why(tmp_path: Path) -> None:
    app = outbox_app(tmp_path)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_outbox(pilot)
        assert isinstance(app.screen, OutboxScreen)
        assert app.screen.query_one(DataTable).row_count == 3
        text = screen_text(app)
        for expected in ("reply-1", "reply-2", "push-1", "github-push", "PSC-2026-0003", "failed", "queued"):
            assert expected in text, expected
        assert "Recipient address rejected" in text  # the highlighted item in full, below the table
        await pilot.press("j")
        await pilot.pause()
        text = screen_text(app)
        assert "SMTP is not configured" in text
        assert "to [b]bob[/b]␛[2J@example.org" in text  # an outside address shown as typed, its escape neutralised
        await pilot.press("escape")
        assert not isinstance(app.screen, OutboxScreen)


async def test_r_retries_and_x_cancels_once_confirmed(tmp_path: Path) -> None:
    app = outbox_app(tmp_path)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_outbox(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert states(tmp_path)[0] == ("queued", 0)
        await pilot.press("j", "j", "x")
        await pilot.pause()
        await pilot.press("n")  # declined: nothing changes
        await settle(pilot)
        assert states(tmp_path)[1] == ("queued", 0)
        with Store(tmp_path / "triage.db") as store, store.read() as connection:
            assert connection.execute("SELECT state FROM advisory_pushes").fetchone()[0] == "failed"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        with Store(tmp_path / "triage.db") as store, store.read() as connection:
            assert connection.execute("SELECT state FROM advisory_pushes").fetchone()[0] == "cancelled"
        assert isinstance(app.screen, OutboxScreen)
        assert app.screen.query_one(DataTable).row_count == 2


async def test_the_outbox_is_in_the_palette_and_help(tmp_path: Path) -> None:
    app = outbox_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        titles = {palette_title(active) for active in app.screen.active_bindings.values()}
        assert "app: outbox" in titles
        await open_outbox(pilot)
        titles = {palette_title(active) for active in app.screen.active_bindings.values()}
        assert {"outbox: retry", "outbox: cancel item"} <= titles


def test_the_sync_line_says_how_many_replies_wait_and_why() -> None:
    note = f"2 replies wait in the outbox: {WAITING}"
    line = finished_line([SourceReport("outbox", True, 0, 0, 0, 0.0, None, note)], cancelled=False)
    assert line.plain == f"synced: 0 messages, 0 new cases; {note}"
    assert "failed" not in line.plain


class TestOutboxSnapshots:
    def test_outbox_80x24(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """Three items (a refused reply, one waiting for SMTP, a push given up), the refused one in full below."""
        assert snap_compare(outbox_app(tmp_path), terminal_size=(80, 24), run_before=open_outbox)

    def test_outbox_200x50(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The same at 200x50: every column, the reasons unabridged in the Why column."""
        assert snap_compare(outbox_app(tmp_path), terminal_size=(200, 50), run_before=open_outbox)
