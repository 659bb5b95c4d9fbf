"""Provides Pilot tests of the inbox's filters, saved views, sorts, search snippets, keymap and half-page motions."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.content import Content
from textual.widgets import Input, Select, Static

from triage_tui.app import TriageApp
from triage_tui.commands import ViewCommands
from triage_tui.config import SavedView
from triage_tui.screens.filter import FilterModal
from triage_tui.screens.help import HelpScreen
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.inbox_lines import MATCH_STYLE
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.widgets.case_list import CaseList
from triage_tui.widgets.footer import KeysFooter
from ui_fixtures import HOSTILE_STRINGS, hostile_inbox, make_app, make_triaged_app, many_cases, screen_text, settle

SIZE = (120, 36)


def inbox(app: TriageApp) -> InboxScreen:
    screen = app.screen
    assert isinstance(screen, InboxScreen)
    return screen


def count_text(app: TriageApp) -> str:
    return str(inbox(app).query_one("#inbox-count", Static).render())


def shown_ids(app: TriageApp) -> list[str]:
    case_list = inbox(app).query_one(CaseList)
    return [case.id[-4:] for case in (case_list._row(i) for i in range(case_list.count)) if case is not None]


def snippet(app: TriageApp) -> Content:
    content = inbox(app).query_one("#snippet", Static).content
    assert isinstance(content, Content)
    return content


HIDDEN = " · 1 closed hidden (c shows them)"
"""What the count line adds while the triaged inbox's closed case (0005) is hidden, as it is at first."""
OPEN_FIVE = f"5 cases{HIDDEN}"
"""The count line of the triaged inbox with no filter: its closed case hidden."""


class TestFilterModal:
    @pytest.mark.parametrize(
        ("field", "value", "expected", "hidden"),
        [
            ("state", "new", ["0006", "0004", "0003", "0002"], ""),
            ("disposition", "spam", ["0005"], ""),
            ("project", "pip", ["0006", "0001"], ""),
            ("severity", "critical", ["0001"], ""),
            ("severity", "unscored", ["0006", "0003"], HIDDEN),  # 0005 is closed
            ("signature", "unknown-key", ["0002"], ""),
        ],
    )
    async def test_select_filters(
        self, tmp_path: Path, field: str, value: str, expected: list[str], hidden: str
    ) -> None:
        """f opens the filter modal; choosing a value and ctrl+s shows only the matching cases, counted (closed
        cases stay hidden unless the filter names a state or disposition)."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            assert isinstance(app.screen, FilterModal)
            app.screen.query_one(f"#f-{field}", Select).value = value
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert shown_ids(app) == expected
            assert count_text(app) == f"{len(expected)} of 6 · {field}={value}{hidden}"

    @pytest.mark.parametrize(
        ("field", "typed", "expected", "words"),
        [
            ("assignee", "alex@example.org", ["0001"], "assignee=alex@example.org"),
            ("assignee", "-", ["0006", "0003", "0002"], f"unassigned{HIDDEN}"),  # 0005 is closed
            ("embargo", "7", ["0002"], "embargo due ≤ 7 d"),
            ("embargo", "60", ["0002"], f"embargo due ≤ 60 d{HIDDEN}"),
        ],
    )
    async def test_typed_filters(self, tmp_path: Path, field: str, typed: str, expected: list[str], words: str) -> None:
        """Assignee ("-" for nobody) and embargo-due days are typed; enter applies."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            app.screen.query_one(f"#f-{field}", Input).focus()
            await pilot.press(*typed, "enter")
            await settle(pilot)
            assert shown_ids(app) == expected
            assert count_text(app) == f"{len(expected)} of 6 · {words}"

    async def test_filters_combine_with_search_and_escape_clears_in_turn(self, tmp_path: Path) -> None:
        """A filter and a search narrow together; escape clears the search first, then the filter."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            app.screen.query_one("#f-state", Select).value = "new"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("slash", *"tarfile", "enter")
            await settle(pilot)
            assert shown_ids(app) == ["0004"]
            assert count_text(app) == "1 of 6 matching 'tarfile' · state=new"
            await pilot.press("escape")
            await settle(pilot)
            assert shown_ids(app) == ["0006", "0004", "0003", "0002"]
            await pilot.press("escape")
            await settle(pilot)
            assert count_text(app) == OPEN_FIVE

    async def test_modal_shows_the_current_filter_and_escape_keeps_it(self, tmp_path: Path) -> None:
        """Reopening the modal shows the filter in force; escape closes it without change; ctrl+r clears fields."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            app.screen.query_one("#f-severity", Select).value = "low"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("f")
            assert app.screen.query_one("#f-severity", Select).value == "low"
            await pilot.press("escape")
            await settle(pilot)
            assert shown_ids(app) == ["0004"]
            await pilot.press("f", "ctrl+r", "ctrl+s")
            await settle(pilot)
            assert count_text(app) == OPEN_FIVE


