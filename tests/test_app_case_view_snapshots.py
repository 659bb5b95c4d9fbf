"""Provides SVG snapshots of a case with hostile text at 80x24 (side panel hidden, then shown) and 200x50 (stored
under snapshots/test_app_case_view_snapshots/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from test_app_snapshots import keys_then_settle
from ui_fixtures import hostile_inbox, make_app

SnapCompare = Callable[..., bool]


@pytest.mark.parametrize(
    ("size", "keys"),
    [((80, 24), ("enter",)), ((80, 24), ("enter", "i")), ((200, 50), ("enter",))],
    ids=["80x24", "80x24-side-panel", "200x50"],
)
def test_hostile_case(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """The newest hostile case: its title, names and body shown literally (␛ and <U+202E> placeholders), the header's
    fields separated; at 80 columns the message has the width until i shows the side panel."""
    app = make_app(tmp_path, hostile_inbox())
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle(*keys))
