"""Provides `undo_last`: undo a user's last action on a case, a merge into it through the duplicate it came from."""

from __future__ import annotations

from triage_tui.services.triage import Event, TriageError, TriageService


def undo_last(service: TriageService, case_id: str) -> Event:
    """Undo the service's author's last action on the case, and return the event undone.

    A merge into the case is undone on the duplicate it came from, unless that changed since.
    """
    event = service.last_undoable(case_id)
    if event is None:
        raise TriageError(f"nothing of yours to undo on {case_id}")
    if event.kind == "merge":
        source = str(event.payload.get("from", ""))
        duplicate = service.last_undoable(source) if source else None
        if duplicate is None or duplicate.payload.get("merge_event") != event.id:
            raise TriageError(f"the merge of {source} changed since; undo it on {source}")
        event = duplicate
    service.undo(event.id)
    return event