VIEWS = {  # the saved views of the tests
    "mine": SavedView(name="mine", key="M", assignee="alex@example.org"),
    "due": SavedView(name="due", key="E", embargo_due_days=30, state="new"),
    "pip search": SavedView(name="pip search", search="tarfile", project="pip"),
}


class TestSavedViews:
    async def test_view_keys(self, tmp_path: Path) -> None:
        """Each saved view's key shows it; the line says which view and how many."""
        app = make_triaged_app(tmp_path, views=VIEWS)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("M")
            await settle(pilot)
            assert shown_ids(app) == ["0001"]
            assert count_text(app) == "1 of 6 · view: mine"
            await pilot.press("E")
            await settle(pilot)
            assert shown_ids(app) == ["0002"]
            assert count_text(app) == "1 of 6 · view: due"
            await pilot.press("escape")
            await settle(pilot)
            assert count_text(app) == OPEN_FIVE

    async def test_a_view_key_the_inbox_uses_is_reported(self, tmp_path: Path) -> None:
        """A view keyed `m` (the matrix's key) or `x` (bulk close) cannot take the key: a warning says so."""
        views = {
            "mine": SavedView(name="mine", key="m", assignee="alex@example.org"),
            "x": SavedView(name="x", key="x", state="new"),
        }
        app = make_triaged_app(tmp_path, views=views)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "saved view 'mine': the key m is the inbox's own" in text
            assert "saved view 'x': the key x is the inbox's own" in text
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, MatrixScreen)

    async def test_palette_lists_views_with_counts(self, tmp_path: Path) -> None:
        """The palette has "view: NAME (count)" for every view, keyed or not, and choosing one shows it."""
        app = make_triaged_app(tmp_path, views=VIEWS)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            titles = [hit.text async for hit in ViewCommands(app.screen).discover()]
            assert titles == ["view: mine (1)", "view: due (1)", "view: pip search (1)"]
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"view: pip search")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert shown_ids(app) == ["0001"]
            assert count_text(app) == "1 of 6 matching 'tarfile' · view: pip search"

    async def test_views_are_in_help(self, tmp_path: Path) -> None:
        """Help lists the keyed views under "view"."""
        app = make_triaged_app(tmp_path, views=VIEWS)
        async with app.run_test(size=(120, 60)) as pilot:  # tall enough for every row of the inbox's help
            await settle(pilot)
            await pilot.press("question_mark")
            text = screen_text(app)
            assert "Saved view mine" in text and "Saved view due" in text


class TestSort:
    async def test_o_cycles_the_order(self, tmp_path: Path) -> None:
        """o goes received → updated → severity → embargo → received; the line names the order."""
        app = make_triaged_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("c")  # closed cases too: 0005 is one
            await settle(pilot)
            expected = [
                ("updated", ["0003", "0006", "0001", "0005", "0004", "0002"]),
                ("severity", ["0001", "0002", "0004", "0006", "0005", "0003"]),
                ("embargo", ["0002", "0005", "0006", "0004", "0003", "0001"]),
            ]
            for name, order in expected:
                await pilot.press("o")
                await settle(pilot)
                assert shown_ids(app) == order
                assert count_text(app) == f"6 cases · sorted by {name} · closed shown (c hides them)"
            await pilot.press("o")
            await settle(pilot)
            assert shown_ids(app) == ["0006", "0005", "0004", "0003", "0002", "0001"]
            assert count_text(app) == "6 cases · closed shown (c hides them)"

    async def test_sort_keeps_the_filter(self, tmp_path: Path) -> None:
        """Changing the order keeps the filter and view in force."""
        app = make_triaged_app(tmp_path, views={"new": SavedView(name="new", key="n", state="new")})
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n", "o", "o")
            await settle(pilot)
            assert shown_ids(app) == ["0002", "0004", "0006", "0003"]
            assert count_text(app) == "4 of 6 · view: new · sorted by severity"


