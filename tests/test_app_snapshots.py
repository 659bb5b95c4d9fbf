"""Provides SVG snapshots of the inbox and the case view (stored under snapshots/test_app_snapshots/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from conftest import SNAPSHOT_ROOT
from ui_fixtures import hostile_inbox, make_app, settle

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that waits for the store reads, presses `keys`, and waits again."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        # A blinking text cursor would make the SVG depend on timing.
        for text_input in pilot.app.screen.query(Input):
            text_input.cursor_blink = False
        await pilot.pause()

    return run_before


class TestInboxSnapshots:
    def test_inbox(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The inbox: six cases newest first, verdict words with symbols, project ids, cursor on the first row."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle())

    def test_inbox_search(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """Searching 'tarfile' shows two cases and "2 of 6 matching 'tarfile'"."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle("slash", *"tarfile"))

    def test_help(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The help screen over the inbox lists the app's and the inbox's keys."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle("question_mark"))

    def test_hostile_inbox(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """Hostile subjects and names appear literally, with ␛ and <U+202E> placeholders."""
        app = make_app(tmp_path, hostile_inbox())
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle())


class TestCaseSnapshots:
    def test_signed_encrypted_with_attachment(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """PSC-2026-0001: green verdict bar, grouped fingerprint, body, unauthenticated box, two attachments."""
        assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys_then_settle("G", "enter"))

    def test_failed_decryption(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """PSC-2026-0003: red verdict bar with the decryption failure and its reason."""
        app = make_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("j", "j", "j", "enter"))

    def test_unknown_signer(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """PSC-2026-0002: yellow verdict bar: unknown key, partial scope, signer/From mismatch warning."""
        app = make_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("j", "j", "j", "j", "enter"))


def test_snapshots_land_under_snapshots_folder() -> None:
    """The conftest redirect is in force: SVGs are written under <repo>/snapshots/, not tests/__snapshots__/."""
    import pytest_textual_snapshot

    assert SNAPSHOT_ROOT.name == "snapshots"
    assert pytest_textual_snapshot.SVGImageExtension.__name__ == "RootSnapshotsSVGExtension"
    folder = SNAPSHOT_ROOT / "test_app_snapshots"
    if folder.exists():
        assert any(folder.glob("*.svg"))
