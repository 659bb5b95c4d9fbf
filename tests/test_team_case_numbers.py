"""Regression, on a real access-controlled Dovecot with real gpg: a maintainer's workstation numbers the cases shared
with it on its own (PSC-YYYY-0001.. in the order they came), so the gaps in the coordinator's numbers never tell the
maintainer how many cases they were not shown; decisions still cross both ways, since events name cases by ref."""

from __future__ import annotations

from datetime import UTC, datetime

from onboarding_fixtures import (
    BOTH_CASE_TITLE,
    PIP_CASE_TITLE,
    UV_CASE_TITLE,
    Station,
    Team,
    case_on,
    notes_of,
    rejected_on,
)
from triage_tui.domain import format_case_id
from triage_tui.services.store_key import unlock_store
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import HybridClock
from triage_tui.team.log import case_ref, record_local

FORGED = "please send the PoC to evil@example.org"

LATER_TITLE = "setuptools: arbitrary code via setup.cfg? tarfile"
"""A case of the coordinator's inbox no project is linked to until the test links it to pip."""


def _year(case_id: str) -> int:
    return int(case_id.split("-")[1])


def test_the_pip_maintainers_cases_are_numbered_on_their_workstation_and_decisions_still_cross(team: Team) -> None:
    pip, coordinator = team.maintainers["pip"], team.coordinator
    # A later case, shared after the first two: the coordinator's number of it is far past pip's.
    later = next(case["id"] for case in team.cases_of(coordinator) if case["title"] == LATER_TITLE)
    team.ok(coordinator, "case", later, "cell", "pip", "investigating")
    team.sync(coordinator)
    team.sync(pip)

    titles = (PIP_CASE_TITLE, BOTH_CASE_TITLE, LATER_TITLE)  # the order they came: the first two at the join
    theirs = {case["title"]: case["id"] for case in team.cases_of(coordinator)}
    held = {case["title"]: case["id"] for case in team.cases_of(pip)}
    assert set(held) == set(titles)
    first_two = sorted(held[title] for title in titles[:2])
    year = _year(theirs[PIP_CASE_TITLE])
    assert first_two == [format_case_id(year, 1), format_case_id(year, 2)]
    assert held[LATER_TITLE] == format_case_id(_year(theirs[LATER_TITLE]), 3)
    assert sorted(theirs[title] for title in titles) != sorted(held.values())  # the coordinator's differ here

    # A pip cell by the maintainer, on each case by their own id, shows on the coordinator's case; a coordinator's
    # note, on each case by the coordinator's id, shows on the maintainer's.
    for title in titles:
        team.ok(pip, "case", held[title], "cell", "pip", "affected", "--ranges", "<24.1")
        team.ok(coordinator, "case", theirs[title], "note", f"coordinator on {title}")
    team.sync(pip)
    team.sync(coordinator)
    team.sync(pip)
    for title in titles:
        at_coordinator = case_on(team, coordinator, title)
        pip_cells = [i for i in at_coordinator["impacts"] if i["project"] == "pip"]
        assert [(i["status"], i["ranges"]) for i in pip_cells] == [("affected", ["<24.1"])], title
        assert f"coordinator on {title}" in notes_of(case_on(team, pip, title)), title
    # pip's ids name other cases at the coordinator's (its 0002 may be the uv case there): the cells went by ref.
    assert [i["project"] for i in case_on(team, coordinator, UV_CASE_TITLE)["impacts"]] == ["uv"]


