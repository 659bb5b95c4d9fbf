"""Provides Pilot tests of the inbox: cursor keys, opening cases, search, help, palette and quitting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input, Static

from triage_tui.commands import BindingCommands
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.help import HelpScreen
from triage_tui.screens.inbox import InboxScreen
from triage_tui.widgets import after_paint
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import BASE, make_app, many_cases, screen_text, settle

SIZE = (120, 36)


def count_text(app: object) -> str:
    from triage_tui.app import TriageApp

    assert isinstance(app, TriageApp)
    return str(app.screen.query_one("#inbox-count", Static).render())


class TestCursor:
    async def test_opens_on_newest_case(self, tmp_path: Path) -> None:
        """The list shows every case, newest first, with the cursor on the first row."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 6
            assert case_list.cursor == 0
            assert case_list.current_case is not None
            assert case_list.current_case.id == "PSC-2026-0006"
            assert count_text(app) == "6 cases"

    async def test_keys_move_the_cursor(self, tmp_path: Path) -> None:
        """down/j, up/k, end/G, home/g and page keys move the cursor and stay in range."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            await pilot.press("j", "down")
            assert case_list.cursor == 2
            await pilot.press("k")
            assert case_list.cursor == 1
            await pilot.press("G")
            assert case_list.cursor == 5
            await pilot.press("down")
            assert case_list.cursor == 5
            await pilot.press("g")
            assert case_list.cursor == 0
            await pilot.press("up")
            assert case_list.cursor == 0
            await pilot.press("pagedown")
            assert case_list.cursor == 5
            await pilot.press("pageup", "end", "home")
            assert case_list.cursor == 0

    async def test_enter_opens_the_case_under_the_cursor(self, tmp_path: Path) -> None:
        """enter opens the highlighted case; escape comes back to the inbox with the cursor kept."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("j", "j", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-0004"
            assert app.screen.detail is not None
            await pilot.press("escape")
            assert isinstance(app.screen, InboxScreen)
            assert app.screen.query_one(CaseList).cursor == 2

    async def test_backspace_goes_back(self, tmp_path: Path) -> None:
        """backspace also leaves the case screen."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("G", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-0001"
            await pilot.press("backspace")
            assert isinstance(app.screen, InboxScreen)

    async def test_click_moves_cursor(self, tmp_path: Path) -> None:
        """Clicking a row puts the cursor on it."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.click(CaseList, offset=(5, 3))
            assert app.screen.query_one(CaseList).cursor == 3


