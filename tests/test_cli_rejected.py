"""`triage-tui rejected [--json]`: the R view from the command line: each refused team event with its case, kind,
author (by name when the roster knows the key; an unsigned one only names an author) and reason, and each message
of the team folders that held no event; every field neutralised in text."""

from __future__ import annotations

import argparse
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from triage_tui.cli.parser import build_parser
from triage_tui.cli.reads import list_rejected
from triage_tui.store.store import Store
from triage_tui.store.team_log_store import UnreadableMessage, keep_unreadable
from triage_tui.team.envelope import Opened, Rejection
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOSTILE = "EVIL\x1b[2J\u202eAUTHOR"


def refused_store(tmp_path: Path) -> Path:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    state = TeamEvent(CASE, HOSTILE, Timestamp(int(time.time() * 1000)), "state", {"state": ("new", "closed")})
    unsigned = TeamEvent(CASE, "A" * 40, Timestamp(int(time.time() * 1000) + 1), "note", note="hello")
    with Store(database) as store, store.write() as connection:
        receive(
            connection, [Opened(state, HOSTILE, Rejection.NO_ROLE), Opened(unsigned, None, Rejection.UNSIGNED)], NOW
        )
        junk = UnreadableMessage("team", "Team/pip 1:7", "not a team event message (Team/pip, UID 7)", b"x", "2026")
        keep_unreadable(connection, [junk])
    return database


def listed(database: Path, *, as_json: bool) -> str:
    out = io.StringIO()
    with Store(database) as store:
        assert list_rejected(store, argparse.Namespace(json=as_json), out) == 0
    return out.getvalue()


def test_the_json_lists_every_refusal_and_the_message_that_held_no_event(tmp_path: Path) -> None:
    items = json.loads(listed(refused_store(tmp_path), as_json=True))
    by_kind = {item["kind"]: item for item in items}
    assert by_kind["state"]["case"] == CASE and by_kind["state"]["author"] == HOSTILE and by_kind["state"]["signed"]
    assert by_kind["state"]["reason"].startswith("beyond its author's rights")
    assert by_kind["note"]["signed"] is False
    [message] = [item for item in items if item["message"]]
    assert message["case"] is None and "(Team/pip, UID 7)" in message["reason"]


def test_the_text_is_neutralised_and_says_what_was_unsigned(tmp_path: Path) -> None:
    text = listed(refused_store(tmp_path), as_json=False)
    assert "\x1b" not in text and "\u202e" not in text
    assert f"{CASE}  state  by EVIL" in text and "unsigned, naming AAAA" in text
    assert "a message holding no team event" in text


def test_the_command_line_takes_it() -> None:
    args = build_parser().parse_args(["rejected", "--json", "--home", "somewhere"])
    assert (args.command, args.json) == ("rejected", True)
