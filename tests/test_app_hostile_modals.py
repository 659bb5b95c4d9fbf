"""Provides the hostile-text suite for every modal, screen and notification: stored, typed and pasted hostile text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.worker import WorkerFailed

from test_app_actions import case_text
from test_app_cvss import metric_by_metric
from test_app_hostile import RAW_CONTROLS
from test_app_inbox_filters import count_text
from triage_tui.app import TriageApp
from triage_tui.replies import workflow
from triage_tui.replies.compose_reply import RecipientKey
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.cvss import CvssScreen
from triage_tui.screens.embargo import EmbargoModal
from triage_tui.screens.filter import FilterModal
from triage_tui.screens.help import HelpScreen
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.questions import ChoiceModal, ConfirmModal, NoteModal, TextModal
from triage_tui.screens.reply import ReplyScreen
from triage_tui.screens.save_attachment import SaveAttachmentModal
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import (
    HOSTILE,
    HOSTILE_STRINGS,
    REPORTER_FPR,
    busy_workers,
    frozen_clock,
    hostile_inbox,
    screen_text,
    seeded_store,
    wait_for_workers,
    workspace_config,
)

SIZE = (120, 40)
SNAPSHOT_SIZE = (120, 36)
SnapCompare = Callable[..., bool]
Step = tuple[str, ...] | Callable[[Pilot[Any]], None]
"""Keys to press (then wait for the workers they start), or something to do to the app."""

CASE = "PSC-2026-0005"
"""The hostile case the modals open over: its title, reporter and attachment carry `[@click=app.quit]x[/]`."""
TITLE = "[@click=app.quit]x[/] subject 4"
SHOWN = (
    "[/] [b] abc [/ [RED]x [@click=app.quit]x[/] [link=https://evil]x ␛]52;c;aGk=␇ ␛[2J ␛]8;;http://evil␛\\link "
    "<U+202E>txt.exe"
)
"""HOSTILE as the screen must show it: markup literal, controls as visible placeholders."""
TYPED = "[b]"
"""Markup typed key by key into a field (each key press costs a test ~40 ms, so it is short)."""
PASTED = " ".join(reversed(HOSTILE_STRINGS))
"""The hostile strings, controls first, pasted (a bracketed paste hands ESC, BEL and U+202E to the focused field)."""
MARKUP = "[b]x [@click=app.quit]x[/] [RED]x"
"""Markup in a field for the snapshots."""


@pytest.fixture(autouse=True)
def _reporter_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reply screen finds a fixed key for the reporter and never opens a keyring."""
    key = RecipientKey("evil@example.net", REPORTER_FPR, "signed their messages")
    monkeypatch.setattr(workflow, "open_gpg", lambda home: None)
    monkeypatch.setattr(workflow, "find_reporter_key", lambda gpg, detail: key)


def hostile_app(tmp_path: Path) -> TriageApp:
    """The app over the hostile inbox, with a workspace config (identity, projects) and the frozen clock."""
    database = seeded_store(tmp_path / "triage.db", hostile_inbox())
    return TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)