class TestSearch:
    async def test_search_filters_and_counts(self, tmp_path: Path) -> None:
        """/ opens the search box; typing filters through full-text search and the count line says so."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            assert app.screen.query_one("#search", Input).has_focus
            await pilot.press(*"tarfile")
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 2
            assert count_text(app) == "2 of 6 matching 'tarfile'"
            await pilot.press("enter")
            assert case_list.has_focus
            await pilot.press("j", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-0001"

    async def test_escape_clears_search(self, tmp_path: Path) -> None:
        """escape empties and hides the search box and shows every case again."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"twine")
            await settle(pilot)
            assert app.screen.query_one(CaseList).count == 1
            await pilot.press("escape")
            await settle(pilot)
            search = app.screen.query_one("#search", Input)
            assert not search.display
            assert search.value == ""
            assert app.screen.query_one(CaseList).count == 6
            assert count_text(app) == "6 cases"

    async def test_no_match(self, tmp_path: Path) -> None:
        """A search with no match shows an empty list, and enter does nothing."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"zzzzqqq", "enter")
            await settle(pilot)
            assert app.screen.query_one(CaseList).count == 0
            assert "0 of 6 matching 'zzzzqqq'" in count_text(app)
            await pilot.press("enter")
            assert isinstance(app.screen, InboxScreen)

    async def test_q_in_search_box_types(self, tmp_path: Path) -> None:
        """q typed into the search box is text, not quit."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", "q")
            assert app.is_running
            assert app.screen.query_one("#search", Input).value == "q"

    async def test_a_long_search_keeps_the_cursor_in_view(self, tmp_path: Path) -> None:
        """The search box scrolls sideways as text outgrows it (it repaints itself without a screen re-layout)."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            typed = "wheel " * 30 + "END"
            await pilot.press("slash", *typed)
            await settle(pilot)
            search = app.screen.query_one("#search", Input)
            assert search.value == typed
            assert search.scroll_offset.x > 0
            assert "wheel END" in screen_text(app)


class TestPaintOrder:
    async def test_after_paint_callbacks_wait_for_the_lists_draw(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A count or snippet read starts once the list has drawn what it shows, not beside the drawing."""
        monkeypatch.setattr(after_paint, "MAX_PAINT_WAIT", 30.0)  # only a draw can run the callback
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            order: list[str] = []
            draw = case_list.render_lines

            def drawn(crop: Region) -> list[Strip]:
                order.append("drawn")
                return draw(crop)

            monkeypatch.setattr(case_list, "render_lines", drawn)
            case_list.call_after_paint(lambda: order.append("callback"))
            await pilot.pause()
            assert order == []  # nothing to draw yet
            case_list.refresh()
            await pilot.pause()
            await pilot.pause()
            assert order[:2] == ["drawn", "callback"]

    async def test_a_hidden_list_runs_them_anyway(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            case_list.display = False
            called: list[bool] = []
            case_list.call_after_paint(lambda: called.append(True))
            await pilot.pause(after_paint.MAX_PAINT_WAIT * 3)
            assert called == [True]


class TestGlobalKeys:
    async def test_q_quits(self, tmp_path: Path) -> None:
        """q leaves the app."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running

    async def test_help_lists_active_bindings(self, tmp_path: Path) -> None:
        """? opens a help screen generated from the bindings active on the screen below it."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for expected in ("Open the case under the cursor", "Full-text search", "Leave triage-tui", "↓ j"):
                assert expected in text
            await pilot.press("escape")
            assert isinstance(app.screen, InboxScreen)

    async def test_help_on_case_screen(self, tmp_path: Path) -> None:
        """Help over a case lists the case keys, not the inbox's."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("question_mark")
            text = screen_text(app)
            assert "Back to the inbox" in text
            assert "Full-text search" not in text

    async def test_palette_offers_namespaced_commands(self, tmp_path: Path) -> None:
        """The palette provider turns each namespaced binding into a command."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
            for expected in ("inbox: open", "inbox: search", "app: quit", "app: help"):
                assert expected in titles
            await pilot.press("enter")
            await settle(pilot)
            titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
            assert "case: back" in titles
            assert "inbox: search" not in titles

    async def test_palette_runs_command(self, tmp_path: Path) -> None:
        """Choosing "inbox: open" in the palette opens the case under the cursor."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"inbox: open")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-0006"


class TestLargeInbox:
    async def test_reads_only_the_pages_it_shows(self, tmp_path: Path) -> None:
        """With 5,000 cases, opening, moving and jumping to the end reads only a few pages, never everything."""
        app = make_app(tmp_path, many_cases(5000))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 5000
            assert app.reads.pages_fetched == 1
            await pilot.press("pagedown", "pagedown", "j", "k")
            await settle(pilot)
            assert app.reads.pages_fetched == 1
            await pilot.press("G")
            await settle(pilot)
            assert case_list.cursor == 4999
            assert case_list.current_case is not None
            oldest = case_list.current_case
            assert oldest.received_at == BASE - timedelta(hours=5000)
            assert app.reads.pages_fetched <= 3
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == oldest.id

    async def test_enter_waits_for_a_loading_page(self, tmp_path: Path) -> None:
        """enter on a row whose page is still loading opens that case once it arrives."""
        app = make_app(tmp_path, many_cases(1000))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("end", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-1000"


class TestErrors:
    async def test_failed_read_is_reported_not_fatal(self, tmp_path: Path) -> None:
        """A store read that raises shows an error notification; the app keeps running."""
        app = make_app(tmp_path)

        def broken(*_args: object) -> list[object]:
            raise RuntimeError("database is locked [/]")

        app.reads.page = broken  # type: ignore[method-assign,assignment]
        app.reads.page_within = broken  # type: ignore[method-assign,assignment]
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert app.is_running
            assert "database is locked [/]" in screen_text(app)
