"""Property test of the roster through the store: workstations that receive the same roster changes (additions,
removals, rotations, revocations) and case events, in any order and split into any batches, fold the same roster
and end with every event judged alike (applied or refused for the same rule) and the same case; each case event is
judged against the roster in force at its time, including events signed before a rotation and received after it."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import gnupg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpg_fixtures import kill_and_remove, make_home
from roster_fixtures import TeamOfFive, add, at, deliver, five, remove, revoke, rotate
from team_config_fixtures import linked_store
from test_team_store_convergence import _split
from triage_tui.store.connection import reader
from triage_tui.store.team_log_store import IGNORED_SOURCE
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.rights import ignored_event_reason
from triage_tui.team.roster import fold

__all__ = ["five"]
CASE = "PSC-2026-0001"


def cell(status: str, fixed: str | None = None) -> dict[str, object]:
    return {"status": status, "ranges": [], "fixed_version": fixed, "justification": None, "notes": ""}


def story(team: TeamOfFive) -> dict[str, tuple[TeamEvent, str | None]]:
    """Every event, by name, with the rule it must be refused for (None: applied)."""
    c, d, p, q, q2 = team.c, team.d, team.p, team.q, team.q2

    def case(author: str, when: float, kind: str, **parts: object) -> TeamEvent:
        return TeamEvent(CASE, author, at(when), kind, **parts)  # type: ignore[arg-type]

    return {
        "found": (add(team, c, c, "coordinator", [], 1), None),
        "add D": (add(team, c, d, "coordinator", [], 2), None),
        "add P": (add(team, d, p, "maintainer", ["pip"], 3), None),
        "add Q": (add(team, c, q, "maintainer", ["pip"], 4), None),
        "rotate Q": (rotate(team, q, q2, 5), None),
        "remove P": (remove(d, p, 6), None),
        "revoke Q2": (revoke(c, q2, since=9, when=7), None),
        "revoke D": (revoke(c, d, since=11, when=12), None),
        "D early note": (case(d, 1.5, "note", note="before D was a member"), "NO_ROLE"),
        "D state": (case(d, 2.5, "state", changes={"state": ("new", "triage")}), None),
        # Before any coordinator's event links pip (the case's link at intake is that workstation's own and counts
        # for no maintainer's cell), a pip maintainer's cell is ignored, and stays so once pip is linked later.
        "P early cell": (case(p, 3.2, "impact", impacts={"pip": cell("affected")}), None),
        "D links pip": (case(d, 3.4, "impact", impacts={"pip": cell("investigating")}), None),
        # A pip maintainer's note before any coordinator's event links pip (its case id guessed): ignored whole.
        "P early note": (case(p, 3.3, "note", note="before pip was linked"), None),
        "P cell": (case(p, 3.5, "impact", impacts={"pip": cell("affected")}), None),
        "P state": (case(p, 3.6, "state", changes={"state": ("triage", "closed")}), "NO_ROLE"),
        "P uv cell": (case(p, 3.7, "impact", impacts={"uv": cell("affected")}), "NO_ROLE"),
        "Q cell": (case(q, 4.5, "impact", impacts={"pip": cell("fixed", "24.1")}), None),
        "Q old-key note": (case(q, 5.5, "note", note="signed by the rotated key"), "NO_ROLE"),
        "P removed note": (case(p, 6.5, "note", note="after P's removal"), "NO_ROLE"),
        "Q2 note": (case(q2, 8, "note", note="new key, before its revocation"), None),
        # Once a coordinator unlinks pip, a pip maintainer's note is ignored whole again (shown, then taken off the
        # timeline, on a workstation the unlink reaches after it).
        "C unlinks pip": (case(c, 8.5, "impact", impacts={"pip": None}), None),
        "Q2 unlinked note": (case(q2, 8.7, "note", note="after pip was unlinked"), None),
        "Q2 revoked note": (case(q2, 10, "note", note="after the revocation's since"), "REVOKED"),
        "D revoked state": (case(d, 11.5, "state", changes={"state": ("triage", "fixing")}), "REVOKED"),
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_store(tmp_path_factory.mktemp("roster") / "base.db", (CASE, "pip"))  # the case involves pip


def empty_keyring() -> Iterator[gnupg.GPG]:
    """A receiving workstation's keyring: none of the team's keys at first (they come with the roster)."""
    home = make_home()
    try:
        yield gnupg.GPG(gnupghome=str(home))
    finally:
        kill_and_remove(home)


@pytest.fixture(scope="module")
def receiver() -> Iterator[gnupg.GPG]:
    """One keyring for the module's workstation, filled by the rosters its tests deliver."""
    yield from empty_keyring()


