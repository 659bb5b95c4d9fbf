"""Who links a project to a case: only a coordinator's team event (a cell, or a share naming the project) does, so a
maintainer's event (a note, a cell) counts only on a case a coordinator had linked to one of their projects at its
place in the total order, and a cell only of a linked project; which authors are coordinators, and which projects a
maintainer maintains, comes from the roster in force at each event's time."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from triage_tui.store import roster_store as rows
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.convergence import AuthorRoles, converge
from triage_tui.team.events import TeamEvent, decode, decode_kept
from triage_tui.team.roster import COORDINATOR, RosterHistory, fold

# Why only team events link, and never what this workstation holds of the case: a coordinator's workstation also
# links projects locally (a report matched to a project at intake, never sent), and the case's projects there move as
# events come. Counting such a local link would let a maintainer's cell alone make the case "the team's" (a received
# decision) and so have the coordinator's sync share it; and it would judge a cell otherwise on each workstation.
# Team events (and a coordinator's share, kept in the sharing coordinator's log too) are the same on every
# workstation that holds the case, in one total order.


@dataclass(frozen=True)
class CoordinatorTest:
    """Each event's author's roles at its time (`roles`: whether a coordinator, and if not the projects they
    maintained then; None while no roster decides: every author counts as a coordinator, as before the roster), and
    a key naming the roster it answers from."""

    roles: AuthorRoles | None
    key: object


def coordinator_test(roster: RosterHistory) -> CoordinatorTest:
    """The test of `roster` (its roles at each event's time; a roster's roles are cached per snapshot)."""
    if not roster.exists:
        return CoordinatorTest(None, None)

    # Looked up per event (a sync judges thousands): the coordinators after each roster event, found by the event's
    # time as plain numbers (comparing Timestamps costs more than the rest); an author never a coordinator at once.
    times = [(at.wall_ms, at.counter) for at in roster.times]
    roles_after = [roster.roles_at(at) for at in roster.times]
    coordinators_after = [roles.coordinators for roles in roles_after]
    # Each maintainer's projects after each roster event (the inverse of the roles' project -> maintainers), made
    # once per roster step so an event's lookup is a dictionary's.
    maintained_after = [roles.maintained for roles in roles_after]
    none: frozenset[str] = frozenset()
    nobody = (False, none)
    # Each author's answer after each roster step, made once: a coordinator then, else the projects they maintained.
    answers_after = [
        {
            **{member: (False, projects) for member, projects in maintained.items()},
            **dict.fromkeys(coordinators, _COORDINATOR),
        }
        for coordinators, maintained in zip(coordinators_after, maintained_after, strict=True)
    ]
    ever = frozenset().union(*answers_after)

    def roles(event: TeamEvent) -> tuple[bool, frozenset[str] | None]:
        # One search of the roster's steps answers both: a coordinator then, or the projects maintained then.
        author = event.author
        if author not in ever:
            return nobody
        at = event.at
        index = bisect_right(times, (at.wall_ms, at.counter)) - 1
        return answers_after[index].get(author, nobody) if index >= 0 else nobody

    # The roles answer from who the coordinators are, and who maintains what, over time alone: a roster change that
    # leaves them (a maintainer's key rotated, say) keeps the key, so the cases' remembered states stay good
    # (`case_states`).
    steps: list[tuple[object, frozenset[str], frozenset[tuple[str, frozenset[str]]]]] = []
    for at, step_roles, maintained in zip(roster.times, roles_after, maintained_after, strict=True):
        step = (frozenset(step_roles.coordinators), frozenset(maintained.items()))
        if not steps or steps[-1][1:] != step:
            steps.append((at, *step))
    return CoordinatorTest(roles, tuple(steps))


_COORDINATOR: tuple[bool, frozenset[str] | None] = (True, None)


_folded: dict[tuple[str, ...], RosterHistory] = {}


def stored_roster(connection: EitherConnection) -> RosterHistory:
    """The fold of the roster events this store holds as applied (those the fold with the config's founders
    accepted), one read; folded again only when they change. The founding members are those applied events that add
    their own author as a coordinator: applied, they were accepted as founding by the fold with the real founders."""
    kept = [row for row in rows.roster_rows(connection) if row.status == "applied"]
    key = tuple(sorted(row.id for row in kept))
    if key not in _folded:
        events = [decode(row.body) for row in kept]
        founders = [e.author for e in events if e.kind == "member-add" and _adds_itself_as_coordinator(e)]
        _folded.clear()  # one fold is kept: the store's roster changes rarely
        _folded[key] = fold(events, founders)
    return _folded[key]


def _adds_itself_as_coordinator(event: TeamEvent) -> bool:
    member = (event.roster or {}).get("member")
    return isinstance(member, dict) and member.get("fingerprint") == event.author and member.get("role") == COORDINATOR


def linked_by_coordinators(connection: EitherConnection, case_id: str, roster: RosterHistory) -> set[str] | None:
    """The projects coordinators' events have linked to the case here and not unlinked (None while no roster
    decides): what a maintainer's note or cell is checked against before it is recorded."""
    linked = linked_by_coordinators_of(connection, [case_id], roster)
    return None if linked is None else linked[case_id]


def linked_by_coordinators_of(
    connection: EitherConnection, case_ids: Iterable[str], roster: RosterHistory
) -> dict[str, set[str]] | None:
    """`linked_by_coordinators` of each of the cases, their events read together (None while no roster decides)."""
    test = coordinator_test(roster)
    if test.roles is None:
        return None
    wanted = sorted(set(case_ids))
    events: dict[str, list[TeamEvent]] = {case_id: [] for case_id in wanted}
    for case_id, body in rows.applied_bodies_of(connection, wanted):
        events[case_id].append(decode_kept(body))  # applied: checked whole when it came (or was made here)
    linked: dict[str, set[str]] = {}
    for case_id, found in events.items():
        # Each case on its own: its events may name it by their author's id of it, another on each workstation.
        state = converge(found, _placed_on(case_id), test.roles).get(case_id)
        linked[case_id] = set(state.linked) if state is not None else set()
    return linked


def _placed_on(case_id: str) -> Callable[[TeamEvent], str]:
    """`converge`'s `case_of` for the events placed on one case here."""
    return lambda _event: case_id
