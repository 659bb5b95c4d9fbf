"""Pilot tests of what the app remembers and saves: the theme across restarts, and screenshots in a folder that
exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot

from triage_tui.app import TriageApp
from ui_fixtures import frozen_clock, seeded_store, settle, small_inbox

SIZE = (100, 30)


def _app(database: Path) -> TriageApp:
    return TriageApp(database, clock=frozen_clock)


async def _palette(pilot: Pilot[None], query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_a_theme_chosen_in_the_palette_is_back_after_a_restart(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    app = _app(database)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        default = app.theme
        await _palette(pilot, "theme")
        await pilot.press(*"dracula")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.theme == "dracula" != default
    saved = json.loads((tmp_path / "ui-state.json").read_text(encoding="utf-8"))
    assert saved == {"theme": "dracula"}
    again = _app(database)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "dracula"


@pytest.mark.parametrize(
    "content",
    [b'{"theme": "no-such-theme"}', b'{"theme": 7}', b"not json", b"[1, 2]", b"\xff\xfe", b" " * 100_000],
    ids=["unknown-name", "not-a-string", "not-json", "not-an-object", "not-utf8", "oversized"],
)
async def test_a_bad_saved_theme_is_ignored(tmp_path: Path, content: bytes) -> None:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    (tmp_path / "ui-state.json").write_bytes(content)
    app = _app(database)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        app.theme = "nord"
        await pilot.pause(0.2)
    assert json.loads((tmp_path / "ui-state.json").read_text(encoding="utf-8"))["theme"] == "nord"


async def test_the_palette_screenshot_is_saved_in_the_workspace_without_a_downloads_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "user-home"  # no Downloads folder in it
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    database = seeded_store(workspace / "triage.db", small_inbox())
    app = _app(database)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _palette(pilot, "screenshot")
        await pilot.pause(0.5)
        shots = list((workspace / "screenshots").glob("*.svg"))
        assert len(shots) == 1 and "triage-tui" in shots[0].read_text(encoding="utf-8")
        assert shots[0].stat().st_mode & 0o777 == 0o600
        said = [str(n.message) for n in app._notifications]
        assert f"Screenshot saved to {shots[0]}." in said
    assert not (home / "Downloads").exists()
