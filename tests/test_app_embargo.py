"""Provides Pilot tests and a snapshot of the embargo modal: typed UTC times, quick keys, live countdown and policy
warnings, and what enter, delete and escape store."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from test_app_cvss import ModalHost, open_case
from triage_tui.app import TriageApp
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.embargo import EmbargoChoice, EmbargoModal
from triage_tui.services.embargo_policy import parse_utc
from triage_tui.store.store import Store
from ui_fixtures import BASE, FROZEN_NOW, frozen_clock, make_app, screen_text, settle

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def modal(until: datetime | None = None) -> tuple[ModalHost, EmbargoModal]:
    """The modal for a case received at BASE (2026-03-01 10:00 UTC), now being FROZEN_NOW (2026-03-14 09:30)."""
    screen = EmbargoModal("PSC-2026-0001", until, BASE, frozen_clock)
    return ModalHost(screen), screen


def typed(app: ModalHost) -> str:
    return app.screen.query_one(Input).value


def embargo_of(app: TriageApp, case_id: str) -> datetime | None:
    detail = app.reads.case(case_id)
    assert detail is not None
    return detail.summary.embargo_until


class TestEmbargoModal:
    async def test_quick_keys_count_from_now_and_lint_live(self) -> None:
        """f (+14d) is exactly 14 days: within policy. One more minute typed: the linux-distros warning."""
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f")
            assert typed(app) == "2026-03-28 09:30"
            text = screen_text(app)
            assert "(14d 0h)" in text and "✓ within policy" in text
            await pilot.press("backspace", "1")
            text = screen_text(app)
            assert "⚠ ends in 14d 0h 1m: the linux-distros list allows at most 14 days" in text
            await pilot.press("tab", "w")  # back on the quick ends: in the field, w would type
            assert typed(app) == "2026-03-21 09:30"
            await pilot.press("tab", "m")
            assert typed(app) == "2026-04-13 09:30"
            await pilot.press("tab", "q")
            assert typed(app) == "2026-06-12 09:30"
            text = screen_text(app)
            assert "past the 90-day target (2026-05-30 10:00 UTC)" in text

    async def test_past_due_and_bad_input(self) -> None:
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"2026-03-12 09:30")
            text = screen_text(app)
            assert "(overdue 2d)" in text
            assert "⚠ past due: the embargo ended 2d ago" in text
            await pilot.press(*["backspace"] * 16, *"2026-02-30")
            assert "not a time: '2026-02-30'" in screen_text(app)
            await pilot.press("enter")
            assert app.results == []

    async def test_letters_typed_in_the_field_type_and_are_not_quick_keys(self) -> None:
        """A digit on the quick ends starts typing in the field; there every letter types (w is no quick key) and the
        line under it says the text is not a time."""
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"2026x-04-w")
            assert typed(app) == "2026x-04-w"
            assert "not a time: '2026x-04-w'" in screen_text(app)

    async def test_enter_returns_utc(self) -> None:
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"2026-03-20 18:45", "enter")
            assert app.results == [EmbargoChoice(datetime(2026, 3, 20, 18, 45, tzinfo=UTC))]

    async def test_delete_clears_and_escape_cancels(self) -> None:
        stored = datetime(2026, 3, 20, 18, 45, tzinfo=UTC)
        app, _screen = modal(stored)
        async with app.run_test(size=SIZE) as pilot:
            assert typed(app) == "2026-03-20 18:45"
            await pilot.press("delete")
            assert app.results == [EmbargoChoice(None)]
        app, _screen = modal(stored)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+d")
            assert app.results == [EmbargoChoice(None)]
        app, _screen = modal(stored)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")
            assert app.results == [None]

    def test_parse_utc(self) -> None:
        assert parse_utc(" 2026-04-01   12:00 ") == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
        assert parse_utc("2026-04-01") == datetime(2026, 4, 1, tzinfo=UTC)


class TestEmbargoStores:
    async def test_the_case_stores_utc_and_shows_the_countdown(self, tmp_path: Path) -> None:
        """e, f, enter: the store holds the end in UTC and the case header counts down to it."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0001")
            await pilot.press("e")
            assert isinstance(app.screen, EmbargoModal)
            await pilot.press("f", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            until = embargo_of(app, "PSC-2026-0001")
            assert until == datetime(2026, 3, 28, 9, 30, tzinfo=UTC)
            assert until is not None and until.utcoffset() is not None and not until.utcoffset()
            with sqlite3.connect(app.database) as connection:
                (raw,) = connection.execute("SELECT embargo_until FROM cases WHERE id = 'PSC-2026-0001'").fetchone()
            assert str(raw).startswith("2026-03-28 09:30")
            assert "2026-03-28 09:30 UTC (14d 0h)" in screen_text(app)  # the header counts down

            await pilot.press("e", "delete")
            await settle(pilot)
            assert embargo_of(app, "PSC-2026-0001") is None

    async def test_escape_stores_nothing(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0001")
            await pilot.press("e", "f", "escape")
            await settle(pilot)
            assert embargo_of(app, "PSC-2026-0001") is None
            assert app.clock() == FROZEN_NOW


def type_then_pause(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press(*keys)
        for text_input in pilot.app.screen.query(Input):
            text_input.cursor_blink = False
        await pilot.pause()

    return run_before


class TestEmbargoSnapshots:
    def test_embargo_with_lint_warnings(self, snap_compare: SnapCompare) -> None:
        """q (+90d): the countdown, the linux-distros warning and the 90-day target warning."""
        app, _screen = modal()
        assert snap_compare(app, terminal_size=SIZE, run_before=type_then_pause("q"))


class TestInboxCountdown:
    async def test_inbox_shows_the_countdown_and_marks_past_due(self, tmp_path: Path) -> None:
        """The inbox's embargo column counts down from the app's clock; a past-due embargo reads "overdue"."""
        from datetime import timedelta

        from triage_tui.services.triage import TriageService

        app = make_app(tmp_path)
        service = TriageService(Store(app.database), "alex", clock=frozen_clock)
        service.set_embargo("PSC-2026-0001", FROZEN_NOW + timedelta(days=12, hours=4))
        service.set_embargo("PSC-2026-0002", FROZEN_NOW - timedelta(days=2, hours=1))
        service.store.close()
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            text = screen_text(app)
        assert "embargo" in text
        assert "12d 4h" in text
        assert "overdue 2d" in text
