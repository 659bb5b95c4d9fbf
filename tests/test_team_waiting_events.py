"""Property test of events dated ahead of a receiver's clock (issue 17): such an event is never refused for good; it
waits (kept, listed as waiting, not applied) and is judged again on a later sync once the receiver's clock has
passed its time minus the allowed skew, so workstations that take the same roster changes and case events in at any
times, in any order and batches, end with the same verdicts and the same case once their clocks have passed."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import gnupg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster_fixtures import CONFIG_ROLES, NOW, T0, TeamOfFive, deliver, five
from test_roster_convergence import base, receiver, story, view
from test_team_store_convergence import _split
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import MAX_AHEAD_MS
from triage_tui.team.log import rejected
from triage_tui.team.roster_receipt import any_due, judge_waiting

__all__ = ["base", "five", "receiver"]
START = T0 / 1000
"""The story's first second (its events are from START + 1 to START + 12)."""
PASSED = START + 60
"""A receiver's clock once every event's time has come."""


def sync_at(database: Path, gpg: gnupg.GPG, founders: Sequence[str], wall: float) -> None:
    """What a team sync does first at the clock `wall`: the waiting events whose time has come judged again."""
    with Store(database) as store, store.write() as connection:
        judge_waiting(connection, gpg, founders, CONFIG_ROLES, NOW, wall=wall)


def test_an_event_from_the_future_waits_listed_then_applies_once_the_clock_passes(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    events = story(five)
    database = tmp_path / "one.db"
    shutil.copy(base, database)
    founding = [events[name][0] for name in ("found", "add D")]
    deliver(database, receiver, [five.c], [founding], wall=PASSED)
    state = events["D state"][0]  # at START + 2.5: eleven minutes ahead of this clock
    early = START + 2.5 - (MAX_AHEAD_MS + 60_000) / 1000
    deliver(database, receiver, [five.c], [[state]], wall=early)
    assert (state.id, "rejected", "FROM_THE_FUTURE") in view(database)["events"]  # type: ignore[operator]
    assert view(database)["case"][0] != "triage"  # type: ignore[index]
    with Store(database) as store, store.read() as connection:
        (listed,) = [row for row in rejected(connection) if row[1] == five.d]
        assert listed[3].startswith("waits: dated too far ahead") and "judged again from" in listed[3]
        assert not any_due(connection, early + 59) and any_due(connection, early + 61)
    sync_at(database, receiver, [five.c], early + 30)  # not yet: it still waits
    assert (state.id, "rejected", "FROM_THE_FUTURE") in view(database)["events"]  # type: ignore[operator]
    sync_at(database, receiver, [five.c], early + 61)
    assert (state.id, "applied", None) in view(database)["events"]  # type: ignore[operator]
    assert view(database)["case"][0] == "triage"  # type: ignore[index]


STORY_EVENTS = 24
"""The events of `test_roster_convergence.story`."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(STORY_EVENTS)),
    cuts=st.lists(st.integers(0, STORY_EVENTS), max_size=5),
    # Around the story's events' times minus the skew allowed: each event is ahead of some clocks and not others.
    clocks=st.lists(st.floats(-(MAX_AHEAD_MS / 1000) - 15, -(MAX_AHEAD_MS / 1000) + 15), min_size=6, max_size=6),
)
def test_any_arrival_times_end_the_same_once_the_clocks_pass(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, order: list[int], cuts: list[int], clocks: list[float]
) -> None:
    events = [event for event, _rule in story(five).values()]
    assert len(events) == STORY_EVENTS  # every event of the story is delivered, in some order
    folder = Path(tempfile.mkdtemp(prefix="waiting-"))
    try:
        reference, late = folder / "reference.db", folder / "late.db"
        shutil.copy(base, reference)
        shutil.copy(base, late)
        ordered = sorted(events, key=TeamEvent.order_key)
        deliver(reference, receiver, [five.c], [ordered], wall=PASSED)
        # Each batch comes at a clock of its own (never going back), many of them minutes behind the events' times.
        for batch, offset in zip(_split([events[i] for i in order], cuts), sorted(clocks), strict=False):
            sync_at(late, receiver, [five.c], START + offset)
            deliver(late, receiver, [five.c], [batch], wall=START + offset, provisional=True)
        sync_at(late, receiver, [five.c], PASSED)
        assert view(late) == view(reference)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("provisional", [False, True])
def test_a_roster_change_from_the_future_waits_and_then_decides_like_any_other(
    five: TeamOfFive, base: Path, receiver: gnupg.GPG, tmp_path: Path, provisional: bool
) -> None:
    events = story(five)
    database = tmp_path / "roster.db"
    shutil.copy(base, database)
    early = START - MAX_AHEAD_MS / 1000 - 30  # every event of the story is ahead of this clock
    deliver(database, receiver, [five.c], [[events["found"][0], events["add D"][0]]], wall=early,
            provisional=provisional)  # fmt: skip
    deliver(database, receiver, [five.c], [[events["D state"][0]]], wall=PASSED, provisional=provisional)
    got = {event_id: rejection for event_id, _status, rejection in view(database)["events"]}  # type: ignore[attr-defined]
    assert got[events["add D"][0].id] == "FROM_THE_FUTURE" and got[events["D state"][0].id] == "NO_ROLE"
    sync_at(database, receiver, [five.c], PASSED)
    got = {event_id: rejection for event_id, _status, rejection in view(database)["events"]}  # type: ignore[attr-defined]
    assert got[events["add D"][0].id] is None and got[events["D state"][0].id] is None
    assert view(database)["case"][0] == "triage"  # type: ignore[index]
