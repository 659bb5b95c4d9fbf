"""Text that team members send (titles, labels, assignees, reasons, notes, cell notes) is untrusted whoever signed
it: the command line's text output shows its controls and bidi overrides as visible placeholders, and every JSON
output escapes them, so the document parses back to exactly what was sent."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from test_config import VALID
from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened, TeamRoles, judge
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive
from ui_fixtures import printed, seeded_store, small_inbox

CASE = "PSC-2026-0001"
COORDINATOR = "C" * 40
# An OSC 52 clipboard write, a window-title change, a screen clear, a CSI as one C1 byte, a bidi override, DEL.
HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\x7f"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
"""Every character a terminal acts on or that reorders text (tab and line feed aside)."""


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    """A workspace whose case PSC-2026-0001 took a coordinator's hostile decisions through a team sync."""
    seeded_store(tmp_path / "triage.db", small_inbox())
    now = int(time.time() * 1000)
    events = [
        TeamEvent(CASE, COORDINATOR, Timestamp(now), "title", {"title": ("old", f"title {HOSTILE}")}),
        TeamEvent(CASE, COORDINATOR, Timestamp(now + 1), "labels", {"labels": ([], [f"label {HOSTILE}"])}),
        TeamEvent(CASE, COORDINATOR, Timestamp(now + 2), "assign", {"assignee": (None, f"who {HOSTILE}")}),
        TeamEvent(CASE, COORDINATOR, Timestamp(now + 3), "note", note=f"note {HOSTILE}\nsecond line"),
        TeamEvent(
            CASE,
            COORDINATOR,
            Timestamp(now + 4),
            "impact",
            impacts={"pip": {"status": "fixed", "fixed_version": "24.1", "notes": f"cell {HOSTILE}"}},
        ),
    ]
    roles = TeamRoles(coordinators=frozenset({COORDINATOR}))
    with Store(tmp_path / "triage.db") as store, store.write() as connection:
        receive(connection, [judge(Opened(e, e.author, None), roles, set()) for e in events], datetime.now(UTC))
    (tmp_path / "config.toml").write_text(with_identity(VALID, gpg_world.team))
    return tmp_path


@pytest.mark.parametrize("command", [("cases",), ("show", CASE)])
def test_text_output_shows_team_members_controls_as_visible_placeholders(home: Path, command: tuple[str, ...]) -> None:
    text = printed(home, *command)
    assert not RAW.findall(text)
    # Visibly neutralised, not dropped: ESC as ␛, BEL as ␇, the C1 CSI and the override named.
    assert "title ␛]52;c;cHduZWQ=␇␛]0;owned␇␛[2J<U+009B>31m<U+202E>evil␡" in text


@pytest.mark.parametrize("command", [("cases", "--json"), ("show", CASE, "--json"), ("matrix", "--format", "json")])
def test_json_output_escapes_team_members_controls_and_keeps_them(home: Path, command: tuple[str, ...]) -> None:
    text = printed(home, *command)
    assert not RAW.findall(text)
    assert "\\u001b]52;c;cHduZWQ=\\u0007" in text and "\\u009b31m\\u202eevil\\u007f" in text
    document = json.loads(text)  # the same document: the escapes are JSON's own
    assert f"title {HOSTILE}" in _strings(document)


def test_show_json_keeps_every_team_text_exactly(home: Path) -> None:
    document = json.loads(printed(home, "show", CASE, "--json"))
    strings = _strings(document)
    for sent in (f"title {HOSTILE}", f"note {HOSTILE}\nsecond line", f"cell {HOSTILE}"):
        assert sent in strings


def _strings(value: object) -> set[str]:
    """Every string in a JSON document."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()), set(map(str, value)))
    if isinstance(value, list):
        return set().union(set(), *(_strings(v) for v in value))
    return set()


async def test_the_workstation_shows_team_members_text_neutralised(home: Path) -> None:
    """The inbox row and the case view (header, labels, assignee, notes, the pip cell's notes on the timeline)."""
    from test_app_actions import case_text
    from triage_tui.app import TriageApp
    from triage_tui.screens.case import CaseScreen
    from triage_tui.widgets.case_list import CaseList
    from ui_fixtures import frozen_clock, screen_text, settle

    app = TriageApp(home / "triage.db", clock=frozen_clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        cases = app.screen.query_one(CaseList)
        cases.cursor = next(i for i in range(cases.count) if (row := cases._row(i)) and row.id == CASE)
        inbox = screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        shown = case_text(app)
        for text in (inbox, screen_text(app), shown, app.export_screenshot()):
            assert not RAW.findall(text)
        assert "title ␛]52;c;cHduZWQ=␇" in inbox
        for sent in ("label", "who", "note"):
            assert f"{sent} ␛]52;c;cHduZWQ=␇␛]0;owned␇␛[2J<U+009B>31m<U+202E>evil␡" in shown
