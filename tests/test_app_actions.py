"""Provides Pilot tests of triage actions by keys: state, close, assign, labels, note, duplicate, undo, bulk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from triage_tui.app import TriageApp
from triage_tui.config import Config, Identity
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.questions import ChoiceModal, ConfirmModal, NoteModal, TextModal
from triage_tui.store.connection import reader
from triage_tui.store.duplicate_reads import case_extras
from triage_tui.store.queries import get_case
from triage_tui.widgets.selectable_case_list import SelectableCaseList
from ui_fixtures import HOSTILE, PROJECTS, frozen_clock, screen_text, seeded_store, small_inbox, wait_for_workers

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def make_app(tmp_path: Path) -> TriageApp:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    config = Config(
        path=tmp_path / "config.toml",
        identity=Identity(name="alex", email="alex@example.org", fingerprint="A" * 40),
        projects={p.id: p for p in PROJECTS},
    )
    return TriageApp(database, config, clock=frozen_clock)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(4):
        await wait_for_workers(pilot.app)
        await pilot.pause()


async def open_case(pilot: Pilot[Any], downs: int) -> CaseScreen:
    await settle(pilot)
    await pilot.press(*(["j"] * downs), "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


def stored(app: TriageApp, case_id: str) -> Any:
    with reader(app.database) as connection:
        detail = get_case(connection, case_id)
        extras = case_extras(connection, case_id)
    assert detail is not None
    return detail, extras


def case_text(app: TriageApp) -> str:
    """The plain text of the case view's header and side sections (however they wrap on screen)."""
    from textual.content import Content
    from textual.widgets import Static

    parts = []
    for widget_id in ("#case-header", "#case-impacts", "#case-reporter", "#case-notes", "#case-timeline"):
        content = app.screen.query_one(widget_id, Static).visual
        parts.append(content.plain if isinstance(content, Content) else str(content))
    return "\n".join(parts)


def notifications(app: TriageApp) -> list[str]:
    return [n.message for n in app._notifications]


async def choose(pilot: Pilot[Any], option_id: str) -> None:
    """Highlight `option_id` in the modal's option list and press enter."""
    options = pilot.app.screen.query_one(OptionList)
    index = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == option_id)
    options.highlighted = index
    await pilot.press("enter")
    await settle(pilot)


