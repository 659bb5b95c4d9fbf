"""Provides tests of finding a case by its id when other reports mention it: the search lists the case itself first
(cursor on it), go to accepts the short ids the list shows, and J/K work in a case opened by go to."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from triage_tui.app import TriageApp
from triage_tui.intake.records import ParsedMessage
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.go_to_case import GoToCaseModal, one_case
from triage_tui.screens.refusable import Refused
from triage_tui.store.connection import reader
from triage_tui.store.queries import SORTS, CaseFilter, list_cases
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import BASE, FROZEN_NOW, frozen_clock, message, screen_text, seeded_store, settle, small_inbox

WIDE = (200, 50)


def mentioning_inbox() -> list[ParsedMessage]:
    """The small inbox, then a newer report from someone else whose subject names PSC-2026-0003."""
    hostile = message(
        30,
        "PSC-2026-0003 update: the real fix is here",
        sender=("Mallory", "mallory@example.com"),
        date=BASE + timedelta(days=20),
    )
    return [*small_inbox(), hostile]


def mentioning_app(tmp_path: Path) -> TriageApp:
    return TriageApp(seeded_store(tmp_path / "triage.db", mentioning_inbox()), clock=frozen_clock)


def test_the_case_whose_id_is_searched_comes_before_reports_mentioning_it(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", mentioning_inbox())
    with reader(database) as connection:
        for sort in SORTS:
            found = [case.id for case in list_cases(connection, CaseFilter(search="PSC-2026-0003", sort=sort),
                                                    now=FROZEN_NOW)]  # fmt: skip
            assert len(found) == 2 and found[0] == "PSC-2026-0003", (sort, found)


async def test_searching_an_id_puts_the_cursor_on_that_case(tmp_path: Path) -> None:
    app = mentioning_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"PSC-2026-0003")
        await settle(pilot)
        case_list = app.screen.query_one(CaseList)
        assert case_list.count == 2 and case_list.current_case is not None
        assert case_list.current_case.id == "PSC-2026-0003"


def listed_ids(case_list: CaseList) -> list[str]:
    return [case.id for case in (case_list._row(i) for i in range(case_list.count)) if case is not None]


async def test_j_and_k_step_from_a_case_opened_by_go_to(tmp_path: Path) -> None:
    """Go to (from the inbox, then from a case) puts the inbox's cursor on the case it opens, so J and K step from
    there instead of refusing."""
    app = TriageApp(seeded_store(tmp_path / "triage.db", small_inbox()), clock=frozen_clock)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        case_list = app.screen.query_one(CaseList)
        order = listed_ids(case_list)
        await pilot.press("colon", *order[2], "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == order[2]
        await pilot.press("J")
        await settle(pilot)
        assert app.screen.case_id == order[3]
        await pilot.press("number_sign", *order[0], "enter")
        await settle(pilot)
        assert app.screen.case_id == order[0]
        await pilot.press("J")
        await settle(pilot)
        assert app.screen.case_id == order[1]
        await pilot.press("K")
        await settle(pilot)
        assert app.screen.case_id == order[0]
        assert case_list.current_case is not None and case_list.current_case.id == order[0]


async def test_go_to_accepts_the_short_ids_a_narrow_list_shows(tmp_path: Path) -> None:
    """At 80 columns the list shows "2026-0004"; go to takes that, or "0004", as the case's id."""
    app = TriageApp(seeded_store(tmp_path / "triage.db", small_inbox()), clock=frozen_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "2026-0004" in screen_text(app) and "PSC-2026-0004" not in screen_text(app)
        await pilot.press("colon", *"2026-0004", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0004"
        await pilot.press("number_sign", *"0002", "enter")
        await settle(pilot)
        assert app.screen.case_id == "PSC-2026-0002"
        await pilot.press("number_sign", *"26-0003", "enter")  # not a whole part of the id: no case
        await settle(pilot)
        assert isinstance(app.screen, GoToCaseModal)
        assert "no case here has the id 26-0003" in str(app.screen.query_one(".dialog-refusal", Static).render())


def test_an_end_shared_by_several_ids_asks_for_more() -> None:
    ids = ["PSC-2026-0187", "PSC-2025-0187"]
    with pytest.raises(Refused, match="several cases end with 0187"):
        one_case("0187", lambda _typed: [], lambda typed: [i for i in ids if i.endswith("-" + typed)])
    assert one_case("2025-0187", lambda _typed: [], lambda typed: [i for i in ids if i.endswith("-" + typed)]) == (
        "PSC-2025-0187"
    )
