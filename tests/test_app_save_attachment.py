"""Tests for the save-attachment modal: hostile file names stay literal, and one snapshot of the modal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input

from test_app_hostile import SIZE, assert_no_raw_controls
from triage_tui.screens.save_attachment import SaveAttachmentModal
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import HOSTILE_STRINGS, hostile_inbox, make_app, screen_text, settle

SnapCompare = Callable[..., bool]


class TestSaveAttachmentModal:
    async def test_hostile_names_are_shown_literally_and_suggested_as_plain_names(self, tmp_path: Path) -> None:
        """Every hostile attachment name is listed neutralised; the suggested path is a plain name in the folder."""
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            for index in range(len(HOSTILE_STRINGS)):
                app.screen.query_one(CaseList).cursor = index
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press("w")
                await pilot.pause()
                assert isinstance(app.screen, SaveAttachmentModal)
                text = screen_text(app)
                assert_no_raw_controls(text)
                suggested = Path(app.screen.query_one("#path", Input).value)
                assert suggested.parent == Path.cwd()
                assert "/" not in suggested.name and "\x1b" not in suggested.name
                await pilot.press("escape", "escape")
                await pilot.pause()
            assert app.is_running

    def test_modal_snapshot(self, snap_compare: SnapCompare, tmp_path: Path, monkeypatch: object) -> None:
        """The modal over a case with two attachments, the first highlighted."""
        import pytest

        assert isinstance(monkeypatch, pytest.MonkeyPatch)
        monkeypatch.chdir(Path("/tmp"))
        app = make_app(tmp_path)

        async def open_modal(pilot: object) -> None:
            from textual.pilot import Pilot

            assert isinstance(pilot, Pilot)
            await settle(pilot)
            await pilot.press(*(["j"] * 5), "enter")
            await settle(pilot)
            await pilot.press("w")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(120, 36), run_before=open_modal)
