"""Tests that the inbox's status line reads on the light theme: its warnings (a changed key, embargoes due) have the
contrast text needs (4.5:1), as on the dark one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment

from test_app_inbox_day import coordinator_app, trust_inbox
from test_matrix_polish import contrast
from triage_tui.widgets.inbox_status import InboxStatusLine
from ui_fixtures import seeded_store, settle


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark"])
async def test_the_changed_key_warning_has_the_contrast_of_text(tmp_path: Path, theme: str) -> None:
    app = coordinator_app(seeded_store(tmp_path / "triage.db", trust_inbox()), tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        app.theme = theme
        await settle(pilot)
        await pilot.pause()  # the line shown again in the theme's colours is drawn on the next refresh
        status = app.screen.query_one(InboxStatusLine)
        background = status.background_colors[1].hex  # what the line is drawn on, the screen's colour behind it
        line = status.render_line(0)
        warned = [s for s in line if isinstance(s, Segment) and "changed key" in s.text]
        assert warned, "no changed key on the status line"
        for segment in warned:
            assert segment.style is not None and segment.style.color is not None
            red, green, blue = segment.style.color.get_truecolor()
            assert contrast(f"#{red:02x}{green:02x}{blue:02x}", background) >= 4.5, (theme, segment.text)
