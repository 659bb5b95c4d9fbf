"""Snapshot of the inbox's import dialog at 80x24 once a folder of five corpus records and a broken file is
imported: the full progress bar and the summary in words, naming the refused file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from test_app_advisory_import import corpus_folder, import_app
from test_app_snapshots import SnapCompare
from ui_fixtures import settle


async def imported(pilot: Pilot[Any]) -> None:
    """Open the dialog, import `advisories` (relative to the test's folder, so the SVG names no temporary path)."""
    await settle(pilot)
    await pilot.press("I")
    await settle(pilot)
    path = pilot.app.screen.query_one("#import-path", Input)
    path.cursor_blink = False
    path.value = "advisories"
    await pilot.press("enter")
    await settle(pilot)


def test_import_summary(snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    app = import_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=imported)