class TestSnippets:
    async def test_snippet_of_the_row_under_the_cursor(self, tmp_path: Path) -> None:
        """While searching, the line under the list shows the cursor's case's matching text, the match highlighted."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"crafted", "enter")
            await settle(pilot)
            content = snippet(app)
            assert content.plain.startswith("PSC-2026-0001  Hello pip security team, Extracting a crafted sdist")
            highlighted = [content.plain[s.start : s.end] for s in content.spans if s.style == MATCH_STYLE]
            assert highlighted == ["crafted"]

    async def test_snippet_follows_the_cursor(self, tmp_path: Path) -> None:
        """Moving the cursor shows the next case's snippet; a title-only match says so."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"tarfile", "enter")
            await settle(pilot)
            assert snippet(app).plain.startswith("PSC-2026-0004  setuptools: arbitrary code via setup.cfg? tarfile")
            await pilot.press("j")
            await settle(pilot)
            assert snippet(app).plain.startswith("PSC-2026-0001  ")
            await pilot.press("escape")
            await settle(pilot)
            assert not inbox(app).query_one("#snippet", Static).display

    async def test_hostile_text_in_snippets_stays_literal(self, tmp_path: Path) -> None:
        """Markup, escape sequences and bidi controls inside a snippet are shown as typed (neutralised), only the
        match is styled, and nothing in the text is taken for our match markers."""
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"line", "enter")
            await settle(pilot)
            assert app.is_running
            content = snippet(app)
            text = content.plain
            for literal in ("[/]", "[b]", "abc [/", "[RED]x", "[@click=app.quit]x[/]", "[link=https://evil]x"):
                assert literal in text
            assert "\x1b" not in text and "\u202e" not in text
            assert "␛" in text
            highlighted = {content.plain[s.start : s.end] for s in content.spans if s.style == MATCH_STYLE}
            assert highlighted == {"line"}
            assert any(literal in screen_text(app) for literal in HOSTILE_STRINGS[:3])


class TestKeys:
    async def test_keymap_remaps_and_help_shows_it(self, tmp_path: Path) -> None:
        """[keys] in the config moves a binding: the new key works, the old one no longer does, help shows it."""
        app = make_triaged_app(tmp_path, keys={"inbox.filter": "ctrl+f", "inbox.cursor_down": "n"})
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            assert isinstance(app.screen, InboxScreen)
            await pilot.press("n")
            assert inbox(app).query_one(CaseList).cursor == 1
            await pilot.press("j")
            assert inbox(app).query_one(CaseList).cursor == 1
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            lines = screen_text(app).splitlines()
            assert any("^f" in line and "Filter" in line for line in lines)
            assert any(line.split()[1:3] == ["n", "Down"] for line in lines if "Down" in line)
            await pilot.press("escape", "ctrl+f")
            assert isinstance(app.screen, FilterModal)

    async def test_footer_follows_the_keymap_and_clicks_press_keys(self, tmp_path: Path) -> None:
        """The footer shows each key as remapped; clicking a key does what pressing it does."""
        app = make_triaged_app(tmp_path, keys={"inbox.filter": "ctrl+f"})
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = inbox(app).query_one(KeysFooter)
            bottom = screen_text(app).splitlines()[-1]
            assert "^f Filter" in bottom and " f Filter" not in bottom
            assert bottom.rstrip().endswith("^p palette")
            start = next(span[0] for span in footer._spans if span[2] == "ctrl+f")
            await pilot.click(KeysFooter, offset=(start + 1, 0))
            assert isinstance(app.screen, FilterModal)

    async def test_half_page_motions(self, tmp_path: Path) -> None:
        """ctrl+d and ctrl+u move the cursor half a screen, vim style."""
        app = make_app(tmp_path, many_cases(300))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            case_list = inbox(app).query_one(CaseList)
            half = case_list.scrollable_content_region.height // 2
            await pilot.press("ctrl+d")
            assert case_list.cursor == half
            await pilot.press("ctrl+d", "ctrl+d")
            assert case_list.cursor == 3 * half
            await pilot.press("ctrl+u")
            assert case_list.cursor == 2 * half
            await pilot.press("g", "ctrl+u")
            assert case_list.cursor == 0
