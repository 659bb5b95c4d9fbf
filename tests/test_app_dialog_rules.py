"""Tests the rules every dialog keeps (issue 18): escape leaves and asks before discarding what was typed, each hint
says so; the filter applies on enter from any field and bounds its days; the embargo field types letters, a quick end
leaves its cursor at the end, and an end past the two-year horizon is refused in the dialog; an assignee naming no
project is refused in the open dialog."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from test_app_actions import SIZE, make_app, open_case, stored
from test_app_embargo import modal, typed
from triage_tui.screens.embargo import EmbargoModal
from triage_tui.screens.filter import FilterModal
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.questions import ChoiceModal, DeliberateConfirmModal, NoteModal, TextModal
from ui_fixtures import make_triaged_app, screen_text, settle

ESCAPE_HINT = "escape leave (asks before discarding changes)"
"""What every dialog's hint says of escape (the words of `screens.dialog.ESCAPE_HINT`)."""


def top(app: App[Any]) -> Screen[Any]:
    """The screen on top (a call, so a check of the dialog before does not narrow what it can be)."""
    return app.screen


def flat(app: object) -> str:
    """The screen's words in one line, without the dialog's border: what a sentence wrapped over rows says."""
    return " ".join(re.sub(r"[█▌▐│▎▊]", " ", screen_text(app)).split())  # type: ignore[arg-type]


class TestAssignee:
    async def test_an_assignee_naming_no_project_is_refused_in_the_open_dialog(self, tmp_path: Path) -> None:
        """team:nosuchproject is refused with the teams there are; the dialog keeps it; team:pip is assigned."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("a")
            assert isinstance(app.screen, TextModal)
            await pilot.press(*"team:nosuchproject", "enter")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert app.screen.query_one(Input).value == "team:nosuchproject"
            text = flat(app)
            assert "not done: team:nosuchproject names no project this workspace knows" in text
            assert stored(app, screen.case_id)[1].assignee is None
            app.screen.query_one(Input).value = "team:pip"
            await pilot.press("enter")
            await settle(pilot)
            assert top(app) is screen
            assert stored(app, screen.case_id)[1].assignee == "team:pip"


class TestFilterDialog:
    async def test_enter_on_a_dropdown_applies_the_filter(self, tmp_path: Path) -> None:
        """The hint says enter applies: on a dropdown it does (space opens the list), it does not reopen the list."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            modal_screen = app.screen
            assert isinstance(modal_screen, FilterModal)
            assert isinstance(modal_screen.focused, Select)
            modal_screen.query_one("#f-state", Select).value = "new"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert "state=new" in screen_text(app)

    async def test_space_opens_a_dropdown(self, tmp_path: Path) -> None:
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f", "space")
            await pilot.pause()
            assert isinstance(app.screen, FilterModal)
            assert app.screen.query_one("#f-state", Select).expanded

    @pytest.mark.parametrize("days", ["99999999999999999999", "3651"])
    async def test_embargo_days_beyond_the_bound_are_refused_in_the_dialog(self, tmp_path: Path, days: str) -> None:
        """A huge number once reached the query and failed it (a C int overflow); now the dialog names the bound."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            app.screen.query_one("#f-embargo", Input).focus()
            await pilot.pause()
            await pilot.press(*days, "enter")
            await settle(pilot)
            assert isinstance(app.screen, FilterModal)
            text = flat(app)
            assert "embargo due ≤ takes a whole number of days from 0 to 3650" in text
            assert len(app.screen.query_one("#f-embargo", Input).value) <= 4

    async def test_escape_after_a_change_asks_before_discarding_it(self, tmp_path: Path) -> None:
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            app.screen.query_one("#f-severity", Select).value = "low"
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, DeliberateConfirmModal)
            await pilot.press("n")
            assert isinstance(app.screen, FilterModal)
            assert app.screen.query_one("#f-severity", Select).value == "low"
            await pilot.press("escape", "y")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert screen_text(app).count("severity=low") == 0


class TestEmbargoDialog:
    async def test_a_quick_end_leaves_the_cursor_at_its_end(self) -> None:
        """f fills the field and puts the cursor after the last digit: backspace and a digit change the minutes."""
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f")
            field = app.screen.query_one(Input)
            assert app.screen.focused is field and field.cursor_position == len(field.value) == 16
            await pilot.press("backspace", "5")
            assert typed(app) == "2026-03-28 09:35"

    async def test_a_letter_in_the_field_types_instead_of_picking_a_quick_end(self) -> None:
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f", "backspace", "q")
            assert typed(app) == "2026-03-28 09:3q"
            assert "not a time: '2026-03-28 09:3q'" in screen_text(app)

    @pytest.mark.parametrize(
        ("end", "reason"),
        [
            (
                "2999-12-31",
                "the embargo end 2999-12-31 00:00 UTC is more than 2 years ahead; choose an end on or before",
            ),
            ("2026-02-01", "the embargo end 2026-02-01 00:00 UTC is before the report was received"),
        ],
    )
    async def test_an_end_beyond_the_horizon_or_before_the_report_is_refused_in_the_dialog(
        self, end: str, reason: str
    ) -> None:
        """Said under the field as it is typed and on enter, before anything is stored; the modal stays open."""
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*end)
            assert reason in flat(app)
            await pilot.press("enter")
            await pilot.pause()
            assert app.results == []
            assert isinstance(app.screen, EmbargoModal)

    async def test_escape_after_typing_asks_and_without_typing_leaves(self) -> None:
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w", "escape")
            await pilot.pause()
            assert isinstance(app.screen, DeliberateConfirmModal)
            await pilot.press("n")
            assert typed(app) == "2026-03-21 09:30"
            await pilot.press("escape", "y")
            await pilot.pause()
            assert app.results == [None]
        app, _screen = modal()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")
            await pilot.pause()
            assert app.results == [None]


class TestEscapeEverywhere:
    async def test_a_text_dialog_asks_before_discarding_what_was_typed(self, tmp_path: Path) -> None:
        """Escape in the assign dialog once threw the typed name away at once; now it asks, as the note does."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("a", *"sam", "escape")
            await settle(pilot)
            assert isinstance(app.screen, DeliberateConfirmModal)
            assert "Discard the text typed here?" in screen_text(app)
            await pilot.press("escape")  # a second escape keeps editing
            assert isinstance(app.screen, TextModal)
            assert app.screen.query_one(Input).value == "sam"
            await pilot.press("escape", "y")
            await settle(pilot)
            assert top(app) is screen
            assert stored(app, screen.case_id)[1].assignee is None

    @pytest.mark.parametrize(("keys", "kind"), [(("a",), TextModal), (("N",), NoteModal), (("t",), ChoiceModal)])
    async def test_every_dialog_says_what_escape_does(
        self, tmp_path: Path, keys: tuple[str, ...], kind: type[object]
    ) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, 0)
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, kind)
            assert ESCAPE_HINT in str(app.screen.query_one(".action-hint", Static).render())
            await pilot.press("escape")  # nothing typed: it leaves at once
            await settle(pilot)
            assert not isinstance(app.screen, kind)
