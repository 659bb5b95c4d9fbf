"""Property test of convergence through the store itself: two workstations that receive the same events, in any
order, split into any batches, with duplicates (refused as replays), end with the same cases, cells (who set them
and when included), and timeline rows (received notes, decisions, unlinks and conflicts) in their databases."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_convergence import AUTHORS, events
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened, TeamRoles, judge
from triage_tui.team.events import TeamEvent
from triage_tui.team.receive import receive
from ui_fixtures import seeded_store, small_inbox

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ROLES = TeamRoles(coordinators=frozenset(AUTHORS))


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The small inbox: PSC-2026-0001 and -0002 among its cases.
    return seeded_store(tmp_path_factory.mktemp("team") / "base.db", small_inbox())


def deliver(database: Path, batches: list[list[TeamEvent]]) -> None:
    """Receive each batch in its own transaction, judged as a sync would judge it (a repeat is a replay)."""
    with Store(database) as store:
        for batch in batches:
            with store.write() as connection:
                applied = {
                    row[0] for row in connection.exec_driver_sql("SELECT id FROM team_events WHERE status = 'applied'")
                }
                opened = []
                for event in batch:
                    verdict = judge(Opened(event, event.author, None), ROLES, applied)
                    opened.append(verdict)
                    if verdict.rejection is None:
                        applied.add(event.id)
                receive(connection, opened, NOW)


def store_view(database: Path) -> dict[str, object]:
    """Everything the screens show of the cases the events touch."""
    with reader(database) as connection:
        cases = connection.execute(
            "SELECT id, state, assignee, labels FROM cases WHERE id IN ('PSC-2026-0001', 'PSC-2026-0002') ORDER BY id"
        ).fetchall()
        cells = connection.execute(
            "SELECT case_id, project_id, status, fixed_version, justification, set_by, set_at FROM impacts "
            "ORDER BY 1, 2"
        ).fetchall()
        timeline = connection.execute(
            "SELECT case_id, kind, at, payload, author FROM events WHERE payload LIKE '%team_event%' "
            "ORDER BY case_id, kind, at, payload"
        ).fetchall()
    return {
        "cases": [(r[0], r[1], r[2], sorted(json.loads(r[3] or "[]"))) for r in cases],
        "cells": [tuple(r) for r in cells],
        # The conflict notes are stamped with when they were found; their content is what must agree.
        "timeline": [(r[0], r[1], "" if r[1] == "team-conflict" else r[2], r[3], r[4]) for r in timeline],
    }


def _split(items: list[TeamEvent], cuts: list[int]) -> list[list[TeamEvent]]:
    points = sorted({c % (len(items) + 1) for c in cuts})
    batches, start = [], 0
    for point in [*points, len(items)]:
        if point > start:
            batches.append(items[start:point])
            start = point
    return batches


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(events, min_size=1, max_size=15), st.randoms(use_true_random=False), st.data())
def test_two_stores_given_the_same_events_in_any_order_and_batches_agree(base_store, batch, rng, data) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="ttp") as folder:
        first, second = Path(folder) / "a.db", Path(folder) / "b.db"
        shutil.copy(base_store, first)
        shutil.copy(base_store, second)
        deliver(first, [batch])
        again = list(batch) + data.draw(st.lists(st.sampled_from(batch), max_size=8))
        rng.shuffle(again)
        deliver(second, _split(again, data.draw(st.lists(st.integers(0, 40), max_size=4))))
        assert store_view(second) == store_view(first)