def view(database: Path) -> dict[str, object]:
    with reader(database) as connection:
        statuses = connection.execute("SELECT id, status, rejection FROM team_events ORDER BY id").fetchall()
        # Applied events whose cells were ignored (no coordinator had linked their project), listed under R.
        ignored = connection.execute(
            "SELECT e.id, f.reason FROM intake_failures f JOIN team_events e ON e.id = f.source_key "
            "WHERE f.source = ? AND e.status = 'applied' ORDER BY e.id",
            (IGNORED_SOURCE,),
        ).fetchall()
        case = connection.execute("SELECT state, labels FROM cases WHERE id = ?", (CASE,)).fetchone()
        cells = connection.execute(
            "SELECT project_id, status, set_by, set_at FROM impacts WHERE case_id = ? ORDER BY 1", (CASE,)
        )
        # Received decisions (and unlinks) on the timeline: an event judged again and refused takes its row away.
        decisions = connection.execute(
            "SELECT kind, at, author, payload FROM events WHERE case_id = ? AND kind NOT IN ('note', 'team-conflict') "
            "AND payload LIKE '%team_event%' ORDER BY at, kind, payload",
            (CASE,),
        ).fetchall()
        notes = connection.execute(
            "SELECT payload FROM events WHERE case_id = ? AND kind = 'note' AND payload LIKE '%team_event%' "
            "ORDER BY at, payload",
            (CASE,),
        ).fetchall()
        return {
            "events": [tuple(row) for row in statuses],
            "ignored": [tuple(row) for row in ignored],
            "case": tuple(case),
            "cells": [tuple(row) for row in cells.fetchall()],
            "notes": [json.loads(row[0])["text"] for row in notes],
            "decisions": [tuple(row) for row in decisions],
        }


def test_the_story_judges_each_event_against_the_roster_at_its_time(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    events = story(five)
    database = tmp_path / "one.db"
    shutil.copy(base, database)
    deliver(database, receiver, [five.c], [[event for event, _rule in events.values()]])
    got = {event_id: rejection for event_id, _status, rejection in view(database)["events"]}  # type: ignore[attr-defined]
    assert {name: got[event.id] for name, (event, _rule) in events.items()} == {
        name: rule for name, (_event, rule) in events.items()
    }
    shown = view(database)
    assert shown["case"][0] == "triage"  # type: ignore[index]
    assert shown["cells"] == []  # the coordinator unlinked pip at last
    cells = [row[2] for row in shown["decisions"] if row[0] == "impact"]  # type: ignore[attr-defined]
    assert events["Q cell"][0].author in cells  # who set it, not this user
    assert shown["notes"] == ["new key, before its revocation"]
    assert sorted(shown["ignored"]) == sorted(  # type: ignore[call-overload]
        [
            (events["P early cell"][0].id, ignored_event_reason(["pip"])),
            (events["P early note"][0].id, ignored_event_reason([])),
            (events["Q2 unlinked note"][0].id, ignored_event_reason([])),
        ]
    )
    # The keys came with the roster: nobody imported them by hand.
    held = {k["fingerprint"] for k in receiver.list_keys()}
    assert {five.c, five.d, five.p, five.q, five.q2} <= held


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(24)), cuts=st.lists(st.integers(0, 24), max_size=5))
def test_any_order_and_batching_of_roster_changes_and_events_ends_the_same(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, order: list[int], cuts: list[int]
) -> None:
    events = [event for event, _rule in story(five).values()]
    assert len(events) == 24
    folder = Path(tempfile.mkdtemp(prefix="roster-"))
    try:
        reference, shuffled = folder / "reference.db", folder / "shuffled.db"
        shutil.copy(base, reference)
        shutil.copy(base, shuffled)
        ordered = sorted(events, key=TeamEvent.order_key)
        deliver(reference, receiver, [five.c], [ordered])
        deliver(shuffled, receiver, [five.c], _split([events[i] for i in order], cuts))
        assert view(shuffled) == view(reference)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def forged(team: TeamOfFive) -> list[TeamEvent]:
    """An addition whose key is not the member's (refused for its key material once judged, so the settled fold
    never has it), and a decision by that would-be member that only a fold with the addition accepts."""
    add_q2 = add(team, team.c, team.q2, "coordinator", [], 4.8)
    spec = {**add_q2.roster["member"], "key": team.armored(team.q)}  # type: ignore[index]
    bad = TeamEvent(ROSTER_CASE, team.c, add_q2.at, "member-add", roster={"member": spec})
    return [bad, TeamEvent(CASE, team.q2, at(4.9), "state", {"state": ("triage", "ready")})]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(26)), cuts=st.lists(st.integers(0, 26), max_size=5))
