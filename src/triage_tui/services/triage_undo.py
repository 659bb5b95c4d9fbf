"""Provides undoing a triage decision: its event keeps the fields (and cell) before and after, so undo puts the old
values back if nobody changed them since, and records that as an event of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from triage_tui.impact import ImpactCell
from triage_tui.services.decision_recorder import DecisionRecorder, Event, TriageError, event_of, stored
from triage_tui.store.case_writes import newest_event_not_undone

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection

CELL_EVENTS = frozenset({"impact", "impact-removed"})
"""Events that keep a project's cell before and after them (`after` None: unlinked), which undo puts back."""


def undo(recorder: DecisionRecorder, event_id: int) -> Event:
    """Reverse one event, if nothing has changed those fields since; the undo is an event too. An event that
    changed no field or cell (a note, a key acceptance, ...) has nothing to put back: refused."""
    with recorder.transaction() as connection:
        event = recorder.event(connection, event_id)
        if event.kind == "undo":
            raise TriageError("an undo cannot be undone; do the action again instead")
        if event.kind == "impact-removed" and "before" not in event.payload:
            # An unlink recorded before unlinks kept their cell: there is nothing to put back.
            raise TriageError("set the project's cell again in the matrix to link it back")
        if recorder.undone(connection, event_id):
            raise TriageError(f"event {event_id} is already undone")
        changes = event.payload.get("changes", {})
        if not changes and event.kind not in CELL_EVENTS:
            # An undo that would put nothing back is refused rather than recorded as if it had: a note, a key
            # acceptance, a reply queued... changed no field and no cell of the case.
            raise TriageError(_nothing_to_undo(event))
        current = recorder.case(connection, event.case_id)
        for field, (_old, new) in changes.items():
            if stored(getattr(current, field)) != new:
                raise TriageError(f"{field} of {event.case_id} changed since; undo it by hand")
        if changes:
            recorder.apply(connection, event.case_id, {field: old for field, (old, _new) in changes.items()})
        reversed_changes = {field: [new, old] for field, (old, new) in changes.items()}
        payload: dict[str, object] = {"undoes": event_id, "changes": reversed_changes}
        if event.kind in CELL_EVENTS:
            # The cell put back, in the form of an impact event (`after` None: unlinked again; the unlinked
            # cell, when an unlink is undone), so the undo travels to the team as the decision it is.
            restored = _undo_impact(recorder, connection, event)
            payload |= {"project": event.payload["project"], "before": event.payload["after"], "after": restored}
        merge_event = event.payload.get("merge_event")
        if merge_event is not None:
            merge = recorder.event(connection, int(merge_event))
            recorder.record(connection, merge.case_id, "undo", {"undoes": merge.id, "changes": {}})
        return recorder.record(connection, event.case_id, "undo", payload)


def last_undoable(recorder: DecisionRecorder, case_id: str) -> Event | None:
    """The newest event of the case by the recorder's author that is not an undo and not undone."""
    row = newest_event_not_undone(recorder.store, case_id, recorder.author)
    return event_of(row) if row is not None else None


def undo_last(recorder: DecisionRecorder, case_id: str) -> Event:
    """Undo the author's last decision on the case and return it (the event undone); a merge into the case is
    undone through the duplicate-of it came from."""
    event = last_undoable(recorder, case_id)
    if event is None:
        raise TriageError(f"nothing of yours to undo on {case_id}")
    if event.kind == "merge":
        source = str(event.payload.get("from", ""))
        duplicate = last_undoable(recorder, source) if source else None
        if duplicate is None or duplicate.payload.get("merge_event") != event.id:
            raise TriageError(f"the merge of {source} changed since; undo it on {source}")
        event = duplicate
    undo(recorder, event.id)
    return event


def _undo_impact(recorder: DecisionRecorder, connection: WriteConnection, event: Event) -> dict[str, object] | None:
    """Put the cell back as it was before `event`: the cell it had, or not linked at all (None)."""
    project = str(event.payload["project"])
    after = event.payload.get("after")
    left = ImpactCell.from_json(after) if after is not None else None  # None: the event unlinked the project
    if recorder.linked_cell(connection, event.case_id, project) != left:
        raise TriageError(f"the {project} cell of {event.case_id} changed since; undo it by hand")
    before = event.payload.get("before")
    if before is None:
        recorder.unlink(connection, event.case_id, project)
        return None
    recorder.write_impact(connection, event.case_id, project, ImpactCell.from_json(before))
    return dict(before)


def _nothing_to_undo(event: Event) -> str:
    """Why `event` has no undo, worded for the user."""
    if event.kind == "merge":
        source = event.payload.get("from")
        return f"a merge is undone with the duplicate-of it came from: undo that on {source}"
    return (
        f"nothing to undo: {event.kind} #{event.id} on {event.case_id} changed no field or cell of the case "
        "(it stays on the timeline)"
    )
