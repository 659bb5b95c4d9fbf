"""Provides Pilot tests and a snapshot of the reply screen: r on a case, a template, edits, ctrl+s to the outbox."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, TextArea

from gpg_fixtures import GpgWorld, write_team_config
from replies_fixtures import CASE_ID, reply_store, set_case
from test_app_snapshots import SnapCompare, keys_then_settle
from triage_tui.app import TriageApp
from triage_tui.config import load_config
from triage_tui.replies import editor, workflow
from triage_tui.replies.compose_reply import RecipientKey
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.reply import ReplyScreen
from ui_fixtures import HOSTILE, frozen_clock, screen_text, settle

SIZE = (120, 36)


def reply_app(tmp_path: Path, world: GpgWorld) -> TriageApp:
    database = reply_store(tmp_path / "triage.db", world)
    config = load_config(write_team_config(tmp_path, world))
    return TriageApp(database, config, clock=frozen_clock)


async def open_reply(pilot: Pilot[None]) -> ReplyScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReplyScreen)
    return screen


def outbox_and_events(database: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str, dict[str, object]]]]:
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT case_id, to_address, state FROM outbox").fetchall()
    events = [(kind, json.loads(payload)) for kind, payload in connection.execute("SELECT kind, payload FROM events")]
    connection.close()
    return rows, events


class TestReplyScreen:
    async def test_pick_edit_queue(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """r opens the reply; a template fills the text; an edit and ctrl+s queue one outbox row and its event."""
        app = reply_app(tmp_path, gpg_world)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_reply(pilot)
            area = screen.query_one("#reply-body", TextArea)
            assert "Thank you for reporting" in area.text
            assert "encrypted to" in screen_text(app)
            # Pick "Request more information" (second in the list) and add a line at the top.
            templates = screen.query_one("#reply-templates", OptionList)
            templates.focus()
            await pilot.press("down", "enter")
            assert screen.draft is not None and screen.draft.template_id == "more-information"
            assert area.has_focus
            await pilot.press("ctrl+home", *"PS. q s ? work as text.", "enter")
            assert area.text.startswith("PS. q s ? work as text.\n")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, ReplyScreen)
            assert any("encrypted to" in n.message for n in app._notifications)
        rows, events = outbox_and_events(app.database)
        assert rows == [(CASE_ID, "reporter@example.org", "queued")]
        assert events == [
            ("reply.queued", {"outbox_id": 1, "to": ["reporter@example.org"], "template": "more-information"})
        ]

    async def test_no_reporter_key_refuses(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """Without a key for the reporter the screen says so and ctrl+s queues nothing."""
        app = reply_app(tmp_path, gpg_world)
        connection = sqlite3.connect(app.database)
        with connection:
            connection.execute("UPDATE messages SET signer_fingerprint = NULL, sender_email = 'nokey@example.net'")
        connection.close()
        set_case(app.database, reporter_email="nokey@example.net")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_reply(pilot)
            assert "cannot reply" in screen_text(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ReplyScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, CaseScreen)
        assert outbox_and_events(app.database) == ([], [])

    async def test_editor_round_trip(
        self, tmp_path: Path, gpg_world: GpgWorld, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ctrl+e hands the text to $EDITOR in a private file and loads what it wrote; the file is gone after."""
        seen: list[tuple[Path, int, int]] = []

        def fake_editor(argv: list[str]) -> int:
            path = Path(argv[-1])
            seen.append((path, stat.S_IMODE(path.parent.stat().st_mode), stat.S_IMODE(path.stat().st_mode)))
            path.write_text("Edited in the editor.\n")
            return 0

        @contextmanager
        def no_suspend() -> Iterator[None]:
            yield

        monkeypatch.setattr(editor, "run_editor", fake_editor)
        monkeypatch.setattr(editor.edit_text, "__kwdefaults__", {"command": None, "run": fake_editor})
        app = reply_app(tmp_path, gpg_world)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_reply(pilot)
            monkeypatch.setattr(app, "suspend", no_suspend)
            await pilot.press("ctrl+e")
            assert screen.query_one("#reply-body", TextArea).text == "Edited in the editor.\n"
        [(path, dir_mode, file_mode)] = seen
        assert (dir_mode, file_mode) == (0o700, 0o600)
        assert not path.parent.exists()


class TestReplyHostile:
    async def test_hostile_title_and_reporter(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """Markup, escape sequences and bidi overrides in the title and name show literally, and queuing works."""
        database = reply_store(tmp_path / "triage.db", gpg_world, title=f"t {HOSTILE}")
        set_case(database, reporter=f"n {HOSTILE}")
        app = TriageApp(database, load_config(write_team_config(tmp_path, gpg_world)), clock=frozen_clock)
        async with app.run_test(size=(200, 40), notifications=True) as pilot:
            screen = await open_reply(pilot)
            text = screen_text(app)
            assert "To: n [/] [b] abc [/ [RED]x [@click=app.quit]x[/]" in text
            assert "␛[2J" in text and "\x1b" not in text and "<U+202E>" in text
            assert "\x1b" not in screen.query_one("#reply-body", TextArea).text
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.is_running and not isinstance(app.screen, ReplyScreen)
        rows, _events = outbox_and_events(database)
        assert len(rows) == 1


class TestReplySnapshots:
    def test_reply_screen(
        self, snap_compare: SnapCompare, tmp_path: Path, gpg_world: GpgWorld, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The reply modal: recipient, subject, encryption key line, embargo warning, templates and the text."""
        fixed = RecipientKey(
            "reporter@example.org", "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678", "signed their messages"
        )
        monkeypatch.setattr(workflow, "find_reporter_key", lambda gpg, detail: fixed)
        app = reply_app(tmp_path, gpg_world)
        from datetime import datetime

        set_case(app.database, embargo_until=datetime(2026, 4, 30, 12, 0))

        async def run_before(pilot: Pilot[None]) -> None:
            await keys_then_settle("enter", "r")(pilot)
            pilot.app.screen.query_one("#reply-body", TextArea).cursor_blink = False
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
