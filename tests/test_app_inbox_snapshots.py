"""Provides SVG snapshots of the inbox's filter modal, a filtered view, and a search with its snippet line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select

from triage_tui.config import SavedView
from ui_fixtures import hostile_inbox, make_app, make_triaged_app, settle

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def steps(*actions: tuple[str, ...] | Callable[[Pilot[Any]], None]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that waits for the store, then presses keys or runs callables in turn, settling after each."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for action in actions:
            if callable(action):
                action(pilot)
            else:
                await pilot.press(*action)
            await settle(pilot)
        for text_input in pilot.app.screen.query(Input):
            text_input.cursor_blink = False
        await pilot.pause()

    return run_before


def choose(widget_id: str, value: str) -> Callable[[Pilot[Any]], None]:
    def set_value(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(widget_id, Select).value = value

    return set_value


class TestInboxFilterSnapshots:
    def test_filter_modal(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """f opens the filter modal over the inbox, with state and severity chosen."""
        app = make_triaged_app(tmp_path)
        run_before = steps(("f",), choose("#f-state", "new"), choose("#f-severity", "low"))
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_filtered_and_sorted(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """A saved view sorted by severity: "4 of 6 · view: new · sorted by severity"."""
        app = make_triaged_app(tmp_path, views={"new": SavedView(name="new", key="n", state="new")})
        assert snap_compare(app, terminal_size=SIZE, run_before=steps(("n", "o", "o")))

    def test_search_with_snippet(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """Searching 'crafted': the snippet line under the list highlights the match in the cursor's case."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=steps(("slash", *"crafted", "enter")))

    def test_hostile_snippet(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """A snippet of hostile text shows markup and escapes literally, with ␛ and <U+202E> placeholders."""
        app = make_app(tmp_path, hostile_inbox())
        assert snap_compare(app, terminal_size=SIZE, run_before=steps(("slash", *"line", "enter")))
