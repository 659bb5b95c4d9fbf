"""A case shared with a workstation before a coordinator linked another project to it: the coordinator's cell of that
project reaches every reader of the case, and shows on the earlier reader's workstation as on the new project's
readers', even for a project that workstation never knew (the share sent again is the new readers' alone), whatever
order the events arrive in. Through the store, with the receiving path a sync takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_convergence import AUTHORS
from test_team_store_convergence import base_store, deliver
from triage_tui.store.connection import reader
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import case_ref, share_of
from ui_fixtures import seeded_store

__all__ = ["base_store"]  # the fixture, imported so pytest finds it here

CASE = "PSC-2026-0001"
NEW_PROJECT = "hatchling"
"""A project the earlier reader's workstation never knew (no case shared with it was linked to it)."""


def _events(base: Path) -> tuple[TeamEvent, TeamEvent]:
    with reader(base) as connection:
        content, ref = share_of(connection, CASE), case_ref(connection, CASE)
    coordinator = AUTHORS[0]
    first = TeamEvent(CASE, coordinator, Timestamp(1_780_000_000_000, 0), "share",
                      share={**content, "projects": ["pip"]}, ref=ref)  # fmt: skip
    cell = TeamEvent(CASE, coordinator, Timestamp(1_780_000_001_000, 0), "impact",
                     impacts={NEW_PROJECT: {"status": "affected", "ranges": ["<1.27"]}}, ref=ref)  # fmt: skip
    return first, cell


def _cells(database: Path) -> dict[str, str]:
    with reader(database) as connection:
        rows = connection.execute("SELECT project_id, status FROM impacts ORDER BY project_id").fetchall()
    return {str(project): str(status) for project, status in rows}


@pytest.mark.parametrize("order", ["cell first", "share first", "one batch"])
def test_a_project_linked_after_the_share_shows_on_the_earlier_readers_workstation(
    base_store: Path, tmp_path: Path, order: str
) -> None:
    first, cell = _events(base_store)
    maintainer = seeded_store(tmp_path / "pip.db", [])  # none of the reports: the case comes by its share
    batches = {
        "cell first": [[cell], [first]],  # the cell waits for its case
        "share first": [[first], [cell]],
        "one batch": [[first, cell]],
    }[order]
    deliver(maintainer, batches)
    assert _cells(maintainer) == {"pip": "unknown", NEW_PROJECT: "affected"}
