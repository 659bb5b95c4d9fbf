"""The team log's lookup indexes hold only the events they find: by report, those waiting for their case; by origin,
the local ones (to send). The events a sync applies, thousands at once, add no entry to either."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import record_local, unsent
from triage_tui.team.receive import receive
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"
AUTHOR = "A" * 40
NOW = datetime(2026, 6, 1, tzinfo=UTC)
WAITING_REF = "hash:" + "0" * 64
"""A report no case here holds: its events wait for it."""


def _entries(database: Path, index: str) -> int:
    """How many entries the index holds (its leaf cells, as SQLite's page statistics count them)."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (index,)
        ).fetchone()
    return int(row[0])


def test_applied_events_enter_neither_the_waiting_nor_the_local_index(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "store.db", small_inbox())
    applied = [TeamEvent(CASE, AUTHOR, Timestamp(1_780_000_000_000 + n), "note", note=f"note {n}") for n in range(20)]
    waiting = TeamEvent("PSC-2026-0999", AUTHOR, Timestamp(1_780_000_001_000), "note", note="early", ref=WAITING_REF)
    local = TeamEvent(CASE, AUTHOR, Timestamp(1_780_000_002_000), "note", note="made here")
    with Store(database) as store:
        with store.write() as connection:
            receive(connection, [Opened(event, AUTHOR, None) for event in [*applied, waiting]], NOW)
            record_local(connection, local, NOW)
        with store.read() as connection:
            statuses = dict(connection.execute("SELECT id, case_id FROM team_events").fetchall())
            to_send = [item.event.id for item in unsent(connection)]
    assert all(statuses[event.id] == CASE for event in applied)
    assert statuses[waiting.id] == "?PSC-2026-0999"  # waiting for its report
    assert to_send == [local.id]  # the local event is still found to send
    assert _entries(database, "ix_team_events_ref") == 1  # the waiting event alone
    assert _entries(database, "ix_team_events_outgoing") == 1  # the local event alone