class TestCaseActions:
    async def test_state_then_undo(self, tmp_path: Path) -> None:
        """t lists the allowed next states; choosing one records it; u undoes it and says what was undone."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_case(pilot, 5)
            await pilot.press("t")
            assert isinstance(app.screen, ChoiceModal)
            options = app.screen.query_one(OptionList)
            assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["triage"]
            await choose(pilot, "triage")
            detail, _ = stored(app, screen.case_id)
            assert detail.summary.state == "triage"
            assert "alex set state new → triage" in case_text(app)
            await pilot.press("u")
            await settle(pilot)
            assert stored(app, screen.case_id)[0].summary.state == "new"
            assert any("Undone #1" in text and "set state new → triage" in text for text in notifications(app))
            assert "alex undo of #1" in case_text(app)

    @pytest.mark.parametrize("disposition", ["invalid", "out-of-scope", "spam", "informative", "hardening"])
    async def test_close_with_disposition_and_undo(self, tmp_path: Path, disposition: str) -> None:
        """x closes with the chosen disposition; u reopens."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("x")
            await choose(pilot, disposition)
            detail, _ = stored(app, screen.case_id)
            assert (detail.summary.state, detail.summary.disposition) == ("closed", disposition)
            assert f"closed as {disposition}" in case_text(app)
            await pilot.press("u")
            await settle(pilot)
            detail, _ = stored(app, screen.case_id)
            assert (detail.summary.state, detail.summary.disposition) == ("new", None)

    async def test_not_a_vulnerability_asks_reason_and_offers_reply(self, tmp_path: Path) -> None:
        """not-a-vulnerability asks for a policy reason, then offers the reply from the reason's template."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("x")
            await choose(pilot, "not-a-vulnerability")
            assert isinstance(app.screen, ChoiceModal)
            await choose(pilot, "malicious-index")
            _, extras = stored(app, screen.case_id)
            assert extras.disposition_reason == "malicious-index"
            assert isinstance(app.screen, ConfirmModal)
            assert "not-a-vulnerability:malicious-index" in screen_text(app)
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is screen
            assert "closed as not-a-vulnerability (malicious-index)" in case_text(app)
            await pilot.press("u")
            await settle(pilot)
            assert stored(app, screen.case_id)[1].disposition_reason is None

    async def test_assign_labels_note_and_undo(self, tmp_path: Path) -> None:
        """N adds a multi-line note, a assigns (a team from the suggestions), l sets labels; u undoes the last, and
        on the note, which has nothing to put back, says so and records nothing."""
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("N")
            assert isinstance(app.screen, NoteModal)
            app.screen.query_one(TextArea).load_text("first line\nsecond line")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("a")
            assert isinstance(app.screen, TextModal)
            await pilot.press("down")
            await choose(pilot, "team:pip")
            assert stored(app, screen.case_id)[1].assignee == "team:pip"
            await pilot.press("l")
            await pilot.press(*"tarfile, Needs-Repro", "enter")
            await settle(pilot)
            assert stored(app, screen.case_id)[1].labels == ("needs-repro", "tarfile")
            text = case_text(app)
            assert "alex assigned team:pip" in text
            assert "alex set labels needs-repro, tarfile" in text
            assert "second line" in text
            assert "assignee: team:pip" in text
            await pilot.press("u")
            await settle(pilot)
            assert stored(app, screen.case_id)[1].labels == ()
            await pilot.press("u")
            await settle(pilot)
            assert stored(app, screen.case_id)[1].assignee is None
            await pilot.press("u")  # the note: nothing to put back
            await settle(pilot)
            kinds = [event.kind for event in stored(app, screen.case_id)[0].events]
            assert kinds == ["note", "assign", "labels", "undo", "undo"]  # no undo of the note recorded
            assert any("nothing to undo: note #" in text for text in notifications(app))
            assert not any("Undone" in text and "note" in text for text in notifications(app))
            assert "second line" in case_text(app)

    async def test_duplicate_merge_via_candidates_and_undo(self, tmp_path: Path) -> None:
        """d ranks candidates with reasons; enter merges; u on the duplicate undoes the merge."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)  # PSC-2026-0006: pip and uv, wheel RECORD
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, ChoiceModal)
            text = screen_text(app)
            assert "same project" in text
            await choose(pilot, "PSC-2026-0001")
            detail, extras = stored(app, screen.case_id)
            assert extras.duplicate_of == "PSC-2026-0001"
            target, _ = stored(app, "PSC-2026-0001")
            assert [e.kind for e in target.events] == ["merge"]
            await pilot.press("u")
            await settle(pilot)
            detail, extras = stored(app, screen.case_id)
            assert extras.duplicate_of is None and detail.summary.state == "new"

    async def test_refusal_is_a_notification(self, tmp_path: Path) -> None:
        """An action the service refuses shows its reason as a notification; the app keeps running."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_case(pilot, 0)
            await pilot.press("u")
            await settle(pilot)
            assert any("nothing of yours to undo" in text for text in notifications(app))
            await pilot.press("l", "enter")  # a refused dialog stays open and says why
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert "not done: nothing to change" in screen_text(app)
            assert app.is_running

    async def test_hostile_text_shown_literally(self, tmp_path: Path) -> None:
        """Hostile assignee, labels and note are stored and shown as typed, with notifications on."""
        app = make_app(tmp_path)
        async with app.run_test(size=(160, 60), notifications=True) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("a")
            app.screen.query_one(Input).value = HOSTILE
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("l")
            app.screen.query_one(Input).value = "[/] [b] [@click=app.quit]x[/]"
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("N")
            app.screen.query_one(TextArea).load_text(HOSTILE + "\n[RED]x")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.is_running
            assert stored(app, screen.case_id)[1].assignee == HOSTILE.strip()
            text = case_text(app)
            assert "[@click=app.quit]x[/]" in text
            assert "[RED]x" in text
            assert "\x1b" not in text


class TestBulk:
    async def test_bulk_close_assign_label_three_cases(self, tmp_path: Path) -> None:
        """space selects three cases; a and l apply to all; x closes all as spam after confirming the count."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            case_list = app.screen.query_one(SelectableCaseList)
            await pilot.press("space", "space", "space")
            assert case_list.selected == {"PSC-2026-0006", "PSC-2026-0005", "PSC-2026-0004"}
            assert "● PSC-2026-0006" in screen_text(app)
            await pilot.press("a", *"sam", "enter")
            await settle(pilot)
            assert case_list.selected == set()  # a finished bulk action clears the selection
            await pilot.press("g", "space", "space", "space")
            await pilot.press("l", *"bulk", "enter")
            await settle(pilot)
            for case_id in ("PSC-2026-0006", "PSC-2026-0005", "PSC-2026-0004"):
                assert stored(app, case_id)[1].assignee == "sam"
                assert "bulk" in stored(app, case_id)[1].labels
            await pilot.press("g", "space", "space", "space", "x")
            assert isinstance(app.screen, ConfirmModal)
            assert "Close 3 selected cases as spam?" in screen_text(app)
            await pilot.press("y")
            await settle(pilot)
            for case_id in ("PSC-2026-0006", "PSC-2026-0005", "PSC-2026-0004"):
                assert stored(app, case_id)[0].summary.disposition == "spam"
            assert any("Closed as spam 3 of 3" in text for text in notifications(app))

    async def test_bulk_refusals_in_one_notification(self, tmp_path: Path) -> None:
        """Closing a selection where one case is already closed reports that refusal in the one notification."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("space", "x", "y")
            await settle(pilot)
            await pilot.press("c")  # the inbox hides closed cases until asked: show the one just closed
            await settle(pilot)
            await pilot.press("g", "space", "space", "space", "x", "y")
            await settle(pilot)
            texts = [t for t in notifications(app) if "Closed as spam 2 of 3" in t]
            assert len(texts) == 1 and "PSC-2026-0006" in texts[0]


def keys_then_settle(*keys: str, theme: str | None = None) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that sets `theme` (if given), presses `keys` (waiting for the store after each) and stills the
    cursors."""

    async def run_before(pilot: Pilot[Any]) -> None:
        if theme is not None:
            pilot.app.theme = theme
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for text_input in pilot.app.screen.query(Input):
            text_input.cursor_blink = False
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()

    return run_before


class TestActionSnapshots:
    def test_case_with_timeline(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The case view after state, assign and labels: header decisions, impacts, reporter, timeline."""
        keys = ["G", "enter", "t", "enter", "a", "down", "enter", "l", *"tarfile", "enter"]
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle(*keys))

    @pytest.mark.parametrize("key", ["t", "x", "a", "l", "N", "d"])
    def test_modal(self, snap_compare: SnapCompare, tmp_path: Path, key: str) -> None:
        """Each action's modal over the case view of PSC-2026-0001."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle("G", "enter", key))
