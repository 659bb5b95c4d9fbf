"""What a round of a team sync looks up and writes: the cases of reports first seen here looked up together give the
same cases as one at a time, and an impact cell the round's events leave as it was is not written again (its time
stays when it was set)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive
from triage_tui.team.refs import case_holding, cases_holding, remember_ref
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"
AUTHOR = "A" * 40
T0 = 1_760_000_000_000


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_store(tmp_path_factory.mktemp("rounds") / "base.db", small_inbox())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_cases_looked_up_together_are_those_found_one_at_a_time(base: Path, data: st.DataObject) -> None:
    with reader(base) as connection:
        held = [f"hash:{row[0]}" for row in connection.execute("SELECT content_hash FROM messages ORDER BY id")]
    unknown = ["hash:" + "0" * 64, "ghsa:GHSA-xxxx-xxxx-xxxx", "mid:<nobody@example.org>"]
    refs = data.draw(st.lists(st.sampled_from(held + unknown), max_size=12))
    remembered = data.draw(st.lists(st.sampled_from(held), max_size=3))
    with Store(base) as store, store.write() as connection:
        undone = connection.begin_nested()  # the base store stays as it was for the next example
        for ref in remembered:  # some reports known to the team here already, under the case another ref gave
            remember_ref(connection, ref, "PSC-2026-0003")
        found = cases_holding(connection, refs)
        one_at_a_time = {ref: case_holding(connection, ref) for ref in refs}
        undone.rollback()
    # Every ref it answers for, it answers as `case_holding`; it leaves out only what it does not look up in bulk.
    assert {ref: one_at_a_time[ref] for ref in found} == found
    assert {ref for ref, case in one_at_a_time.items() if case is not None and ref.startswith("hash:")} <= found.keys()


def _cell_set_at(database: Path) -> tuple[str, str]:
    with reader(database) as connection:
        row = connection.execute(
            "SELECT status, set_at FROM impacts WHERE case_id = ? AND project_id = 'pip'", (CASE,)
        ).fetchone()
        return str(row[0]), str(row[1])


def test_a_cell_the_round_leaves_as_it_was_keeps_when_it_was_set(base: Path, tmp_path: Path) -> None:
    database = tmp_path / "cell.db"
    database.write_bytes(base.read_bytes())
    cell: dict[str, object] = {
        "status": "affected",
        "ranges": [],
        "fixed_version": None,
        "justification": None,
        "notes": "",
    }
    first = TeamEvent(CASE, AUTHOR, Timestamp(T0, 0), "impact", impacts={"pip": cell})
    later = TeamEvent(CASE, AUTHOR, Timestamp(T0 + 1000, 0), "note", note="looked again")
    set_then, noted_then = datetime(2026, 6, 1, 12, 0, tzinfo=UTC), datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
    with Store(database) as store:
        with store.write() as connection:
            receive(connection, [Opened(first, AUTHOR, None)], set_then)
        status, set_at = _cell_set_at(database)
        assert status == "affected"
        with store.write() as connection:
            receive(connection, [Opened(later, AUTHOR, None)], noted_then)
    assert _cell_set_at(database) == (status, set_at)  # the note changed no cell: none was written
