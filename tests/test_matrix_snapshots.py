"""Snapshots of the impact matrix, its cell editor, the CVSS calculator and the matrix export dialog at 80x24 and
200x50, on the dark and the light theme: every column under its heading, every dialog within the screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from test_app_matrix import seed_cells
from test_app_snapshots import SnapCompare
from ui_fixtures import make_app, settle

SIZES = {"80x24": (80, 24), "200x50": (200, 50)}
THEMES = ("textual-dark", "textual-light")
VIEWS = {
    "matrix": ("m", "G", "l"),
    "impact-editor": ("m", "G", "enter"),
    "export": ("m", "e"),
    "cvss": ("enter", "v", "tab"),
}
"""The keys from the inbox to each view: the grid (cursor on a set cell), the editor of a fixed cell, the export
dialog, and the calculator's CVSS 4.0 tab (its longest metric names)."""


def themed(theme: str, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that sets `theme`, waits for the reads, presses `keys`, and stills every cursor."""

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.theme = theme
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
            if widget.id == "path":  # the suggested file is in the test's own folder: one fixed name instead
                widget.value = str(Path("/home/alex/workspace/exports/impact-matrix.md"))
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", list(VIEWS))
def test_view(snap_compare: SnapCompare, tmp_path: Path, view: str, size: str, theme: str) -> None:
    app = make_app(tmp_path)
    seed_cells(app.database)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=themed(theme, *VIEWS[view]))
