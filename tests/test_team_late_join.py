"""A maintainer who joins after cases were linked to their project and sent to the team gets every one of them on
their first syncs (through `team invite` and `team join` on a real access-controlled Dovecot), and nothing of
another project's; a case no decision brought to the team yet is not sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from onboarding_fixtures import (
    BOTH_CASE_TITLE,
    PIP_CASE_TITLE,
    UV_CASE_TITLE,
    Team,
    onboard,
)
from triage_tui.store.store import Store
from triage_tui.store.team_case_store import cases_to_share, linked_projects_of, record_shares
from ui_fixtures import many_cases, seeded_store


def test_a_maintainer_invited_after_the_cases_were_sent_gets_them_on_their_first_syncs(pip_team_started: Team) -> None:
    built = pip_team_started
    coordinator = built.coordinator
    # The cells are sent before anyone maintains pip: no event of these cases waits when pip joins.
    first = built.sync(coordinator)
    team = next(report for report in first if report.get("source") == "team")
    assert team.get("error") in (None, ""), team

    onboard(built, "pip")

    pip = built.maintainers["pip"]
    titles = {case["title"] for case in built.cases_of(pip)}
    assert {PIP_CASE_TITLE, BOTH_CASE_TITLE} <= titles
    assert UV_CASE_TITLE not in titles


COORDINATORS = ("COORDINATOR2",)


def test_the_cases_still_to_share_are_found_in_one_bounded_query_per_reader_never_sent_them(tmp_path: Path) -> None:
    store = Store(seeded_store(tmp_path / "triage.db", many_cases(12)))
    try:
        with store.read() as connection:
            linked = linked_projects_of(connection, [f"PSC-2026-{n:04d}" for n in range(1, 13)])
        pip_cases = sorted(case for case, projects in linked.items() if "pip" in projects)
        assert len(pip_cases) >= 3
        team_cases = pip_cases[:-1]  # the last one no decision brought to the team: it is nobody's to be sent
        with store.write() as connection:
            for case in team_cases:
                record_shares(connection, case, ["COORDINATOR2"], datetime.now(UTC))
            record_shares(connection, pip_cases[0], ["PIPKEY"], datetime.now(UTC))
        with store.read() as connection:
            unshared = cases_to_share(connection, {"pip": ["PIPKEY"]}, 100, deciders=COORDINATORS)
            assert unshared == team_cases[1:]
            assert (
                cases_to_share(connection, {"pip": ["PIPKEY"]}, 1, deciders=COORDINATORS) == team_cases[1:2]
            )  # the rest on the next syncs
            assert cases_to_share(connection, {"pip": []}, 100, deciders=COORDINATORS) == []
            # A second reader of the project was sent none of them.
            assert cases_to_share(connection, {"pip": ["PIPKEY", "OTHER"]}, 100, deciders=COORDINATORS) == team_cases
        with store.write() as connection:
            for case in team_cases:
                record_shares(connection, case, ["PIPKEY"], datetime.now(UTC))
        with store.read() as connection:
            assert cases_to_share(connection, {"pip": ["PIPKEY"]}, 100, deciders=COORDINATORS) == []
    finally:
        store.close()
