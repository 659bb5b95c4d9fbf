"""Provides the hostile-text suite: markup, escape sequences and bidi overrides through every screen and notify."""

from __future__ import annotations

from pathlib import Path

from triage_tui.screens.case import CaseScreen
from triage_tui.widgets.case_list import CaseList
from triage_tui.widgets.safe_text import safe_block, safe_line
from ui_fixtures import HOSTILE, HOSTILE_STRINGS, hostile_inbox, make_app, screen_text, settle

SIZE = (160, 60)
RAW_CONTROLS = ("\x1b", "\x07", "\u202e")


def assert_no_raw_controls(text: str) -> None:
    for control in RAW_CONTROLS:
        assert control not in text


class TestHostileText:
    async def test_inbox_shows_hostile_text_literally(self, tmp_path: Path) -> None:
        """Hostile subjects and names are shown as typed, with controls made visible, and never parsed."""
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert app.screen.query_one(CaseList).count == len(HOSTILE_STRINGS)
            text = screen_text(app)
            assert_no_raw_controls(text)
            for visible in ("[/] subject", "[b] subject", "abc [/ subject", "[RED]x subject", "[@click=app.quit]x[/]"):
                assert visible in text
            assert "␛[2J subject" in text
            assert "<U+202E>txt.exe" in text
            assert_no_raw_controls(app.export_screenshot())
            assert app.is_running

    async def test_every_case_view_survives(self, tmp_path: Path) -> None:
        """Each hostile case opens; headers, body, cleartext and attachment names show the neutralised forms."""
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            for index in range(len(HOSTILE_STRINGS)):
                app.screen.query_one(CaseList).cursor = index
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(app.screen, CaseScreen)
                text = screen_text(app)
                assert_no_raw_controls(text)
                assert "body line [/] [b] abc [/ [RED]x [@click=app.quit]x[/] [link=https://evil]x ␛]52;c;aGk=␇" in text
                assert "cleartext " in text
                assert ".py  text/x-python" in text
                await pilot.click("#thread", offset=(10, 10))
                await pilot.press("escape")
                await pilot.pause()
            assert app.is_running

    async def test_hostile_notification(self, tmp_path: Path) -> None:
        """A notification quoting hostile text shows it literally and does not crash."""
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            app.notify(f"cannot decrypt {HOSTILE}", title="[b]abc [/")
            await pilot.pause()
            text = screen_text(app)
            assert_no_raw_controls(text)
            assert "cannot decrypt [/] [b] abc [/" in text
            assert app.is_running
            await pilot.press("j")
            assert app.screen.query_one(CaseList).cursor == 1

    def test_safe_text_never_parses(self) -> None:
        """safe_text keeps every character of markup and neutralises every control character."""
        for text in HOSTILE_STRINGS:
            for content in (safe_line(text), safe_block(text)):
                assert not content.spans
                assert_no_raw_controls(content.plain)
        assert safe_line("[@click=app.quit]x[/]").plain == "[@click=app.quit]x[/]"
