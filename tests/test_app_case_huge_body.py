"""Provides a Pilot test of the case screen on a 10 MB body: it draws a bounded prefix, says how much more there is
and where to get it, and paints in well under the seconds the whole text took."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Static

from triage_tui.screens.case import CaseScreen
from ui_fixtures import FROZEN_NOW, make_app, message, settle

SHOWN_TEXT_CHARS = 32 * 1024  # case_content.SHOWN_TEXT_CHARS
LOG_LINE = "2026-12-01T10:00:00Z worker[42]: frame 0x00007f3a12bc in parse_header()\n"


async def test_a_ten_megabyte_body_shows_a_bounded_prefix_and_how_to_get_the_rest(tmp_path: Path) -> None:
    body = "pip crashes on this wheel; the full log follows.\n" + LOG_LINE * (10 * 1024 * 1024 // len(LOG_LINE))
    app = make_app(tmp_path, [message(1, "pip: crash with a 10 MB log", date=FROZEN_NOW, body=body)])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        started = time.monotonic()
        await pilot.press("enter")
        await settle(pilot)
        opened = time.monotonic() - started
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        shown = str(screen.query_one(".message-body", Static).render())
        case_id = screen.case_id
    assert len(shown) < SHOWN_TEXT_CHARS + 2000  # the headers, the prefix and the note
    assert "pip crashes on this wheel" in shown
    kept = shown.rsplit(LOG_LINE, 1)
    assert len(kept) == 2 and kept[1].startswith("\n… ")  # cut after a whole line
    more = len(body) - shown.count(LOG_LINE) * len(LOG_LINE) - len("pip crashes on this wheel; the full log follows.\n")
    assert kept[1] == (
        f"\n… {more:,} more characters not shown here; `triage-tui show {case_id}` prints the whole message"
    )
    assert opened < 3.0, f"the case took {opened:.1f} s to open"


def test_a_body_up_to_the_bound_is_shown_whole() -> None:
    from triage_tui.screens import case_content
    from triage_tui.screens.case_content import bounded_text

    assert case_content.SHOWN_TEXT_CHARS == SHOWN_TEXT_CHARS

    text = LOG_LINE * (SHOWN_TEXT_CHARS // len(LOG_LINE))
    assert str(bounded_text(text, "PSC-1")) == text.expandtabs(4)
    assert "more characters not shown" in str(bounded_text(text + text, "PSC-1"))
