"""Case states from their applied events without replaying every event each time: the state a case's events left
(`convergence.CaseState`) is remembered, and when the events applied since all come after those (in the total
order), as they do when a sync takes events in in rounds, only they are applied to a copy of it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from triage_tui.team.convergence import AuthorRoles, CaseState
from triage_tui.team.events import TeamEvent

MAX_REMEMBERED_CASES = 2048
"""How many cases' states are remembered (the most recently recomputed kept; beyond it a case is replayed whole, as
before): a round of a sync touches at most `PULL_GROUP_MESSAGES` cases."""


class Head(NamedTuple):
    """An applied event's id and its place in the total order (`at` is fixed-width text, so text order is time
    order; then author, then id: `TeamEvent.order_key`)."""

    at: str
    author: str
    id: str


@dataclass(frozen=True)
class _Remembered:
    ids: frozenset[str]
    last: Head
    state: CaseState
    roles: object
    """The roles it was made under (`case_states`' `roles_key`): another roster makes another state."""


_remembered: OrderedDict[str, _Remembered] = OrderedDict()
_lock = threading.Lock()


def case_states(
    heads: Mapping[str, Iterable[Head]],
    events_of: Callable[[list[str]], Mapping[str, TeamEvent]],
    roles: AuthorRoles | None = None,
    roles_key: object = None,
) -> dict[str, CaseState]:
    """Each case's state from its applied events (`heads`, by case): what `convergence.converge` gives for them.
    The states handed out are never to be changed (they are remembered).

    A remembered state is taken when the events it was made of are all still applied and every other one comes
    after them: a state depends only on its events in their order (an event's id is the hash of its bytes), so the
    answer is the same whichever store it was remembered from. `events_of` gives the events of the ids asked for
    (all those needed, at once). `roles`: each event's author's roles at its time (None: every author is a
    coordinator, as with no roster); `roles_key` names the roles it answers from (a state remembered under other
    roles is replayed whole)."""
    plans: dict[str, tuple[CaseState | None, list[Head], Head]] = {}
    for case_id, case_heads in heads.items():
        ordered = sorted(set(case_heads))
        if not ordered:
            continue
        with _lock:
            known = _remembered.get(case_id)
        if known is not None and known.roles == roles_key and known.ids <= {head.id for head in ordered}:
            rest = [head for head in ordered if head.id not in known.ids]
            if all(head > known.last for head in rest):
                plans[case_id] = (known.state, rest, ordered[-1])
                continue
        plans[case_id] = (None, ordered, ordered[-1])
    events = events_of([head.id for _base, rest, _last in plans.values() for head in rest])
    states: dict[str, CaseState] = {}
    for case_id, (base, rest, last) in plans.items():
        if base is not None and not rest:
            states[case_id] = base
            continue
        # A copy: a remembered state is never changed (it was handed out, and the savepoint it was made in may be
        # undone: the next call checks its events against the store again).
        state = base.copy() if base is not None else CaseState()
        for head in rest:
            event = events[head.id]
            if roles is None:
                state.apply(event)
            else:
                state.apply(event, *roles(event))
        states[case_id] = state
        with _lock:
            _remembered[case_id] = _Remembered(frozenset(state.applied), last, state, roles_key)
            _remembered.move_to_end(case_id)
            while len(_remembered) > MAX_REMEMBERED_CASES:
                _remembered.popitem(last=False)
    return states
