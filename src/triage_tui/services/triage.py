"""Provides triage actions: each one changes a case and records an event (who, when, what) in one transaction.

Every event that changes fields stores `{"changes": {field: [old, new]}}`, which is all undo needs: it puts the old
values back if nobody changed them since, and records that as an event of its own. An impact cell's event stores
the whole cell before and after (`{"project", "before", "after"}`) the same way, `before` None when the project was
not linked to the case: undoing it unlinks the project again (an `unknown` cell would still share the case). An
unlink (`impact-removed`) keeps the removed cell as `before` and None as `after`, so undoing it links it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.domain import KEY_ACCEPTED, NOT_A_VULNERABILITY_REASONS, CaseState, Disposition
from triage_tui.impact import ImpactCell, ImpactError
from triage_tui.impact_words import check_new_cell
from triage_tui.services import triage_undo
from triage_tui.services.assignees import assignee_problem
from triage_tui.services.decision_recorder import DecisionRecorder, Event, TriageError
from triage_tui.services.triage_undo import CELL_EVENTS
from triage_tui.severity import severity_of
from triage_tui.store.case_writes import case_exists, events_of_kind, known_project_ids

if TYPE_CHECKING:
    from triage_tui.cvss_metrics import Version
    from triage_tui.services.decision_sharing import DecisionSharer
    from triage_tui.store.case_writes import WriteConnection
    from triage_tui.store.store import Store
    from triage_tui.store.tables import KeyChangeRow

__all__ = [
    "CELL_EVENTS",
    "CLOSABLE_WITH_DISPOSITION",
    "KEY_ACCEPTED",
    "TRANSITIONS",
    "BulkResult",
    "Event",
    "TriageError",
    "TriageService",
]

# The lifecycle of DESIGN section 2; closing with a disposition is only possible from new or triage.
TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    CaseState.NEW: frozenset({CaseState.TRIAGE}),
    CaseState.TRIAGE: frozenset({CaseState.ACCEPTED, CaseState.NEW}),
    CaseState.ACCEPTED: frozenset({CaseState.FIXING, CaseState.TRIAGE}),
    CaseState.FIXING: frozenset({CaseState.READY, CaseState.ACCEPTED}),
    CaseState.READY: frozenset({CaseState.PUBLISHED, CaseState.FIXING}),
    CaseState.PUBLISHED: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset({CaseState.TRIAGE}),
}
CLOSABLE_WITH_DISPOSITION = frozenset({CaseState.NEW, CaseState.TRIAGE})


@dataclass
class BulkResult:
    """What a bulk action did: one event per case it changed, one line per case it refused."""

    events: list[Event] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


class TriageService:
    """Triage actions on `store`, recorded as `author`; with a `sharer` (team sync on), every decision is also a
    team event, to be sent."""

    def __init__(
        self,
        store: Store,
        author: str,
        *,
        clock: Callable[[], datetime] | None = None,
        sharer: DecisionSharer | None = None,
    ) -> None:
        self.store = store
        self.author = author
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sharer = sharer
        self._recorder = DecisionRecorder(store, author, self.clock, sharer)

    # ---- the actions -------------------------------------------------------------------------------------------

    def transition(self, case_id: str, state: CaseState) -> Event:
        """Move a case along its lifecycle."""
        with self._recorder.transaction() as connection:
            current = self._recorder.case(connection, case_id)
            old = CaseState(current.state)
            if state not in TRANSITIONS[old]:
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[old])) or "none"
                raise TriageError(f"{case_id} is {old.value}; it can move to: {allowed}")
            changes: dict[str, str | None] = {"state": state.value}
            if old is CaseState.CLOSED:
                changes |= {"disposition": None, "disposition_reason": None}  # reopening clears why it closed
            return self._recorder.change(connection, case_id, current, "state", changes)

    def close(self, case_id: str, disposition: Disposition, reason: str | None = None) -> Event:
        """Close a new or triaged case with a disposition; not-a-vulnerability needs one of the policy reasons."""
        if disposition is Disposition.NOT_A_VULNERABILITY and reason not in NOT_A_VULNERABILITY_REASONS:
            raise TriageError("not-a-vulnerability needs one of: " + ", ".join(NOT_A_VULNERABILITY_REASONS))
        if disposition is not Disposition.NOT_A_VULNERABILITY and reason is not None:
            raise TriageError("a reason is given only with not-a-vulnerability")
        if disposition is Disposition.DUPLICATE:
            raise TriageError("use duplicate-of to close a duplicate, so the reporters are merged")
        with self._recorder.transaction() as connection:
            current = self._recorder.case(connection, case_id)
            if CaseState(current.state) not in CLOSABLE_WITH_DISPOSITION:
                raise TriageError(f"{case_id} is {current.state}; only new or triage cases close with a disposition")
            changes = {"state": CaseState.CLOSED.value, "disposition": disposition.value, "disposition_reason": reason}
            return self._recorder.change(connection, case_id, current, "close", changes)

    def assign(self, case_id: str, assignee: str | None) -> Event:
        """Assign a case to a person or a project team (`team:pip`, a project the store knows), or clear the
        assignee."""
        assignee = assignee.strip() if assignee else None
        with self._recorder.transaction() as connection:
            current = self._recorder.case(connection, case_id)
            refusal = assignee_problem(assignee, known_project_ids(connection)) if assignee is not None else None
            if refusal is not None:
                raise TriageError(refusal)
            return self._recorder.change(connection, case_id, current, "assign", {"assignee": assignee})

    def set_severity(self, case_id: str, vector: str | None, *, version: str | None = None) -> Event:
        """Store a CVSS 3.1 or 4.0 vector (the score is always computed from it); None clears `version`'s vector."""
        if vector is None:
            return self.set_vectors(case_id, {"4.0" if version == "4.0" else "3.1": None})
        scored = severity_of(vector)
        if scored is None:
            raise TriageError(f"not a valid CVSS 3.1 or 4.0 vector: '{vector}'")
        return self.set_vectors(case_id, {"4.0" if scored.vector.startswith("CVSS:4.0/") else "3.1": scored.vector})

    def set_vectors(self, case_id: str, vectors: Mapping[Version, str | None]) -> Event:
        """Store the 3.1 and/or 4.0 vector (keyed by version; None clears one) as one event, so a calculator that
        built both never stores one without the other."""
        values: dict[str, str | None] = {}
        for version, vector in vectors.items():
            field = {"3.1": "cvss_vector", "4.0": "cvss4_vector"}.get(version)
            if field is None:
                raise TriageError(f"not a CVSS version: '{version}'; use 3.1 or 4.0")
            scored = severity_of(vector) if vector is not None else None
            if vector is not None and (scored is None or scored.vector.startswith("CVSS:4.0/") != (version == "4.0")):
                raise TriageError(f"not a valid CVSS {version} vector: '{vector}'")
            values[field] = scored.vector if scored is not None else None
        if not values:
            raise TriageError("nothing to change")
        with self._recorder.transaction() as connection:
            return self._recorder.change(
                connection, case_id, self._recorder.case(connection, case_id), "severity", values
            )

    def set_embargo(self, case_id: str, until: datetime | None) -> Event:
        """Set (UTC) or clear the embargo end (within the span every workstation accepts, team or not), at most two
        years ahead and not before the report was received (`embargo_horizon_problem`)."""
        from triage_tui.services.embargo_policy import embargo_horizon_problem, embargo_out_of_bounds

        if until is not None and until.tzinfo is None:
            raise TriageError("an embargo end needs a time zone (UTC)")
        refusal = embargo_out_of_bounds(until) if until is not None else None
        if refusal is not None:
            raise TriageError(refusal)
        value = until.astimezone(UTC) if until is not None else None
        with self._recorder.transaction() as connection:
            current = self._recorder.case(connection, case_id)
            refusal = embargo_horizon_problem(until, self.clock(), current.received_at) if until is not None else None
            if refusal is not None:
                raise TriageError(refusal)
            return self._recorder.change(connection, case_id, current, "embargo", {"embargo_until": value})

    def set_labels(self, case_id: str, labels: Iterable[str]) -> Event:
        """Replace the case's labels (trimmed, lower-case, unique, sorted)."""
        clean = sorted({label.strip().lower() for label in labels if label.strip()})
        with self._recorder.transaction() as connection:
            return self._recorder.change(
                connection, case_id, self._recorder.case(connection, case_id), "labels", {"labels": json.dumps(clean)}
            )

    def add_note(self, case_id: str, text: str) -> Event:
        """Attach a (multi-line) note to the case."""
        if not text.strip():
            raise TriageError("an empty note is not saved")
        with self._recorder.transaction() as connection:
            self._recorder.case(connection, case_id)
            return self._recorder.record(connection, case_id, "note", {"text": text})

    def mark_duplicate(self, case_id: str, of: str) -> Event:
        """Close `case_id` as a duplicate of `of`, carrying its reporter (and their credit) over to `of`."""
        if case_id == of:
            raise TriageError("a case cannot duplicate itself")
        with self._recorder.transaction() as connection:
            current = self._recorder.case(connection, case_id)
            target = self._recorder.case(connection, of)
            if target.duplicate_of:
                raise TriageError(f"{of} is itself a duplicate of {target.duplicate_of}; merge into that one")
            if CaseState(current.state) not in CLOSABLE_WITH_DISPOSITION:
                raise TriageError(f"{case_id} is {current.state}; only new or triage cases close as duplicates")
            reporters = _reporters(self._recorder, connection, case_id)
            merge = self._recorder.record(connection, of, "merge", {"from": case_id, "reporters": reporters})
            changes = {
                "state": CaseState.CLOSED.value,
                "disposition": Disposition.DUPLICATE.value,
                "duplicate_of": of,
            }
            return self._recorder.change(
                connection, case_id, current, "duplicate", changes, extra={"merge_event": merge.id}
            )

    def set_impact(self, case_id: str, project_id: str, cell: ImpactCell) -> Event:
        """Set one cell of the impact matrix (checked against its status's rules first); undoable like the rest."""
        try:
            checked = check_new_cell(cell)  # a fixed version must agree with the ranges it closes
        except ImpactError as error:
            raise TriageError(str(error)) from error
        with self._recorder.transaction() as connection:
            self._recorder.case(connection, case_id)
            linked = self._recorder.linked_cell(connection, case_id, project_id)
            if (linked or ImpactCell()) == checked:
                raise TriageError("nothing to change")
            self._recorder.write_impact(connection, case_id, project_id, checked)
            before = linked.to_json() if linked is not None else None
            payload: dict[str, object] = {
                "project": project_id,
                "before": before,
                "after": checked.to_json(),
                "changes": {},
            }
            return self._recorder.record(connection, case_id, "impact", payload)

    def remove_project(self, case_id: str, project_id: str) -> Event:
        """Unlink a project from the case (its cell goes): with team sync on, nothing more about the case is
        encrypted to that project's maintainers; what they were sent before stays theirs."""
        with self._recorder.transaction() as connection:
            self._recorder.case(connection, case_id)
            removed = self._recorder.linked_cell(connection, case_id, project_id)
            if removed is None or not self._recorder.unlink(connection, case_id, project_id):
                raise TriageError(f"{project_id} is not linked to {case_id}")
            # The removed cell is kept in the event, as an impact event keeps its cell before, so undo relinks it.
            payload: dict[str, object] = {
                "project": project_id,
                "before": removed.to_json(),
                "after": None,
                "changes": {},
            }
            return self._recorder.record(connection, case_id, "impact-removed", payload)

    def record(self, case_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        """Record an event that changes no case field (a reply queued, an attachment saved, ...)."""
        with self._recorder.transaction() as connection:
            self._recorder.case(connection, case_id)
            return self._recorder.record(connection, case_id, kind, dict(payload))

    def undo(self, event_id: int) -> Event:
        """Reverse one event, if nothing has changed those fields since; the undo is an event too. An event that
        changed no field or cell (a note, a key acceptance, ...) has nothing to put back: refused."""
        return triage_undo.undo(self._recorder, event_id)

    def bulk(self, case_ids: Sequence[str], action: Callable[[TriageService, str], Event]) -> BulkResult:
        """Apply `action` to every case; each case is its own transaction, and a refusal stops none of the rest."""
        result = BulkResult()
        for case_id in case_ids:
            try:
                result.events.append(action(self, case_id))
            except TriageError as error:
                result.refusals.append(f"{case_id}: {error}")
        return result

    def last_undoable(self, case_id: str) -> Event | None:
        """The newest event of the case by this author that is not an undo and not undone."""
        return triage_undo.last_undoable(self._recorder, case_id)

    def undo_last(self, case_id: str) -> Event:
        """Undo this author's last decision on the case (a merge into it: through the duplicate-of it came from);
        returns the event undone."""
        return triage_undo.undo_last(self._recorder, case_id)

    def accept_key_change(self, change_id: int) -> KeyChangeRow | None:
        """Accept a changed signing key (the caller checked the user is a coordinator): the address is pinned to
        the new key from now on. None if the change is not pending (accepted meanwhile)."""
        from triage_tui.store.key_pins import accept_change

        with self._recorder.transaction() as connection:
            change = accept_change(connection, change_id, self.author, self.clock())
            held = change is not None and change.case_id is not None and case_exists(connection, change.case_id)
            if change is not None and change.case_id is not None and held:
                # On the case's timeline, and (with team sync on) sent to everyone who reads the case, so their
                # workstations stop flagging the key too.
                payload = {"address": change.address, "fingerprint": change.new_fingerprint, "changes": {}}
                self._recorder.record(connection, change.case_id, KEY_ACCEPTED, payload)
            return change


def _reporters(recorder: DecisionRecorder, connection: WriteConnection, case_id: str) -> list[dict[str, Any]]:
    """The case's own reporter plus every reporter merged into it earlier, each once."""
    case = recorder.case(connection, case_id)
    found = [{"name": case.reporter, "email": case.reporter_email, "fingerprint": case.reporter_fingerprint}]
    for merge in events_of_kind(connection, case_id, "merge"):
        if not recorder.undone(connection, int(merge.id or 0)):
            found += json.loads(merge.payload).get("reporters", [])
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for reporter in found:
        unique.setdefault((reporter.get("email") or "", reporter.get("fingerprint") or ""), reporter)
    return list(unique.values())
