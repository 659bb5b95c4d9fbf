"""Snapshot tests of the filter, embargo, reply and decision (assign) dialogs at 80x24 (each must fit: nothing cut
off, the hint that names escape shown) and at 200x50, in the dark and the light theme."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from gpg_fixtures import GpgWorld
from replies_fixtures import set_case
from test_app_actions import keys_then_settle, make_app
from test_app_snapshots import SnapCompare
from test_replies_screen import reply_app
from triage_tui.replies import workflow
from triage_tui.replies.compose_reply import RecipientKey

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]
THEMES = [pytest.param("textual-dark", id="dark"), pytest.param("textual-light", id="light")]
DIALOGS = {
    "filter": ("f",),
    "embargo": ("enter", "e", "f"),  # a quick end filled in: the countdown and the policy line show
    "assign": ("enter", "a"),
    "state": ("enter", "t"),
}
"""The keys that open each dialog of the small inbox's app (embargo and assign on its first case)."""


def opened(theme: str, keys: tuple[str, ...]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that sets `theme`, presses `keys` (waiting for the store after each) and stills the cursors."""
    return keys_then_settle(*keys, theme=theme)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dialog", list(DIALOGS))
def test_dialog(snap_compare: SnapCompare, tmp_path: Path, dialog: str, size: tuple[int, int], theme: str) -> None:
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=opened(theme, DIALOGS[dialog]))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_reply(
    snap_compare: SnapCompare,
    tmp_path: Path,
    gpg_world: GpgWorld,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
    theme: str,
) -> None:
    fixed = RecipientKey("reporter@example.org", "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678", "signed their messages")
    monkeypatch.setattr(workflow, "find_reporter_key", lambda gpg, detail: fixed)
    app = reply_app(tmp_path, gpg_world)
    set_case(app.database, embargo_until=datetime(2026, 4, 30, 12, 0))
    assert snap_compare(app, terminal_size=size, run_before=opened(theme, ("enter", "r")))