def test_batches_judged_with_their_own_roster_changes_end_as_one_round_in_order_does(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, order: list[int], cuts: list[int]
) -> None:
    # As the transport judges a batch: its case events under the roster with the batch's roster events folded in
    # (`batch_history`), and settled from where that fold and the settled one differ.
    events = [event for event, _rule in story(five).values()] + forged(five)
    folder = Path(tempfile.mkdtemp(prefix="roster-"))
    try:
        reference, batched = folder / "reference.db", folder / "batched.db"
        shutil.copy(base, reference)
        shutil.copy(base, batched)
        ordered = sorted(events, key=TeamEvent.order_key)
        deliver(reference, receiver, [five.c], [ordered])
        deliver(batched, receiver, [five.c], _split([events[i] for i in order], cuts), provisional=True)
        assert view(batched) == view(reference)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_decision_accepted_under_a_batchs_forged_addition_is_refused_once_the_batch_settles(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    story_events = story(five)
    database = tmp_path / "one.db"
    shutil.copy(base, database)
    founding = [story_events[name][0] for name in ("found", "add D", "add P", "add Q")]
    deliver(database, receiver, [five.c], [founding])
    bad, decision = forged(five)
    deliver(database, receiver, [five.c], [[bad, decision]], provisional=True)
    got = {event_id: rejection for event_id, _status, rejection in view(database)["events"]}  # type: ignore[attr-defined]
    assert (got[bad.id], got[decision.id]) == ("BAD_ROSTER_KEY", "NO_ROLE")
    assert view(database)["case"][0] != "ready"  # type: ignore[index]


@given(order=st.permutations(range(8)))
def test_the_fold_depends_only_on_the_set_of_roster_events(five: TeamOfFive, order: list[int]) -> None:
    events = [event for event, _rule in story(five).values() if event.roster is not None]
    assert len(events) == 8
    first, second = fold(events, [five.c]), fold([events[i] for i in order], [five.c])
    assert first == second
    assert not first.refused and first.exists


def test_a_revocation_that_comes_late_takes_back_what_the_revoked_key_decided(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    events = story(five)
    late = events.pop("revoke D")[0]
    database = tmp_path / "late.db"
    shutil.copy(base, database)
    deliver(database, receiver, [five.c], [[event for event, _rule in events.values()]])
    assert view(database)["case"][0] == "fixing"  # type: ignore[index]
    deliver(database, receiver, [five.c], [[late]])
    assert view(database)["case"][0] == "triage"  # type: ignore[index]
    decided = events["D revoked state"][0].id
    assert (decided, "rejected", "REVOKED") in view(database)["events"]  # type: ignore[operator]
