"""Recomputes cases from their applied team events, so every workstation holding the same events shows the same
case: its fields, impact cells (set by their events' authors), received notes, decisions and unlinks on its
timeline, and the conflicts the events make."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import msgspec

from triage_tui.domain import KEY_ACCEPTED
from triage_tui.store import team_materialize_store as store
from triage_tui.store.queries import stored_time
from triage_tui.store.roster_store import drop_team_timeline
from triage_tui.store.team_log_store import applied_heads, bodies, ignored_reasons, local_event_ids, set_ignored
from triage_tui.store.team_materialize_store import ImpactCell, TimelineRow
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.case_states import Head, case_states
from triage_tui.team.convergence import CaseState
from triage_tui.team.events import CASE_FIELDS, TeamEvent, decode_kept
from triage_tui.team.link_rule import coordinator_test, stored_roster
from triage_tui.team.refs import named_case
from triage_tui.team.rights import IGNORED_EVENT_REASON

if TYPE_CHECKING:
    from triage_tui.team.roster import RosterHistory


def materialize_all(
    connection: WriteConnection,
    case_ids: Iterable[str],
    now: datetime,
    known: Mapping[str, TeamEvent] | None = None,
    roster: RosterHistory | None = None,
) -> dict[str, CaseState]:
    """For each case here (one not shared with this workstation yet is left: its events wait in the log), set its
    fields, impact cells, received notes and conflicts to what all its applied events say. A few statements for
    all the cases together. `known`: events by id already decoded (those just received), not decoded again.

    A maintainer's cell counts only on a project a coordinator had linked to the case at its place in the total order
    (`CaseState.apply`); one that does not is kept applied (its note, say, stands) with why under R. A maintainer's
    event on a case none of their projects was linked to then is ignored whole (its note not shown), also under R.
    `roster`: the fold the events were judged under (default: the store's)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    present = store.present_cases(connection, ids)
    if not present:
        return {}
    # Grouped by the case here each event was placed on: its author may call the report by another id.
    heads: dict[str, list[Head]] = {case_id: [] for case_id in present}
    for case_id, at, author, event_id in applied_heads(connection, present):
        heads[case_id].append(Head(at, author, event_id))
    given = known or {}

    def events_of(ids: list[str]) -> dict[str, TeamEvent]:
        # Only the events not given are read, and decoded as kept (checked when they came, not again).
        stored = bodies(connection, [i for i in ids if i not in given])
        return {i: given[i] if i in given else decode_kept(stored[i]) for i in ids}

    roles = coordinator_test(roster if roster is not None else stored_roster(connection))
    states = case_states(heads, events_of, roles.roles, roles.key)
    # Why each event's cells are ignored, kept where it changed (a coordinator's link arriving late, in total order
    # before the cell, makes it count): listed under R alike on every workstation.
    ignored = {i: r for state in states.values() for i, r in state.ignored.items()}
    marked = ignored_reasons(connection)
    applied = {event_id for state in states.values() for event_id in state.applied}
    changed = [
        (i, ignored.get(i)) for i in applied & (ignored.keys() | marked.keys()) if ignored.get(i) != marked.get(i)
    ]
    set_ignored(connection, changed, stored_time(now))
    local = local_event_ids(connection, present)
    shown = store.shown_team_events(connection, present)
    for case_id, state in states.items():
        # A note shown before an event earlier in the total order came (an unlink, arriving late) that leaves its
        # author no linked project: ignored whole now, so it leaves the timeline (and search) again.
        gone = [
            i
            for i, why in state.ignored.items()
            if why.startswith(IGNORED_EVENT_REASON) and i in shown and i not in local
        ]
        drop_team_timeline(connection, case_id, gone)
    conflict_rows: dict[str, list[tuple[int, str]]] = {}
    for mark in store.conflict_marks(connection, present):
        conflict_rows.setdefault(mark.case_id, []).append((mark.id, mark.team_event))
    stale: list[int] = []
    stored_labels = store.stored_labels(connection, [c for c, state in states.items() if "labels" in state.sets])
    stamp = stored_time(now)
    known_projects = store.project_ids(connection)
    # A cell of a project this workstation never knew (a maintainer's has no [projects]; a coordinator may link the
    # case to a project after sharing it) makes it known here by its id: every reader of the case shows the same cells.
    named = {p for state in states.values() for p, cell in state.impacts.items() if cell is not None} - known_projects
    if named:
        store.add_projects(connection, sorted(named))
        known_projects |= named
    stored_cells = store.stored_cells(connection, [case_id for case_id, state in states.items() if state.impacts])
    # Every case's: a decision whose event is no longer applied (judged again under a roster change) leaves.
    decision_rows = store.team_decision_rows(connection, list(states), DECISION_ROW_KINDS)
    wanted: set[str] = set()
    cells: list[ImpactCell] = []
    unlinked: list[tuple[str, str]] = []
    timeline: list[TimelineRow] = []
    fields: dict[str, dict[str, object]] = {}
    for case_id, state in states.items():
        values: dict[str, object] = {name: _column(name, value) for name, value in state.fields.items()}
        for name in CASE_FIELDS & values.keys():
            # The other case as held here; none when that report is not (the case view says so), nor when it is
            # this case itself.
            decided_here = state.set_by(name) in local
            other = named_case(connection, str(values[name]), own=decided_here) if values[name] else None
            values[name] = other if other != case_id else None
        if "labels" in state.sets:
            own = stored_labels.get(case_id, set()) - state.touched.get("labels", set())
            values["labels"] = json.dumps(sorted(state.sets["labels"] | own))
        if values:
            fields[case_id] = values
        for project, cell in state.impacts.items():
            if project not in known_projects:
                continue  # unlinked here from a project never known here: nothing to take away
            if cell is None:
                unlinked.append((case_id, project))
                continue
            # Set by the event's author at its time; a cell a decision made here set keeps who and when it stored.
            author, wall_ms, event_id = state.cell_set[project]
            by: str | None = None if event_id in local else author
            set_at = None if by is None else _written(wall_ms)
            new_cell = ImpactCell(case_id, project, str(cell.get("status") or "unknown"),
                                  json.dumps(list(cell.get("ranges") or [])), cell.get("fixed_version"),
                                  cell.get("justification"), str(cell.get("notes") or ""), by, set_at)  # fmt: skip
            stored = stored_cells.get((case_id, project))
            if stored is None or (new_cell[2:7] if by is None else new_cell[2:]) != stored[: 5 if by is None else 7]:
                cells.append(new_cell)  # a cell the events leave as it stands is not written again
        timeline.extend(_decision_rows(connection, case_id, state, local, known_projects, decision_rows, wanted, stale))
        for event_id, author, text, wall_ms in state.notes:
            if event_id not in shown and event_id not in local:
                # Stamped with when it was written (its clock), not when it arrived: every workstation's timeline
                # then reads in the same order.
                payload = _encode({"text": text, "team_event": event_id})
                timeline.append(TimelineRow(case_id, author, _written(wall_ms), "note", payload))
        for event_id, author, project, wall_ms in state.unlinks:
            if event_id not in shown and event_id not in local and project in known_projects:
                # On the timeline of everyone who reads it, the maintainers who lost the case included.
                payload = _encode({"project": project, "changes": {}, "team_event": event_id})
                timeline.append(TimelineRow(case_id, author, _written(wall_ms), "impact-removed", payload))
        current = {f"{c.overwritten_event}>{c.kept_event}" for c in state.conflicts}
        # A conflict is what the events say now: one an earlier event (arriving late) has settled is withdrawn, so
        # every workstation's timeline shows the same conflicts whatever order its events came in.
        stale.extend(row_id for row_id, key in conflict_rows.get(case_id, []) if key not in current)
        for conflict in state.conflicts:
            key = f"{conflict.overwritten_event}>{conflict.kept_event}"
            if key not in shown:
                kept, overwritten = conflict.kept, conflict.overwritten
                if conflict.field in CASE_FIELDS:  # other cases as this workstation names them
                    kept = _case_shown(connection, kept, own=conflict.kept_event in local)
                    overwritten = _case_shown(connection, overwritten, own=conflict.overwritten_event in local)
                payload = _encode({"field": conflict.field, "kept": kept, "overwritten": overwritten,
                                   "team_event": key})  # fmt: skip
                timeline.append(TimelineRow(case_id, "team", stamp, "team-conflict", payload))
    stale.extend(row_id for key, (row_id, _payload) in decision_rows.items() if key not in wanted)
    store.set_case_fields(connection, fields, stamp)
    store.drop_timeline_rows(connection, stale)
    store.unlink_projects(connection, unlinked)
    store.write_cells(connection, cells)
    store.add_timeline(connection, timeline)
    return states


DECISION_KINDS = frozenset({"state", "close", "assign", "labels", "duplicate", "embargo", "severity", "title"})
"""Kinds of received decisions shown as the same decision made here is: the timeline reads only their changes."""
OTHER_DECISION = "team-decision"
"""The kind a received decision of any other kind is shown as (its changes, field by field): an event's kind is its
author's word, and the timeline reads more than changes for some (an undo's event number, a merge's reporters)."""
DECISION_ROW_KINDS = (*sorted(DECISION_KINDS), OTHER_DECISION, "impact", KEY_ACCEPTED)
_encoder = msgspec.json.Encoder(order="sorted", enc_hook=str)
"""Timeline payloads: a decision row's is the same text for the same decision (compared with the row there, so a
row written in another form is written again once); msgspec writes them in a fraction of the json module's time (a
sync writes thousands)."""


def _encode(payload: Mapping[str, object]) -> str:
    return _encoder.encode(payload).decode()


def _decision_rows(
    connection: WriteConnection,
    case_id: str,
    state: CaseState,
    local: set[str],
    known_projects: set[str],
    stored: Mapping[str, tuple[int, str]],
    wanted: set[str],
    stale: list[int],
) -> list[TimelineRow]:
    """The timeline rows of the case's received decisions that are not there as they must be (the rows there that
    no applied event makes any more, or made otherwise, go into `stale`): each at its event's time, by its author,
    its payload what the events say, so every workstation holding the same events shows the same rows."""
    rows: list[TimelineRow] = []
    for decision in state.decisions:
        key, changes = decision.key, decision.changes
        if local and key.split("/")[0] in local:
            continue  # the decision made here is on the timeline already, as it was made
        names_cases = not CASE_FIELDS.isdisjoint(changes)
        there = stored.get(key)
        if there is not None and decision.kind != "impact" and not names_cases:
            wanted.add(key)  # its row says what the event alone says: it is there as it must be
            continue
        extra: Mapping[str, object] = decision.extra
        if decision.kind == "impact" or (decision.kind == KEY_ACCEPTED and not changes):
            kind = decision.kind
            if kind == "impact" and extra.get("project") not in known_projects:
                continue
        else:
            kind = decision.kind if decision.kind in DECISION_KINDS else OTHER_DECISION
            extra = {}
        if names_cases:  # other cases as this workstation names them
            changes = {
                name: [_case_shown(connection, value, own=False) for value in pair] if name in CASE_FIELDS else pair
                for name, pair in changes.items()
            }
        payload = _encode({**extra, "changes": changes, "team_event": key})
        wanted.add(key)
        if there is not None and there[1] == payload:
            continue
        if there is not None:
            stale.append(there[0])  # made otherwise now (an earlier event came since): shown again as it is now
        rows.append(TimelineRow(case_id, decision.author, _written(decision.wall_ms), kind, payload))
    return rows


def _written(wall_ms: int) -> str:
    """When an event was written (its clock), as the store keeps times: every workstation's timeline then reads in
    the same order."""
    if not 0 <= wall_ms < _EXACT_MS:
        return stored_time(datetime.fromtimestamp(wall_ms / 1000, UTC))
    second, milliseconds = divmod(wall_ms, 1000)
    return f"{_second_written(second)}.{milliseconds:03d}000"


_EXACT_MS = 2**32 * 1000
"""Up to here (the year 2106) a time in milliseconds divided by 1000 is within a microsecond's rounding of itself, so
the text made from its second and its milliseconds is what `datetime.fromtimestamp` gives (beyond, made as before)."""


@lru_cache(maxsize=1024)
def _second_written(second: int) -> str:
    # The store's form up to the second, made once per second: a batch writes thousands of rows a few seconds apart
    # (`stored_time` of the moment itself, its microseconds then the event's milliseconds).
    return stored_time(datetime.fromtimestamp(second, UTC)).partition(".")[0]


def _case_shown(connection: WriteConnection, value: object, *, own: bool) -> object:
    """Another case's name in an event as this workstation's timeline shows it: its case here, or that it has none."""
    if not value:
        return value
    return named_case(connection, str(value), own=own) or "a report not held here"


def _column(name: str, value: object) -> object:
    if name == "embargo_until" and isinstance(value, str):
        return stored_time(datetime.fromisoformat(value))
    return value