# ---- steps -------------------------------------------------------------------------------------------------------


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until no worker runs and the messages they posted are handled (ui_fixtures.settle always takes three
    rounds; this stops after the first quiet one)."""
    for _ in range(3):
        with suppress(WorkerFailed):  # the app reports failed reads itself; waiting is all this is for
            await wait_for_workers(pilot.app)
        await pilot.pause()
        if not any(worker.is_running for worker in busy_workers(pilot.app)):
            return


async def perform(pilot: Pilot[Any], *actions: Step) -> None:
    """Run each callable or press each tuple of keys in turn; after keys, wait for the workers they start."""
    for action in actions:
        if callable(action):
            action(pilot)
            await pilot.pause()
        else:
            await pilot.press(*action)
            await settle(pilot)


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await perform(pilot, keys)


def to_case_row(pilot: Pilot[Any]) -> None:
    pilot.app.screen.query_one(CaseList).cursor = 5  # newest first: PSC-2026-0005


OPEN_CASE: tuple[Step, ...] = (to_case_row, ("enter",))
"""From the inbox, open PSC-2026-0005."""


def focus(selector: str) -> Step:
    def move(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(selector).focus()

    return move


def fill(text: str) -> Step:
    """Put `text` in the focused field, as typing it would (an Input's value, a TextArea's text)."""

    def put(pilot: Pilot[Any]) -> None:
        field = pilot.app.screen.focused
        if isinstance(field, TextArea):
            field.load_text(text)
        else:
            assert isinstance(field, Input)
            field.value = text

    return put


def entered(key: str, text: str, confirm: str = "enter") -> tuple[Step, ...]:
    """Open the modal of `key`, fill its field with `text`, and save with `confirm`."""
    return (key,), fill(text), (confirm,)


def chosen(option_id: str) -> tuple[Step, ...]:
    """Highlight `option_id` in the modal's option list and press enter."""

    def highlight(pilot: Pilot[Any]) -> None:
        options = pilot.app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(option_id)

    return highlight, ("enter",)


async def open_hostile_case(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await perform(pilot, *OPEN_CASE)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen) and screen.case_id == CASE


async def enter_hostile(pilot: Pilot[Any]) -> None:
    """Type TYPED and paste PASTED into the focused field, then go to the start of the line so both are in view."""
    await pilot.press(*TYPED)
    assert pilot.app.screen.focused is not None
    # A terminal's bracketed paste reaches the app first, which hands it to the focused field.
    pilot.app.post_message(events.Paste(PASTED))
    await pilot.pause()
    await pilot.press("home")
    await pilot.pause()


# ---- checks ------------------------------------------------------------------------------------------------------


def assert_clean(app: TriageApp, *literals: str) -> str:
    """No raw ESC, BEL or bidi override on screen, in the screenshot or in a notification; each of `literals` is
    shown as typed (markup not interpreted); the app is still running. Returns the screen's text."""
    text = screen_text(app)
    notes = [f"{note.title} {note.message}" for note in app._notifications]
    where = type(app.screen).__name__

    def raw(line: str) -> bool:
        return any(control in line for control in RAW_CONTROLS)

    leaks = [f"{where}: {line.strip()!r}" for line in text.splitlines() if raw(line)]
    leaks += [f"notification: {note!r}" for note in notes if raw(note)]
    if raw(app.export_screenshot()):
        leaks.append(f"{where} screenshot")
    assert not leaks, "raw control characters shown"
    for literal in literals:
        assert literal in text, f"{literal!r} not shown literally on {where}"
    assert app.is_running
    return text


def last_notification(app: TriageApp) -> str:
    notes = list(app._notifications)
    assert notes, "no notification"
    return notes[-1].message


# ---- typed and pasted text ---------------------------------------------------------------------------------------

TYPED_FIELDS = [
    pytest.param((*OPEN_CASE, ("a",)), TextModal, TYPED, id="assign"),
    pytest.param((*OPEN_CASE, ("l",)), TextModal, TYPED, id="labels"),
    pytest.param((*OPEN_CASE, ("N",)), NoteModal, TYPED, id="note"),
    pytest.param((*OPEN_CASE, ("r",), focus("#reply-body")), ReplyScreen, TYPED, id="reply"),
    pytest.param((*OPEN_CASE, ("w", "ctrl+u")), SaveAttachmentModal, TYPED, id="save-path"),
    pytest.param((*OPEN_CASE, ("e",)), EmbargoModal, "", id="embargo"),
    pytest.param((*OPEN_CASE, ("ctrl+p",)), CommandPalette, TYPED, id="palette"),
    pytest.param((("f",), focus("#f-assignee")), FilterModal, TYPED, id="filter"),
    pytest.param((("slash",),), InboxScreen, TYPED, id="search"),
    pytest.param((("space", "space", "a"),), TextModal, TYPED, id="bulk-assign"),
    pytest.param((("space", "space", "l"),), TextModal, TYPED, id="bulk-labels"),
]


