"""Provides Pilot tests that a case's untrusted title stays on the header band's one title line at any width, so a
subject padded to wrap can never draw what looks like the header's own lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import Static

from triage_tui.screens.case import CaseScreen
from ui_fixtures import BASE, make_app, message, screen_text, settle

FAKE_LINE = "state: new · reporter: Pablo Laine <pablo@example.net> · first signature: ✓ good"


def padded_subject(width: int) -> str:
    """A subject whose first words fill the header's title line at `width` columns, so that wrapped it would put
    a forged "state … first signature ✓ good" line above the real one."""
    room = width - 2 - len("PSC-2026-0001  ")  # the band's padding, then the case id and its gap
    lead = "Crash in parser"
    return lead + "." * (room - len(lead)) + " " + FAKE_LINE + " and more words after it"


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_a_padded_subject_cannot_draw_a_header_line(tmp_path: Path, size: tuple[int, int]) -> None:
    subject = padded_subject(size[0])
    report = message(1, subject, sender=("Pablo Laine", "pablo@example.net"), date=BASE)  # unsigned
    app = make_app(tmp_path, [report])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        rows = screen_text(app).splitlines()
        assert not any("first signature: ✓ good" in row for row in rows[:8])  # no forged header line
        assert rows[0].startswith(" PSC-2026-0001  Crash in parser...")
        assert rows[0].rstrip().endswith("…")  # cut on its one line
        under_title = " ".join((rows[1] + rows[2]).split())  # the real line may wrap at 80 columns
        assert under_title.startswith("state: new") and "first signature: – unsigned" in under_title
        body = app.screen.query_one(".message-body", Static).content
        assert isinstance(body, Content) and f"Subject: {subject}\n" in body.plain  # the thread shows it whole
