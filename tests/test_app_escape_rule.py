"""Pilot tests of escape in the matrix's export dialog: it leaves at once when nothing was changed, and asks before
discarding a changed file name (the rule every dialog keeps, `screens/dialog.py`)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from triage_tui.screens.matrix import MatrixScreen
from triage_tui.screens.matrix_export_modal import MatrixExportModal
from ui_fixtures import make_app, screen_text, settle


async def test_escape_leaves_an_unchanged_export_dialog_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("m", "e")
        await settle(pilot)
        assert isinstance(app.screen, MatrixExportModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)


async def test_escape_asks_before_discarding_a_changed_file_name(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("m", "e")
        await settle(pilot)
        app.screen.query_one("#path", Input).value = str(tmp_path / "for-the-pip-team.md")
        await pilot.press("escape")
        await settle(pilot)
        assert "Discard" in screen_text(app)
        await pilot.press("n")  # back to the dialog, the name as typed
        await settle(pilot)
        assert isinstance(app.screen, MatrixExportModal)
        assert app.screen.query_one("#path", Input).value.endswith("for-the-pip-team.md")
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
