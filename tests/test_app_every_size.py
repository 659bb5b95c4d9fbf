"""Snapshots of the inbox, a case, the matrix, the outbox and every dialog over hostile text at 80x24 and 200x50, in
the dark and the light theme (under snapshots/test_app_every_size/); in each, everything the top screen shows lies
on the screen (a dialog wider or taller than the terminal fails), and on the inbox and the matrix every column keeps a
gap before the next."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import ModalScreen

from test_app_hostile_modals import SNAPSHOTS, Step, hostile_app, perform, settle
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.matrix import MatrixScreen
from ui_fixtures import screen_text

SnapCompare = Callable[..., bool]

SIZES = {"80x24": (80, 24), "200x50": (200, 50)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}
SCREENS: dict[str, tuple[Step, ...]] = {
    "inbox": (),
    "case": SNAPSHOTS["timeline"],
    "matrix": (("m",),),
    "outbox": (("O",),),
    **{name: steps for name, steps in SNAPSHOTS.items() if name != "timeline"},
}
"""Each screen or dialog, as reached from the hostile inbox (the dialogs as the hostile suite opens them)."""


def aligned(app: Any) -> None:
    """On a screen of rows (the inbox, the matrix), every row has a gap before each heading's column: a hostile or
    long cell never runs into the next one."""
    lines = screen_text(app).splitlines()
    header = next((line for line in lines if " title " in line or line.startswith("case ")), None)
    if header is None or not isinstance(app.screen, InboxScreen | MatrixScreen):
        return
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    rows = [line for line in lines if re.match(r"\s*(PSC-)?2026-\d{4} ", line)]
    assert rows, "no rows under the heading"
    for row in rows:
        for start in starts[1:]:
            assert row[start - 1] == " ", f"the column at {start} touches the one before: {row!r}"


def shown_on_screen(theme: str, size: tuple[int, int], *actions: Step) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before: the theme chosen, the actions performed, then the fit checked (a dialog's widgets all on the
    screen) before the snapshot is taken with the cursors still and the notifications cleared."""

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.theme = theme
        await settle(pilot)
        await perform(pilot, *actions)
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        pilot.app.clear_notifications()
        await pilot.pause()
        aligned(pilot.app)
        screen_region = Region(0, 0, *size)
        if isinstance(pilot.app.screen, ModalScreen):
            # A dialog must fit: every part of it on the screen (scrolled content inside it is its own business).
            for box in pilot.app.screen.children:
                if box.display:
                    assert screen_region.contains_region(box.region), f"{box!r} at {box.region} is off {size}"

    return run_before


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(SCREENS))
def test_every_screen_at_every_size(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, size: str, theme: str
) -> None:
    """The screen or dialog `name` over the hostile inbox, at `size` in `theme`."""
    monkeypatch.chdir(Path("/tmp"))  # the save dialog suggests a path in the working folder
    terminal = SIZES[size]
    run_before = shown_on_screen(THEMES[theme], terminal, *SCREENS[name])
    assert snap_compare(hostile_app(tmp_path), terminal_size=terminal, run_before=run_before)