def test_an_event_naming_its_case_by_id_alone_is_refused_on_every_workstation_of_the_team(team: Team) -> None:
    """The coordinator's id of the uv case is pip's id of another case: an event with no ref, placed by id, would
    land on different cases on different workstations, so where the id names a case numbered by its share it is
    placed on none."""
    pip, uv, coordinator = team.maintainers["pip"], team.maintainers["uv"], team.coordinator
    uv_case = team.cases[UV_CASE_TITLE]
    assert uv_case in {case["id"] for case in team.cases_of(pip)}  # the same id names another case on pip's
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    forged = TeamEvent(uv_case, pip.fingerprint, HybridClock().now(), "note", note=f"by id alone: {FORGED}")
    with Store(pip.home / "triage.db") as store, store.write() as connection:
        record_local(connection, forged, datetime.now(UTC))
    team.sync(pip)
    team.sync(coordinator)
    team.sync(uv)

    for station in (coordinator, uv):
        for case in team.cases_of(station):
            assert not [t for t in notes_of(case_on(team, station, case["title"])) if FORGED in t], case["title"]
    # The coordinator numbered its uv case itself: the note is placed on it, and refused by the rights' rule; on
    # uv's workstation that id is a case shared with it and numbered there, so the note is placed on none.
    (refused,) = [reason for _kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint]
    assert "not a maintainer of any project linked to this case" in refused
    (refused,) = [reason for _kind, author, reason in rejected_on(uv) if author == pip.fingerprint]
    assert "id alone" in refused


def _logged_bytes(station: Station) -> list[bytes]:
    """Every event the workstation's log keeps: its canonical bytes and its signed form, as received or sent."""
    unlock_store(station.home / "triage.db", station.fingerprint, station.ring.home)
    with Store(station.home / "triage.db") as store, store.read() as connection:
        rows = connection.execute("SELECT body, signed FROM team_events").fetchall()
    return [bytes(part) for row in rows for part in row if part is not None]


def test_nothing_a_maintainer_holds_names_a_case_by_the_coordinators_number(team: Team) -> None:
    """The coordinator's numbers never reach a maintainer, not even inside the signed events kept in their log:
    events of a team name cases by their report alone, so the gaps between the numbers of the cases shared with pip
    cannot tell how many cases the coordinators hold that pip was never shown."""
    pip, coordinator = team.maintainers["pip"], team.coordinator
    # Decisions both ways after the shares: a coordinator's note and state, and a pip cell.
    held = {case["title"]: case["id"] for case in team.cases_of(pip)}
    theirs = {case["title"]: case["id"] for case in team.cases_of(coordinator)}
    team.ok(coordinator, "case", theirs[PIP_CASE_TITLE], "note", "a coordinator's note")
    team.ok(coordinator, "case", theirs[PIP_CASE_TITLE], "state", "triage")
    team.ok(pip, "case", held[BOTH_CASE_TITLE], "cell", "pip", "affected", "--ranges", "<24.1")
    team.sync(coordinator)
    team.sync(pip)
    team.sync(coordinator)

    numbers = {case["id"].encode() for case in team.cases_of(coordinator)}
    logged = _logged_bytes(pip)
    assert len(logged) > 6  # the shares, the histories sent with them, the decisions since, signed and not
    assert not [data for data in logged for number in numbers if number in data]
    assert not [data for data in logged if b'"case":"PSC-' in data]
    # Decisions still land on the right case both ways (the events name it by its ref).
    assert "a coordinator's note" in notes_of(case_on(team, pip, PIP_CASE_TITLE))
    cells = case_on(team, coordinator, BOTH_CASE_TITLE)["impacts"]
    assert [(i["status"], i["ranges"]) for i in cells if i["project"] == "pip"] == [("affected", ["<24.1"])]


def test_a_case_decided_before_the_roster_reaches_a_maintainer_named_by_its_report(team: Team) -> None:
    """Events of an earlier version, or from before the team had a roster, named their case by the coordinator's
    number: a share sends them restated by the sharing coordinator, naming the case by its report alone."""
    pip, coordinator = team.maintainers["pip"], team.coordinator
    later = next(case["id"] for case in team.cases_of(coordinator) if case["title"] == LATER_TITLE)
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.write() as connection:
        old_form = TeamEvent(
            later, coordinator.fingerprint, HybridClock().now(), "note", note="noted before the roster",
            ref=case_ref(connection, later),
        )  # fmt: skip
        record_local(connection, old_form, datetime.now(UTC))
    team.sync(coordinator)  # sent to the coordinators only: no project is linked yet
    team.ok(coordinator, "case", later, "cell", "pip", "investigating")
    team.sync(coordinator)
    team.sync(pip)

    assert "noted before the roster" in notes_of(case_on(team, pip, LATER_TITLE))
    assert not [data for data in _logged_bytes(pip) if later.encode() in data or b'"case":"PSC-' in data]
