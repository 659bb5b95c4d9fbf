"""Provides Pilot tests of the case screen: header, verdict bars, unauthenticated text and attachments."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from triage_tui.screens.case import CaseScreen
from triage_tui.screens.case_content import age, human_size
from triage_tui.screens.save_attachment import SaveAttachmentModal
from triage_tui.widgets.verdict import VerdictBar, format_fingerprint, signature_look
from ui_fixtures import FROZEN_NOW, make_app, screen_text, settle

SIZE = (120, 36)


async def open_case(pilot: object, downs: int) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await settle(pilot)
    await pilot.press(*(["j"] * downs), "enter")
    await settle(pilot)


class TestCaseScreen:
    async def test_signed_encrypted_thread(self, tmp_path: Path) -> None:
        """A good signature: green verdict bar with the grouped fingerprint, the body, the cleartext and files."""
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 80)) as pilot:
            await open_case(pilot, 5)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            assert screen.case_id == "PSC-2026-0001"
            bars = list(screen.query(VerdictBar))
            assert len(bars) == 2
            assert not bars[0].has_class("-bad") and not bars[0].has_class("-doubtful")
            text = screen_text(app)
            assert "encrypted ✓ decrypted" in text
            assert "signature ✓ good" in text
            assert "A1B2 C3D4 E5F6 0718 293A 4B5C 6D7E 8F90 1234 5678" in text
            assert "UNAUTHENTICATED" in text
            assert "Sent from my phone" in text
            assert "poc_tarfile.py  text/x-python  57 B  sha256:" in text
            assert "(12 days ago)" in text

    async def test_failed_decryption(self, tmp_path: Path) -> None:
        """A message that could not be decrypted shows the reason in a red bar."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, 3)
            assert isinstance(app.screen, CaseScreen)
            assert app.screen.case_id == "PSC-2026-0003"
            (bar,) = app.screen.query(VerdictBar)
            assert bar.has_class("-bad")
            text = screen_text(app)
            assert "NOT decrypted (no-secret-key)" in text
            assert "no secret key for recipient" in text

    async def test_unknown_signer_with_warning(self, tmp_path: Path) -> None:
        """An unknown signer with a From mismatch and partial scope is flagged in a yellow bar."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, 4)
            (bar,) = app.screen.query(VerdictBar)
            assert bar.has_class("-doubtful")
            text = screen_text(app)
            assert "? unknown-key" in text
            assert "PARTIAL" in text
            assert "⚠ warning signer does not match From" in text

    async def test_next_message_and_scroll_keys(self, tmp_path: Path) -> None:
        """n and p move between messages of the thread; j/k/space scroll."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, 5)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            await pilot.press("n")
            assert screen.message_index == 1
            await pilot.press("n")
            assert screen.message_index == 1
            await pilot.press("p", "j", "space", "k")
            assert screen.message_index == 0
            assert app.is_running


class TestFormatting:
    def test_fingerprint_groups(self) -> None:
        assert format_fingerprint("a1b2c3d4e5f6") == "A1B2 C3D4 E5F6"
        assert format_fingerprint(None) == "–"

    def test_every_verdict_has_a_symbol_and_word(self) -> None:
        for verdict in ("good", "bad", "unknown-key", "unsigned", "expired-key", "revoked-key", "error", "new"):
            look = signature_look(verdict)
            assert look.symbol and look.word
        assert signature_look("\x1b[2J").word == "␛[2J"

    def test_sizes_and_ages(self) -> None:
        assert human_size(57) == "57 B"
        assert human_size(4300) == "4.2 KiB"
        assert age(FROZEN_NOW, FROZEN_NOW) == "just now"


