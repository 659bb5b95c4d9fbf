"""Provides Pilot tests of getting around the case view: a case by its id (search and go-to), the next and previous
case, the thread's start and end, the side panel on narrow terminals, the header's separated fields and the
timeline's words and order."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.content import Content
from textual.widgets import Input, Static

import triage_tui
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.go_to_case import GoToCaseModal
from triage_tui.screens.inbox import InboxScreen
from triage_tui.widgets.case_list import CaseList
from triage_tui.widgets.timeline import DESCRIBED_KINDS, UNKNOWN_KIND, describe_event, timeline_content
from ui_fixtures import FROZEN_NOW, make_app, screen_text, settle

NARROW = (80, 24)
WIDE = (200, 50)


def shown(widget: Static) -> str:
    content = widget.content
    assert isinstance(content, Content)
    return content.plain


def add_event(database: Path, case_id: str, kind: str, payload: dict[str, object], at: str) -> None:
    """Write one event on a case's timeline, as the code that records `kind` would."""
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(
            "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, ?, ?, ?, ?)",
            (case_id, "alex", at, kind, json.dumps(payload)),
        )
    connection.close()


class TestCaseById:
    async def test_search_finds_a_case_by_its_id_or_the_start_of_it(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"PSC-2026-0003")
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            assert case_list.count == 1 and case_list.current_case is not None
            assert case_list.current_case.id == "PSC-2026-0003"
            await pilot.press(*["backspace"] * 13, *"psc-2026-000")
            await settle(pilot)
            assert case_list.count == 6

    async def test_go_to_case_from_the_inbox_and_from_a_case(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("colon")
            assert isinstance(app.screen, GoToCaseModal)
            await pilot.press(*"PSC-2026-0004", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0004"
            await pilot.press("number_sign", *"psc-2026-0002", "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0002"
            assert "PSC-2026-0002" in screen_text(app).splitlines()[0]

    async def test_an_unknown_id_says_so_and_escape_asks_before_discarding_it(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("number_sign", *"PSC-2026-9999", "enter")
            await settle(pilot)
            assert isinstance(app.screen, GoToCaseModal)  # still open, with what was typed and why
            assert app.screen.query_one(Input).value == "PSC-2026-9999"
            refusal = shown(app.screen.query_one(".dialog-refusal", Static))
            assert "no case here has the id PSC-2026-9999" in refusal
            await pilot.press("escape")  # the rule of every dialog: what was typed is not dropped without asking
            await settle(pilot)
            assert not isinstance(app.screen, GoToCaseModal) and "Discard" in screen_text(app)
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            await pilot.press("colon")
            assert isinstance(app.screen, GoToCaseModal)
            assert app.screen.query_one(Input).value == ""  # nothing kept from the last prompt


class TestNextAndPreviousCase:
    async def test_j_and_k_step_through_the_inbox_list_and_its_cursor_follows(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(CaseList)
            order = []
            for _ in range(3):
                assert case_list.current_case is not None
                order.append(case_list.current_case.id)
                case_list.cursor += 1
            case_list.cursor = 0
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == order[0]
            await pilot.press("J")
            await settle(pilot)
            await pilot.press("J")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == order[2]
            await pilot.press("K")
            await settle(pilot)
            assert app.screen.case_id == order[1]
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert case_list.cursor == 1 and case_list.current_case is not None
            assert case_list.current_case.id == order[1]

    async def test_k_on_the_first_case_says_so(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            first = app.screen
            assert isinstance(first, CaseScreen)
            case_id = first.case_id
            await pilot.press("K")
            await settle(pilot)
            assert first.case_id == case_id
            assert any("first case of the inbox's list" in str(n.message) for n in app._notifications)


class TestThreadEnds:
    async def test_capital_g_goes_to_the_end_of_the_thread_and_g_to_its_start(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=NARROW) as pilot:
            await settle(pilot)
            await pilot.press("G", "enter")  # the oldest case: PSC-2026-0001, a two-message thread
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0001"
            thread = app.screen.query_one("#thread")
            assert thread.max_scroll_y > 0
            await pilot.press("G")
            await pilot.pause()
            assert thread.scroll_y == thread.max_scroll_y
            await pilot.press("g")
            await pilot.pause()
            assert thread.scroll_y == 0


class TestSidePanel:
    async def test_a_narrow_terminal_gives_the_message_the_width(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=NARROW) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            assert not screen.query_one("#case-side").display
            assert screen.query_one("#thread").size.width >= 70
            await pilot.press("i")  # shown when asked for
            await pilot.pause()
            assert screen.query_one("#case-side").display
            assert "impacts" in screen_text(app)

    async def test_a_wide_terminal_shows_the_side_panel(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.query_one("#case-side").display
            await pilot.press("i")
            await pilot.pause()
            assert not app.screen.query_one("#case-side").display


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "200x50"])
async def test_header_fields_are_separated(tmp_path: Path, size: tuple[int, int]) -> None:
    """Every header field reads "label: value" on the rendered screen, whole on one row (a narrow terminal breaks the
    line between fields); where two share a row, a separator stands between one's value and the next one's label."""
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        for label in ("state", "reporter", "first signature", "projects", "received", "messages", "assignee"):
            assert f"{label}: " in text
        for label in ("labels", "embargo", "severity"):
            assert f" · {label}: " in text  # the value before it ends, visibly, before the label starts
        assert "state: new · reporter: " in text
        if size == WIDE:
            for label in ("first signature", "received", "messages"):
                assert f" · {label}: " in text


def written_kinds() -> set[str]:
    """Every event kind the code writes: the string literal in the kind's place of each call that writes an event,
    and the team's materialised kinds."""
    from triage_tui.team.materialize import DECISION_ROW_KINDS

    places = {"insert_event": 4, "record_event": 3, "record": 2, "change": 3, "TimelineRow": 3}
    kinds = set(DECISION_ROW_KINDS)
    for path in Path(triage_tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            place = places.get(name)
            if place is not None and len(node.args) > place:
                argument = node.args[place]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    kinds.add(argument.value)
    return kinds


def test_every_kind_written_is_put_in_words() -> None:
    kinds = written_kinds()
    assert {"reply.queued", "reply.sent", "github-push", "team-decision", "key-accepted"} <= kinds
    at = FROZEN_NOW
    for kind in sorted(kinds):
        assert kind in DESCRIBED_KINDS, kind
        empty: list[dict[str, object]] = [{}, {"changes": {}}]
        for payload in empty:
            event = SimpleNamespace(id=1, author="alex", at=at, kind=kind, payload=payload)
            words = describe_event(event)
            assert words != UNKNOWN_KIND and not words.startswith("recorded "), (kind, words)
            if "." in kind or "-" in kind:
                assert kind not in words, (kind, words)


def test_an_unknown_kind_is_a_sentence_not_its_name() -> None:
    event = SimpleNamespace(id=1, author="alex", at=FROZEN_NOW, kind="future.kind", payload={})
    assert "future.kind" not in describe_event(event)


async def test_a_queued_reply_reads_as_words_on_the_timeline(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    payload = {"outbox_id": 1, "to": ["dana@example.net"], "template": "more-information"}
    add_event(tmp_path / "triage.db", "PSC-2026-0006", "reply.queued", payload, "2026-03-01 10:00:00.000000")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"PSC-2026-0006", "enter")
        await settle(pilot)
        timeline = shown(app.screen.query_one("#case-timeline", Static))
        assert "reply.queued" not in timeline
        assert "alex queued an encrypted reply to dana@example.net (from the more-information template)" in timeline


async def test_the_timeline_turns_newest_first_for_the_session(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    database = tmp_path / "triage.db"
    for case_id in ("PSC-2026-0006", "PSC-2026-0005"):
        add_event(database, case_id, "note", {"text": "older"}, "2026-03-01 10:00:00.000000")
        add_event(database, case_id, "note", {"text": "newer"}, "2026-03-02 10:00:00.000000")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"PSC-2026-0006", "enter")
        await settle(pilot)
        lines = shown(app.screen.query_one("#case-timeline", Static)).splitlines()
        assert "older" in lines[0] and "newer" in lines[1]
        await pilot.press("o")
        await pilot.pause()
        lines = shown(app.screen.query_one("#case-timeline", Static)).splitlines()
        assert "newer" in lines[0] and "older" in lines[1]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("colon", *"PSC-2026-0005", "enter")  # another case, later: still newest first
        await settle(pilot)
        lines = shown(app.screen.query_one("#case-timeline", Static)).splitlines()
        assert "newer" in lines[0] and "older" in lines[1]


def test_timeline_content_orders_either_way() -> None:
    events = [
        SimpleNamespace(id=n, author="alex", at=FROZEN_NOW, kind="note", payload={"text": f"n{n}"}) for n in (1, 2)
    ]
    assert timeline_content(events, newest_first=True).plain.splitlines()[0].startswith("#2 ")
    assert timeline_content(events).plain.splitlines()[0].startswith("#1 ")


def test_the_store_finds_cases_by_id_in_every_order_and_counts_them_alike(tmp_path: Path) -> None:
    """The inbox's reads, and `cases --search` with them: an id (any case) or its start selects those cases, in each
    order (the received order's walk of the text indexes steps aside for an id), and the count agrees."""
    from triage_tui.store.connection import reader
    from triage_tui.store.queries import SORTS, CaseFilter, count_cases, list_cases
    from ui_fixtures import seeded_store, small_inbox

    database = seeded_store(tmp_path / "triage.db", small_inbox())
    with reader(database) as connection:
        for sort in SORTS:
            exact = CaseFilter(search="psc-2026-0004", sort=sort)
            assert [case.id for case in list_cases(connection, exact, now=FROZEN_NOW)] == ["PSC-2026-0004"]
            assert count_cases(connection, exact, now=FROZEN_NOW) == 1
            prefix = CaseFilter(search="PSC-2026-000", sort=sort)
            assert len(list_cases(connection, prefix, now=FROZEN_NOW)) == 6
            assert count_cases(connection, prefix, now=FROZEN_NOW) == 6
        assert list_cases(connection, CaseFilter(search="PSC-2026-0099"), now=FROZEN_NOW) == []


async def test_the_reporters_other_cases_separate_id_state_and_title(tmp_path: Path) -> None:
    """The side panel's "other cases" lines: the state never runs into the title ("newVulnerability" when wrapped)."""
    app = make_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"PSC-2026-0006", "enter")
        await settle(pilot)
        reporter = shown(app.screen.query_one("#case-reporter", Static))
        others = [line for line in reporter.splitlines() if line.startswith("PSC-")]
        assert others, reporter
        for line in others:
            case_id, state, title = line.split(" · ", 2)
            assert case_id.startswith("PSC-2026-") and state in {"new", "triage", "accepted"} and title
        assert "key: " in reporter