class TestTypedHostileText:
    @pytest.mark.parametrize(("opening", "screen_type", "visible"), TYPED_FIELDS)
    async def test_field_shows_typed_and_pasted_text_neutralised(
        self, tmp_path: Path, opening: tuple[Step, ...], screen_type: type[Screen[Any]], visible: str
    ) -> None:
        """Markup typed and escape sequences, BEL and a bidi override pasted into a field are shown literally, the
        controls as placeholders, never raw (the embargo field takes only the characters of a time)."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await perform(pilot, *opening)
            assert isinstance(app.screen, screen_type)
            await enter_hostile(pilot)
            assert isinstance(app.screen, screen_type)
            assert_clean(app, visible)


# ---- stored hostile decisions: case view, timeline, notifications ---------------------------------------------


class TestHostileCaseActions:
    async def test_assign_labels_note_and_undo(self, tmp_path: Path) -> None:
        """Hostile assignee, labels and note: header, notes, timeline and each notification (an undo's too) show them
        literally."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            assert_clean(app, TITLE, "␛[2J subject 7", "PSC-2026-0010 · new · <U+202E>txt.exe")  # header, other cases
            await perform(pilot, *entered("a", HOSTILE))
            assert_clean(app, "assignee: [/] [b] abc [/ [RED]x [@click=app.quit]x[/]")
            assert f"assignee: {SHOWN}" in case_text(app)
            assert last_notification(app) == f"{CASE}: assigned {SHOWN}"
            await perform(pilot, *entered("l", HOSTILE))
            assert_clean(app)
            assert "[@click=app.quit]x[/], [link=https://evil]x, ␛]52;c;aGk=␇" in last_notification(app)
            await press(pilot, "u")
            assert_clean(app)
            assert last_notification(app).startswith("Undone #")
            assert "[@click=app.quit]x[/]" in last_notification(app)
            await perform(pilot, *entered("N", f"{HOSTILE}\n[RED]x", confirm="ctrl+s"))
            assert_clean(app)
            assert last_notification(app) == f"{CASE}: note added"
            shown = case_text(app)
            assert f"assigned {SHOWN}" in shown
            assert "set labels ␛[2j, ␛]52;c;agk=␇, ␛]8;;http://evil␛\\link, [/, [/], [@click=app.quit]x[/]" in shown
            assert f"{SHOWN}\n[RED]x" in shown
            await press(pilot, "u")  # the note: nothing to put back
            assert_clean(app)
            assert last_notification(app).startswith("nothing to undo: note #")

    async def test_transition_close_with_reason_and_its_reply(self, tmp_path: Path) -> None:
        """t, x and the reason modal over the hostile case; the offered reply fills the template with its fields."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            await press(pilot, "t")
            assert isinstance(app.screen, ChoiceModal)
            assert_clean(app, TITLE, f"Move {CASE} from new to…")
            await perform(pilot, *chosen("triage"))
            assert_clean(app)
            assert last_notification(app) == f"{CASE}: state new → triage"
            await press(pilot, "x")
            assert_clean(app, f"Close {CASE} as…")
            await perform(pilot, *chosen("not-a-vulnerability"))
            assert_clean(app, f"Why is {CASE} not a vulnerability?")
            await perform(pilot, *chosen("malicious-index"))
            assert isinstance(app.screen, ConfirmModal)
            assert_clean(app, "not-a-vulnerability:malicious-index")
            assert last_notification(app) == f"{CASE}: closed as not-a-vulnerability (malicious-index)"
            await press(pilot, "y")
            assert isinstance(app.screen, ReplyScreen)
            text = assert_clean(app, "To: [@click=app.quit]x[/] name <evil@example.net>")
            assert f"Subject: Re: [{CASE}] {TITLE}" in text
            assert f'"{TITLE}"' in app.screen.query_one("#reply-body", TextArea).text
            await press(pilot, "escape")
            assert_clean(app)
            assert "closed as not-a-vulnerability (malicious-index)" in case_text(app)

    async def test_duplicate_candidates_and_undo(self, tmp_path: Path) -> None:
        """d lists candidates whose hostile titles show literally; merging and undoing notify cleanly."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            await press(pilot, "d")
            assert isinstance(app.screen, ChoiceModal)
            assert_clean(app, "[/] subject 0", "[b] subject 1", "abc [/ subject 2", "[RED]x subject 3")
            await perform(pilot, *chosen("PSC-2026-0002"))
            assert_clean(app)
            assert last_notification(app).startswith(f"{CASE}: closed as duplicate of PSC-2026-0002")
            assert "duplicate of PSC-2026-0002" in case_text(app)
            await press(pilot, "u")
            assert_clean(app)
            assert last_notification(app).startswith("Undone #")

    async def test_severity_and_embargo(self, tmp_path: Path) -> None:
        """The CVSS calculator and the embargo modal over the hostile case ignore typed markup and a pasted hostile
        time; the stored decisions notify cleanly."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            await press(pilot, "v", *TYPED)
            assert isinstance(app.screen, CvssScreen)
            assert_clean(app, f"Severity — {CASE}", "no score yet")
            await press(pilot, *metric_by_metric("nlnnuhhh"), "enter")
            assert_clean(app, "9.8 critical (CVSS 3.1)")
            assert last_notification(app) == f"{CASE}: CVSS 3.1 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
            await press(pilot, "e")
            assert isinstance(app.screen, EmbargoModal)
            await enter_hostile(pilot)
            assert app.screen.query_one(Input).value == ""
            assert_clean(app, f"Embargo end — {CASE}")
            await press(pilot, "f", "enter")
            assert_clean(app, "2026-03-28 09:30 UTC (14d 0h)")
            assert last_notification(app) == f"{CASE}: embargo ends 2026-03-28 09:30 UTC"

    async def test_save_attachment_to_a_hostile_name(self, tmp_path: Path) -> None:
        """The modal lists the hostile attachment name literally; saving to a hostile name notifies with the name
        neutralised, and refusing to replace it says so, neutralised, in the modal (which stays open)."""
        app = hostile_app(tmp_path)
        destination = tmp_path / "[b] \x1b[2J \x07 \u202etxt.exe"
        shown = "[b] ␛[2J ␇ <U+202E>txt.exe"
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            await press(pilot, "w")
            assert isinstance(app.screen, SaveAttachmentModal)
            assert_clean(app, "[@click=app.quit]x[/].py  9 B")
            await press(pilot, "escape")
            await perform(pilot, *entered("w", str(destination)))
            assert_clean(app)
            assert "saved to" in last_notification(app) and shown in last_notification(app)
            await perform(pilot, *entered("w", str(destination)))
            assert isinstance(app.screen, SaveAttachmentModal)
            refusal = app.screen.query_one(".dialog-refusal", Static).visual
            assert isinstance(refusal, Content)
            assert "already exists" in refusal.plain and shown in refusal.plain
            assert not any(control in refusal.plain for control in RAW_CONTROLS)
            await press(pilot, "escape")
            assert_clean(app)
        assert destination.read_bytes() == b"print(1)\n"

    async def test_help_over_the_case_and_the_inbox(self, tmp_path: Path) -> None:
        """? over the hostile case and over the hostile inbox."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_hostile_case(pilot)
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert_clean(app, TITLE, "Duplicate")
            await press(pilot, "escape", "escape", "question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert_clean(app, "PSC-2026-0010", "Filter")  # the hostile rows behind the help: no raw control shows


class TestHostileInboxActions:
    async def test_bulk_assign_label_close(self, tmp_path: Path) -> None:
        """Bulk assign and labels with hostile text, and bulk close: modals and notifications stay literal."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await perform(pilot, ("space", "space", "space"), *entered("a", HOSTILE))
            assert_clean(app, "[@click=app.quit]x[/]", "␛[2J name")
            assert last_notification(app) == f"Assigned {SHOWN} to 3 of 3 cases"
            await perform(pilot, ("g", "space", "space", "space"), *entered("l", HOSTILE))
            assert_clean(app)
            assert last_notification(app).startswith("Labelled [/], [b], abc, [/, [RED]x, [@click=app.quit]x[/]")
            await press(pilot, "g", "space", "space", "space", "x")
            assert isinstance(app.screen, ConfirmModal)
            assert_clean(app, "Close 3 selected cases as spam?")
            await press(pilot, "y")
            assert_clean(app)
            assert last_notification(app) == "Closed as spam 3 of 3 cases"

    async def test_filter_and_search_lines(self, tmp_path: Path) -> None:
        """A hostile assignee filter and a markup search term show literally in the count line and snippets."""
        app = hostile_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "f")
            assert isinstance(app.screen, FilterModal)
            assert_clean(app, "Filter the inbox")
            await perform(pilot, focus("#f-assignee"), fill(HOSTILE), ("ctrl+s",))
            assert_clean(app, "0 of 10 · assignee=[/] [b] abc [/ [RED]x [@click=app.quit]x[/]")
            assert count_text(app) == f"0 of 10 · assignee={SHOWN}"
            await press(pilot, "escape", "slash", *TYPED)
            assert_clean(app, f"10 of 10 matching '{TYPED}'", "body line [/] [b] abc [/ [RED]x")


# ---- snapshots ---------------------------------------------------------------------------------------------------


def steps(*actions: Step) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before: wait for the store, perform `actions`, then stop cursors blinking and clear the notifications
    (their timeouts would make the SVG depend on timing)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await perform(pilot, *actions)
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def scroll_side_panel(pilot: Pilot[Any]) -> None:
    pilot.app.screen.query_one("#case-side").scroll_end(animate=False)


SNAPSHOTS: dict[str, tuple[Step, ...]] = {
    "transition": (*OPEN_CASE, ("t",)),
    "close": (*OPEN_CASE, ("x",)),
    "close-reason": (*OPEN_CASE, ("x",), *chosen("not-a-vulnerability")),
    "assign": (*OPEN_CASE, ("a",), fill(MARKUP)),
    "labels": (*OPEN_CASE, ("l",), fill(MARKUP)),
    "note": (*OPEN_CASE, ("N",), fill(f"{MARKUP}\n{MARKUP}")),
    "duplicate": (*OPEN_CASE, ("d",)),
    "cvss": (*OPEN_CASE, ("v",)),
    "embargo": (*OPEN_CASE, ("e", "q")),
    "reply": (*OPEN_CASE, ("r",)),
    "save-attachment": (*OPEN_CASE, ("w",)),
    "help": (*OPEN_CASE, ("question_mark",)),
    "filter": (("f",), focus("#f-assignee"), fill(MARKUP)),
    "bulk-assign": (("space", "space", "space", "a"), fill(MARKUP)),
    "bulk-close": (("space", "space", "space", "x"),),
    "timeline": (
        *OPEN_CASE,
        *entered("a", HOSTILE),
        *entered("l", HOSTILE),
        *entered("N", f"{HOSTILE}\n[RED]x", confirm="ctrl+s"),
        scroll_side_panel,
    ),
}


class TestHostileSnapshots:
    @pytest.mark.parametrize("name", list(SNAPSHOTS))
    def test_screen(
        self, snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        """Each modal over the hostile case or inbox, and the case after hostile decisions: markup literal, ␛ and
        <U+202E> placeholders. The save modal suggests a path in the working folder, so that is fixed."""
        monkeypatch.chdir(Path("/tmp"))
        assert snap_compare(hostile_app(tmp_path), terminal_size=SNAPSHOT_SIZE, run_before=steps(*SNAPSHOTS[name]))