class TestSaveAttachment:
    async def test_w_saves_the_chosen_attachment_to_the_named_file(self, tmp_path: Path) -> None:
        """`w` lists the attachments, the path defaults to a plain name, enter writes the bytes (mode 0600)."""
        app = make_app(tmp_path)
        target = tmp_path / "saved-poc.py"
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await open_case(pilot, 5)
            await pilot.press("w")
            await pilot.pause()
            from textual.widgets import Input

            path_input = app.screen.query_one("#path", Input)
            assert path_input.value.endswith("/poc_tarfile.py")
            path_input.value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert target.read_bytes() == b"import tarfile\n# path traversal via crafted member names\n"
            assert oct(target.stat().st_mode & 0o777) == "0o600"
            await pilot.press("w")
            await pilot.pause()
            app.screen.query_one("#path", Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, SaveAttachmentModal)  # refused: the path stays to be changed
            refusal = app.screen.query_one(".dialog-refusal", Static).visual
            assert isinstance(refusal, Content) and "already exists" in refusal.plain


class TestCaseScreenReuse:
    async def test_the_next_case_replaces_everything_shown(self, tmp_path: Path) -> None:
        """The case screen is kept between cases: the second case opened shows only its own header, thread and
        side panel, scrolled to the top, and a late read of the first case is ignored."""
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 80)) as pilot:
            await open_case(pilot, 5)
            first = app.screen
            assert isinstance(first, CaseScreen) and first.case_id == "PSC-2026-0001"
            assert len(first.query(VerdictBar)) == 2
            await pilot.press("escape")
            await pilot.press("k", "k", "enter")  # the cursor is still on 0001: two up is 0003
            await settle(pilot)
            second = app.screen
            assert second is first and second.case_id == "PSC-2026-0003"
            text = screen_text(app)
            assert "PSC-2026-0003" in text and "PSC-2026-0001" not in text
            assert "Sent from my phone" not in text
            assert len(second.query(VerdictBar)) == 1
            assert second.query_one("#thread").scroll_y == 0
            # A read of the case shown before arrives late: nothing changes.
            old = app.reads.case_view("PSC-2026-0001")
            second.post_message(CaseScreen.Loaded("PSC-2026-0001", *old))
            await settle(pilot)
            assert second.detail is not None and second.detail.summary.id == "PSC-2026-0003"
            assert "Sent from my phone" not in screen_text(app)

    async def test_a_thread_of_the_same_shape_is_refilled_not_remounted(self, tmp_path: Path) -> None:
        """Two one-message cases in a row: the thread's widgets are kept and take the second case's verdict, classes,
        headers and text."""
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_case(pilot, 3)
            screen = app.screen
            assert isinstance(screen, CaseScreen) and screen.case_id == "PSC-2026-0003"
            bar = screen.query_one(VerdictBar)
            assert bar.has_class("-bad") and "(no readable text)" in screen_text(app)
            await pilot.press("escape", "j", "enter")
            await settle(pilot)
            assert screen.case_id == "PSC-2026-0002"
            assert screen.query_one(VerdictBar) is bar
            assert bar.has_class("-doubtful") and not bar.has_class("-bad") and bar.has_class("message")
            text = screen_text(app)
            assert "sam@example.com" in text and "(no readable text)" not in text

    async def test_styles_follow_a_theme_switched_while_the_screen_was_hidden(self, tmp_path: Path) -> None:
        """The kept screen skips Textual's full restyle when it comes back, unless the app's CSS changed meanwhile."""
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_case(pilot, 5)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            dark = screen.query_one("#case-header").styles.background
            restyled: list[bool] = []
            original = CaseScreen.update_node_styles

            def counting(self: CaseScreen, animate: bool = True) -> None:
                restyled.append(True)
                original(self, animate)

            CaseScreen.update_node_styles = counting  # type: ignore[method-assign, assignment]
            try:
                await pilot.press("escape", "k", "enter")
                await settle(pilot)
                assert app.screen is screen and restyled == []
                await pilot.press("escape")
                app.theme = "textual-light"
                await pilot.pause()
                await pilot.press("enter")
                await settle(pilot)
                assert app.screen is screen and restyled == [True]
                assert screen.query_one("#case-header").styles.background != dark
            finally:
                CaseScreen.update_node_styles = original  # type: ignore[method-assign]
