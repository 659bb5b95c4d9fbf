"""Who reads a case, with real gpg keys in a real store: in a team with a roster, the projects a coordinator's team
event linked to it (never a link intake guessed from the report's text), so a coordinator's sync never finds a
guessed link to share again; in the lab (no roster), every project linked to it here, as before."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from roster_fixtures import TeamOfFive, add, at, deliver, five
from triage_tui.store.store import Store
from triage_tui.store.team_case_store import cases_to_share, linked_projects, record_shares
from triage_tui.team.case_readers import reader_projects
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.log import share_of
from ui_fixtures import seeded_store, small_inbox

__all__ = ["five"]

BOTH = "PSC-2026-0006"
"""The small inbox's "pip and uv" report: intake links it to both projects."""
CELL: dict[str, object] = {"status": "affected", "ranges": [], "fixed_version": None, "justification": None}
CELL["notes"] = ""


def _stores(tmp_path: Path, five: TeamOfFive) -> tuple[Path, Path]:
    """A store with a roster (C coordinator, P maintaining pip, Q maintaining uv) and C's pip cell of the case, and
    a lab store holding the same report with no roster."""
    lab = seeded_store(tmp_path / "lab.db", small_inbox())
    team = tmp_path / "team.db"
    shutil.copy(lab, team)
    roster = [
        add(five, five.c, five.c, "coordinator", [], 1),
        add(five, five.c, five.p, "maintainer", ["pip"], 2),
        add(five, five.c, five.q, "maintainer", ["uv"], 3),
    ]
    cell = TeamEvent(BOTH, five.c, at(10), "impact", impacts={"pip": CELL})
    deliver(team, five.ring.gpg, [five.c], [roster, [cell]])
    return team, lab


def test_with_a_roster_a_case_is_read_by_the_projects_a_coordinator_linked_only(
    tmp_path: Path, five: TeamOfFive
) -> None:
    team, lab = _stores(tmp_path, five)
    readers = {"pip": [five.p], "uv": [five.q]}
    with Store(team) as store, store.read() as connection:
        assert sorted(linked_projects(connection, BOTH)) == ["pip", "uv"]  # uv as intake guessed it
        assert reader_projects(connection, [BOTH, ROSTER_CASE]) == {BOTH: ["pip"], ROSTER_CASE: []}
        assert share_of(connection, BOTH, reader_projects(connection, [BOTH])[BOTH])["projects"] == ["pip"]
        # Brought to the team by the coordinator's cell: still to be shared with pip's maintainer, never uv's.
        assert cases_to_share(connection, readers, 50, deciders=[five.c]) == [BOTH]
    with Store(team) as store, store.write() as connection:
        record_shares(connection, BOTH, [five.p], datetime.now(UTC))
    with Store(team) as store, store.read() as connection:
        assert cases_to_share(connection, readers, 50, deciders=[five.c]) == []  # found never again
    with Store(lab) as store, store.read() as connection:
        assert sorted(reader_projects(connection, [BOTH])[BOTH]) == ["pip", "uv"]  # the lab's readers, as before


def test_a_project_a_coordinator_unlinked_or_only_a_maintainer_named_reads_nothing(
    tmp_path: Path, five: TeamOfFive
) -> None:
    team, _lab = _stores(tmp_path, five)
    later = [
        TeamEvent(BOTH, five.c, at(20), "impact", impacts={"uv": CELL}),  # a coordinator links uv
        TeamEvent(BOTH, five.c, at(30), "impact-removed", impacts={"pip": None}),  # and takes pip off
        TeamEvent(BOTH, five.p, at(40), "impact", impacts={"pip": CELL}),  # pip's maintainer cannot link it back
    ]
    deliver(team, five.ring.gpg, [five.c], [later])
    with Store(team) as store, store.read() as connection:
        assert reader_projects(connection, [BOTH]) == {BOTH: ["uv"]}
