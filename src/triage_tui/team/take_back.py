"""Takes back, from a case here, what received events that are refused after all (a roster change judged them
again) had set: fields no applied event sets go back to the value they had before, cells only they had set go,
their notes leave the timeline; the case is then recomputed from the events that stand."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.store import roster_store as rows
from triage_tui.store.queries import stored_time
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.convergence import converge
from triage_tui.team.events import CASE_FIELDS, SCALAR_FIELDS, TeamEvent, decode
from triage_tui.team.link_rule import coordinator_test, stored_roster
from triage_tui.team.materialize import materialize_all

if TYPE_CHECKING:
    from triage_tui.team.roster import RosterHistory


def take_back(
    connection: WriteConnection,
    case_id: str,
    refused: Sequence[TeamEvent],
    now: datetime,
    roster: RosterHistory | None = None,
    own: Sequence[TeamEvent] = (),
) -> None:
    """Undo `refused` (already marked rejected) on the case, then recompute it from its applied events (judged under
    `roster`, default the store's). `own`: those of them decided here, whose action wrote its own timeline row."""
    if rows.case_labels(connection, case_id) is None:
        return  # not a case here (events waiting for their report): nothing was applied to take back
    standing = [decode(body) for body in rows.applied_bodies(connection, case_id)]
    still_set = {name for event in standing for name in event.changes if name in SCALAR_FIELDS}
    # The cells standing events set and that count: a maintainer's cell of a project no coordinator's event links
    # any more (the link refused just now) is ignored, so it keeps no cell (nothing would be shared for it).
    judged = roster if roster is not None else stored_roster(connection)
    roles = coordinator_test(judged)
    state = converge(standing, lambda _event: case_id, roles.roles).get(case_id)
    still_cells = set(state.impacts) if state is not None else set()
    values: dict[str, object] = {}
    for event in sorted(refused, key=TeamEvent.order_key):
        for name, (old, _new) in event.changes.items():
            if name in SCALAR_FIELDS and name not in still_set and name not in values:
                values[name] = _before(name, old)
    values = {name: value for name, value in values.items() if value is not _UNKNOWN}
    labels = set(json.loads(rows.case_labels(connection, case_id) or "[]"))
    for event in sorted(refused, key=TeamEvent.order_key, reverse=True):
        if "labels" in event.changes:
            before, after = (set(map(str, v or [])) for v in event.changes["labels"])  # type: ignore[call-overload]
            labels = (labels - (after - before)) | (before - after)
            values["labels"] = json.dumps(sorted(labels))
    rows.set_fields(connection, case_id, values)
    gone = sorted({p for e in refused for p, cell in e.impacts.items() if cell is not None} - still_cells)
    rows.drop_cells(connection, case_id, gone)
    rows.drop_team_timeline(connection, case_id, [event.id for event in refused])
    # Recorded at the event's time (`DecisionRecorder.record`): that row is the decision as this workstation made it.
    rows.drop_own_timeline(connection, case_id, [(event.kind, _recorded_at(event)) for event in own])
    materialize_all(connection, {case_id}, now, roster=roster)


_UNKNOWN = object()


def _recorded_at(event: TeamEvent) -> str:
    """When the action that made `event` here recorded its timeline row, as the store keeps times."""
    return stored_time(event.at.moment())


def _before(name: str, old: object) -> object:
    """The column value a field had before the event, as its author saw it; _UNKNOWN when it cannot be put back (a
    state or title is never empty; another case is named by its ref, not this workstation's id)."""
    if old is None and name in ("state", "title"):
        return _UNKNOWN
    if name in CASE_FIELDS:
        return None if old is None else _UNKNOWN
    if name == "embargo_until" and isinstance(old, str):
        return stored_time(datetime.fromisoformat(old))
    return old
