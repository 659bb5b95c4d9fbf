"""Provides Pilot tests of escape in the note, reply and matrix cell dialogs, and of a reply's template switch: what
was typed there is discarded only after a y."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Select, TextArea

from gpg_fixtures import GpgWorld
from test_app_actions import make_app, open_case, stored
from test_replies_screen import SIZE, open_reply, outbox_and_events, reply_app
from triage_tui.domain import ImpactStatus
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.screens.questions import DeliberateConfirmModal, NoteModal
from triage_tui.screens.reply import ReplyScreen
from ui_fixtures import screen_text, settle


class TestNoteEscape:
    async def test_escape_with_text_asks_and_n_or_escape_keeps_editing(self, tmp_path: Path) -> None:
        """Escape over a typed note asks; n, escape and enter each go back to the note with its text intact."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, 0)
            await pilot.press("N", *"half a thought")
            for keep in ("n", "escape", "enter"):
                await pilot.press("escape")
                assert isinstance(app.screen, DeliberateConfirmModal)
                assert "Discard the note typed here?" in screen_text(app)
                await pilot.press(keep)
                assert isinstance(app.screen, NoteModal)
                assert app.screen.query_one(TextArea).text == "half a thought"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert [event.payload["text"] for event in stored(app, app.screen.case_id)[0].events] == ["half a thought"]

    async def test_y_discards_and_an_empty_note_closes_at_once(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("N", *"never mind", "escape", "y")
            await settle(pilot)
            assert app.screen is screen
            await pilot.press("N", "escape")  # nothing typed: nothing to ask about
            await settle(pilot)
            assert app.screen is screen
            assert stored(app, screen.case_id)[0].events == ()


class TestReplyEscape:
    async def test_escape_after_an_edit_asks_before_discarding(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """The template's text alone closes on escape; once edited, escape asks and n keeps the edit."""
        app = reply_app(tmp_path, gpg_world)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_reply(pilot)
            area = screen.query_one("#reply-body", TextArea)
            area.focus()
            await pilot.press("ctrl+home", *"Dear reporter, ", "escape")
            assert isinstance(app.screen, DeliberateConfirmModal)
            assert "Discard the reply written here?" in screen_text(app)
            await pilot.press("n")
            assert app.screen is screen
            assert area.text.startswith("Dear reporter, ")
            await pilot.press("escape", "y")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ReplyScreen)
            await pilot.press("escape")  # the untouched template is not the user's work
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
        assert outbox_and_events(app.database) == ([], [])


class TestReplyTemplateSwitch:
    async def test_another_template_asks_and_n_or_escape_keeps_the_text_and_the_template(
        self, tmp_path: Path, gpg_world: GpgWorld
    ) -> None:
        """r, tab, type, shift+tab, down, enter: the typed reply is not replaced without a y; n and escape keep the
        text and the template it came from, highlighted as before."""
        app = reply_app(tmp_path, gpg_world)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_reply(pilot)
            area = screen.query_one("#reply-body", TextArea)
            templates = screen.query_one("#reply-templates", OptionList)
            await pilot.press("tab", *"ZZTYPED", "shift+tab")
            assert templates.has_focus
            for keep in ("n", "escape", "enter"):
                await pilot.press("down", "enter")
                await settle(pilot)
                assert isinstance(app.screen, DeliberateConfirmModal)
                assert "Replace the reply written here with the" in screen_text(app)
                await pilot.press(keep)
                await settle(pilot)
                assert app.screen is screen
                assert "ZZTYPED" in area.text
                assert screen.draft is not None and screen.draft.template_id == "acknowledgement"
                assert templates.highlighted == 0
            await pilot.press("down", "enter", "y")
            await settle(pilot)
            assert app.screen is screen
            assert screen.draft is not None and screen.draft.template_id == "more-information"
            assert "ZZTYPED" not in area.text and area.text == screen.draft.body
            assert templates.highlighted == 1
            # The template's own text is not the user's work: another template replaces it without asking.
            templates.focus()
            await pilot.press("up", "enter")
            await settle(pilot)
            assert app.screen is screen and screen.draft.template_id == "acknowledgement"
        assert outbox_and_events(app.database) == ([], [])


class TestImpactEditorEscape:
    async def test_escape_after_a_change_asks_and_only_y_discards(self, tmp_path: Path) -> None:
        """Escape in the cell editor with typed ranges, fixed version and notes asks; n, escape and enter go back to
        the editor with everything typed; y closes it and nothing is stored; an untouched cell closes at once."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            matrix = app.screen
            await pilot.press("enter")
            await settle(pilot)
            editor = app.screen
            assert isinstance(editor, ImpactEditor)
            await pilot.press("escape")  # nothing changed: nothing to ask about
            await settle(pilot)
            assert app.screen is matrix
            await pilot.press("enter")
            await settle(pilot)
            editor = app.screen
            assert isinstance(editor, ImpactEditor)
            editor.query_one("#status", Select).value = ImpactStatus.FIXED
            editor.query_one("#ranges", Input).focus()
            await pilot.press(*"<24.1", "tab", *"24.1")
            editor.query_one("#impact-notes", TextArea).focus()
            await pilot.press(*"only on Windows")
            for keep in ("n", "escape", "enter"):
                await pilot.press("escape")
                await settle(pilot)
                assert isinstance(app.screen, DeliberateConfirmModal)
                assert "Discard the changes to this cell?" in screen_text(app)
                await pilot.press(keep)
                await settle(pilot)
                assert app.screen is editor
                assert editor.query_one("#ranges", Input).value == "<24.1"
                assert editor.query_one("#fixed", Input).value == "24.1"
                assert editor.query_one("#impact-notes", TextArea).text == "only on Windows"
            await pilot.press("escape", "y")
            await settle(pilot)
            assert app.screen is matrix
        _outbox, events = outbox_and_events(app.database)
        assert [kind for kind, _payload in events if kind.startswith("impact")] == []
