"""Property test of `roster.first_change`, which lets a roster change judge again only the events it can touch: for
any roster events kept before and any added to them, every case event before the time it gives is judged alike
under the fold before and the fold after (same roster in force, same revocations, same verdict)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from roster_fixtures import CONFIG_ROLES, TeamOfFive, at, five, revoke
from test_roster_convergence import story
from triage_tui.team.envelope import Opened, judge
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.roster import BEGINNING, RosterHistory, first_change, fold

__all__ = ["five"]
TIMES = [at(n / 4) for n in range(0, 56)]
"""Every quarter second over the story (its events are at whole and half seconds up to 12)."""


def _events(team: TeamOfFive) -> tuple[list[TeamEvent], list[TeamEvent]]:
    every = [event for event, _rule in story(team).values()]
    return [e for e in every if e.roster is not None], [e for e in every if e.roster is None]


def _verdict(event: TeamEvent, history: RosterHistory) -> tuple[object, object]:
    judged = judge(Opened(event, event.author, None), CONFIG_ROLES, set(), roster=history)
    return judged.rejection, judged.detail


def _revoked(history: RosterHistory, key: str, moment: Timestamp) -> bool:
    since = history.revoked_since(key)
    return since is not None and moment >= since


@given(kept=st.sets(st.integers(0, 7)), added=st.sets(st.integers(0, 7)))
def test_every_event_before_the_first_change_is_judged_alike(five: TeamOfFive, kept: set[int], added: set[int]) -> None:
    roster, case_events = _events(five)
    before = fold([roster[i] for i in kept], [five.c])
    after = fold([roster[i] for i in kept | added], [five.c])
    cut = first_change(before, after)
    if before == after:
        assert cut is None
    keys = [five.c, five.d, five.p, five.q, five.q2]
    for moment in TIMES:
        if cut is not None and moment >= cut:
            continue
        assert before.exists == after.exists
        assert before.roles_at(moment) == after.roles_at(moment)
        assert [_revoked(before, k, moment) for k in keys] == [_revoked(after, k, moment) for k in keys]
    for event in case_events:
        if cut is None or event.at < cut:
            assert _verdict(event, before) == _verdict(event, after), event.note or event.kind


def test_the_first_change_is_where_the_folds_part(five: TeamOfFive) -> None:
    roster, _case_events = _events(five)
    everything = fold(roster, [five.c])
    assert first_change(everything, everything) is None
    # No roster before: the config decided every time.
    assert first_change(fold([], [five.c]), everything) == BEGINNING
    # A removal at 6 changes the roster from its time on.
    assert first_change(fold(roster[:5], [five.c]), fold(roster[:6], [five.c])) == at(6)
    # A revocation made at 13 counts from its `since`, 10: events from then on may be judged otherwise.
    late = revoke(five.c, five.p, since=10, when=13)
    assert first_change(everything, fold([*roster, late], [five.c])) == at(10)
