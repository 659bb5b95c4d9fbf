"""Pilot tests of the footer on a narrow terminal: Quit, Help and Export stay, the other keys give way first."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage_tui.screens.matrix import MatrixScreen
from triage_tui.widgets.footer import KeysFooter
from ui_fixtures import make_app, settle


def footer_line(app: object) -> str:
    footer = app.screen.query_one(KeysFooter)  # type: ignore[attr-defined]
    return str(footer.render())


@pytest.mark.parametrize("width", [80, 100])
async def test_the_inbox_footer_keeps_quit_and_help(tmp_path: Path, width: int) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        line = footer_line(app)
        assert " q Quit " in line and " ? Help " in line
        assert "palette" in line
        assert "…" in line  # some keys gave way, and the line says there are more
        assert len(line) <= width


async def test_the_matrix_footer_keeps_export_quit_and_help(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
        line = footer_line(app)
        assert " e Export " in line and " q Quit " in line and " ? Help " in line


async def test_a_wide_footer_shows_every_key_without_the_more_mark(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(250, 24)) as pilot:
        await settle(pilot)
        line = footer_line(app)
        assert " q Quit " in line and "…" not in line


async def test_the_case_footer_keeps_quit_and_help(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        line = footer_line(app)
        assert " q Quit " in line and " ? Help " in line and "…" in line
        assert len(line) <= 80
