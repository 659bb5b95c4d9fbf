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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.domain import NOT_A_VULNERABILITY_REASONS, CaseState, Disposition
from triage_tui.services.impact_rules import ImpactCell, ImpactError, check_cell
from triage_tui.severity import severity_of
from triage_tui.team.hlc import HybridClock

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from triage_tui.cvss_metrics import Version
    from triage_tui.store.tables import KeyChangeRow

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
CELL_EVENTS = frozenset({"impact", "impact-removed"})
"""Events that keep a project's cell before and after them (`after` None: unlinked), which undo puts back."""


class TriageError(Exception):
    """An action that cannot be done, worded for the user."""


@dataclass(frozen=True)
class Event:
    """One recorded decision."""

    id: int
    case_id: str
    author: str
    at: datetime
    kind: str
    payload: Mapping[str, Any]


@dataclass
class BulkResult:
    """What a bulk action did: one event per case it changed, one line per case it refused."""

    events: list[Event] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


class TriageService:
    """Triage actions on the store at `database`, recorded as `author`."""

    def __init__(
        self,
        database: Path,
        author: str,
        *,
        clock: Callable[[], datetime] | None = None,
        team_author: str | None = None,
    ) -> None:
        from triage_tui.store.database import open_engine

        self.author = author
        self.clock = clock or (lambda: datetime.now(UTC))
        self.team_author = team_author
        """The author's key fingerprint: when set, every decision is also a team event, to be sent."""
        self._team_clock: HybridClock | None = None
        self._engine: Engine = open_engine(database)

    # ---- the actions -------------------------------------------------------------------------------------------

    def transition(self, case_id: str, state: CaseState) -> Event:
        """Move a case along its lifecycle."""
        with self._transaction() as connection:
            current = self._case(connection, case_id)
            old = CaseState(current["state"])
            if state not in TRANSITIONS[old]:
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[old])) or "none"
                raise TriageError(f"{case_id} is {old.value}; it can move to: {allowed}")
            changes: dict[str, str | None] = {"state": state.value}
            if old is CaseState.CLOSED:
                changes |= {"disposition": None, "disposition_reason": None}  # reopening clears why it closed
            return self._change(connection, case_id, current, "state", changes)

    def close(self, case_id: str, disposition: Disposition, reason: str | None = None) -> Event:
        """Close a new or triaged case with a disposition; not-a-vulnerability needs one of the policy reasons."""
        if disposition is Disposition.NOT_A_VULNERABILITY and reason not in NOT_A_VULNERABILITY_REASONS:
            raise TriageError("not-a-vulnerability needs one of: " + ", ".join(NOT_A_VULNERABILITY_REASONS))
        if disposition is not Disposition.NOT_A_VULNERABILITY and reason is not None:
            raise TriageError("a reason is given only with not-a-vulnerability")
        if disposition is Disposition.DUPLICATE:
            raise TriageError("use duplicate-of to close a duplicate, so the reporters are merged")
        with self._transaction() as connection:
            current = self._case(connection, case_id)
            if CaseState(current["state"]) not in CLOSABLE_WITH_DISPOSITION:
                raise TriageError(f"{case_id} is {current['state']}; only new or triage cases close with a disposition")
            changes = {"state": CaseState.CLOSED.value, "disposition": disposition.value, "disposition_reason": reason}
            return self._change(connection, case_id, current, "close", changes)

    def assign(self, case_id: str, assignee: str | None) -> Event:
        """Assign a case to a person or a project team (`team:pip`), or clear the assignee."""
        assignee = assignee.strip() if assignee else None
        with self._transaction() as connection:
            return self._change(connection, case_id, self._case(connection, case_id), "assign", {"assignee": assignee})

    def set_severity(self, case_id: str, vector: str | None, *, version: str | None = None) -> Event:
        """Store a CVSS 3.1 or 4.0 vector (the score is always computed from it); None clears `version`'s vector."""
        if vector is None:
            return self.set_vectors(case_id, {"4.0" if version == "4.0" else "3.1": None})
        scored = severity_of(vector)
        if scored is None:
            raise TriageError(f"not a valid CVSS 3.1 or 4.0 vector: {vector!r}")
        return self.set_vectors(case_id, {"4.0" if scored.vector.startswith("CVSS:4.0/") else "3.1": scored.vector})

    def set_vectors(self, case_id: str, vectors: Mapping[Version, str | None]) -> Event:
        """Store the 3.1 and/or 4.0 vector (keyed by version; None clears one) as one event, so a calculator that
        built both never stores one without the other."""
        values: dict[str, str | None] = {}
        for version, vector in vectors.items():
            field = {"3.1": "cvss_vector", "4.0": "cvss4_vector"}.get(version)
            if field is None:
                raise TriageError(f"not a CVSS version: {version!r}; use 3.1 or 4.0")
            scored = severity_of(vector) if vector is not None else None
            if vector is not None and (scored is None or scored.vector.startswith("CVSS:4.0/") != (version == "4.0")):
                raise TriageError(f"not a valid CVSS {version} vector: {vector!r}")
            values[field] = scored.vector if scored is not None else None
        if not values:
            raise TriageError("nothing to change")
        with self._transaction() as connection:
            return self._change(connection, case_id, self._case(connection, case_id), "severity", values)

    def set_embargo(self, case_id: str, until: datetime | None) -> Event:
        """Set (UTC) or clear the embargo end (within the span every workstation accepts, team or not)."""
        from triage_tui.services.embargo_policy import embargo_out_of_bounds

        if until is not None and until.tzinfo is None:
            raise TriageError("an embargo end needs a time zone (UTC)")
        refusal = embargo_out_of_bounds(until) if until is not None else None
        if refusal is not None:
            raise TriageError(refusal)
        value = until.astimezone(UTC) if until is not None else None
        with self._transaction() as connection:
            return self._change(
                connection, case_id, self._case(connection, case_id), "embargo", {"embargo_until": value}
            )

    def set_labels(self, case_id: str, labels: Iterable[str]) -> Event:
        """Replace the case's labels (trimmed, lower-case, unique, sorted)."""
        clean = sorted({label.strip().lower() for label in labels if label.strip()})
        with self._transaction() as connection:
            return self._change(
                connection, case_id, self._case(connection, case_id), "labels", {"labels": json.dumps(clean)}
            )

    def add_note(self, case_id: str, text: str) -> Event:
        """Attach a (multi-line) note to the case."""
        if not text.strip():
            raise TriageError("an empty note is not saved")
        with self._transaction() as connection:
            self._case(connection, case_id)
            return self._record(connection, case_id, "note", {"text": text})

    def mark_duplicate(self, case_id: str, of: str) -> Event:
        """Close `case_id` as a duplicate of `of`, carrying its reporter (and their credit) over to `of`."""
        if case_id == of:
            raise TriageError("a case cannot duplicate itself")
        with self._transaction() as connection:
            current = self._case(connection, case_id)
            target = self._case(connection, of)
            if target["duplicate_of"]:
                raise TriageError(f"{of} is itself a duplicate of {target['duplicate_of']}; merge into that one")
            if CaseState(current["state"]) not in CLOSABLE_WITH_DISPOSITION:
                raise TriageError(f"{case_id} is {current['state']}; only new or triage cases close as duplicates")
            reporters = self._reporters(connection, case_id)
            merge = self._record(connection, of, "merge", {"from": case_id, "reporters": reporters})
            changes = {
                "state": CaseState.CLOSED.value,
                "disposition": Disposition.DUPLICATE.value,
                "duplicate_of": of,
            }
            return self._change(connection, case_id, current, "duplicate", changes, extra={"merge_event": merge.id})

    def set_impact(self, case_id: str, project_id: str, cell: ImpactCell) -> Event:
        """Set one cell of the impact matrix (checked against its status's rules first); undoable like the rest."""
        try:
            checked = check_cell(cell)
        except ImpactError as error:
            raise TriageError(str(error)) from error
        with self._transaction() as connection:
            self._case(connection, case_id)
            linked = self._linked_cell(connection, case_id, project_id)
            if (linked or ImpactCell()) == checked:
                raise TriageError("nothing to change")
            self._write_impact(connection, case_id, project_id, checked)
            before = linked.to_json() if linked is not None else None
            payload = {"project": project_id, "before": before, "after": checked.to_json(), "changes": {}}
            return self._record(connection, case_id, "impact", payload)

    def remove_project(self, case_id: str, project_id: str) -> Event:
        """Unlink a project from the case (its cell goes): with team sync on, nothing more about the case is
        encrypted to that project's maintainers; what they were sent before stays theirs."""
        with self._transaction() as connection:
            self._case(connection, case_id)
            removed = self._linked_cell(connection, case_id, project_id)
            if removed is None or not self._unlink(connection, case_id, project_id):
                raise TriageError(f"{project_id} is not linked to {case_id}")
            # The removed cell is kept in the event, as an impact event keeps its cell before, so undo relinks it.
            payload = {"project": project_id, "before": removed.to_json(), "after": None, "changes": {}}
            return self._record(connection, case_id, "impact-removed", payload)

    def record(self, case_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        """Record an event that changes no case field (a reply queued, an attachment saved, ...)."""
        with self._transaction() as connection:
            self._case(connection, case_id)
            return self._record(connection, case_id, kind, dict(payload))

    def undo(self, event_id: int) -> Event:
        """Reverse one event, if nothing has changed those fields since; the undo is an event too. An event that
        changed no field or cell (a note, a key acceptance, ...) has nothing to put back: refused."""
        with self._transaction() as connection:
            event = self._event(connection, event_id)
            if event.kind == "undo":
                raise TriageError("an undo cannot be undone; do the action again instead")
            if event.kind == "impact-removed" and "before" not in event.payload:
                # An unlink recorded before unlinks kept their cell: there is nothing to put back.
                raise TriageError("set the project's cell again in the matrix to link it back")
            if self._undone(connection, event_id):
                raise TriageError(f"event {event_id} is already undone")
            changes = event.payload.get("changes", {})
            if not changes and event.kind not in CELL_EVENTS:
                # An undo that would put nothing back is refused rather than recorded as if it had: a note, a key
                # acceptance, a reply queued... changed no field and no cell of the case.
                raise TriageError(_nothing_to_undo(event))
            current = self._case(connection, event.case_id)
            for field, (_old, new) in changes.items():
                if _stored(current[field]) != new:
                    raise TriageError(f"{field} of {event.case_id} changed since; undo it by hand")
            if changes:
                self._apply(connection, event.case_id, {field: old for field, (old, _new) in changes.items()})
            reversed_changes = {field: [new, old] for field, (old, new) in changes.items()}
            payload: dict[str, Any] = {"undoes": event_id, "changes": reversed_changes}
            if event.kind in CELL_EVENTS:
                # The cell put back, in the form of an impact event (`after` None: unlinked again; the unlinked
                # cell, when an unlink is undone), so the undo travels to the team as the decision it is.
                restored = self._undo_impact(connection, event)
                payload |= {"project": event.payload["project"], "before": event.payload["after"], "after": restored}
            merge_event = event.payload.get("merge_event")
            if merge_event is not None:
                merge = self._event(connection, int(merge_event))
                self._record(connection, merge.case_id, "undo", {"undoes": merge.id, "changes": {}})
            return self._record(connection, event.case_id, "undo", payload)

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
        from sqlalchemy import select

        from triage_tui.store.tables import EVENTS

        with self._engine.connect() as connection:
            rows = connection.execute(
                select(EVENTS)
                .where(EVENTS.c.case_id == case_id, EVENTS.c.author == self.author, EVENTS.c.kind != "undo")
                .order_by(EVENTS.c.id.desc())
                .limit(20)
            ).all()
            for row in rows:
                if not self._undone(connection, row.id):
                    return _event_of(row)
        return None

    def accept_key_change(self, change_id: int) -> KeyChangeRow | None:
        """Accept a changed signing key (the caller checked the user is a coordinator): the address is pinned to
        the new key from now on. None if the change is not pending (accepted meanwhile)."""
        from triage_tui.store.key_pins import accept_change
        from triage_tui.team.events import KEY_ACCEPTED

        with self._transaction() as connection:
            change = accept_change(connection, change_id, self.author, self.clock())
            held = change is not None and change.case_id is not None and self._case_exists(connection, change.case_id)
            if change is not None and change.case_id is not None and held:
                # On the case's timeline, and (with team sync on) sent to everyone who reads the case, so their
                # workstations stop flagging the key too.
                payload = {"address": change.address, "fingerprint": change.new_fingerprint, "changes": {}}
                self._record(connection, change.case_id, KEY_ACCEPTED, payload)
            return change

    def close_store(self) -> None:
        """Release the store's connections."""
        self._engine.dispose()

    # ---- plumbing ----------------------------------------------------------------------------------------------

    def _transaction(self) -> Any:
        from triage_tui.store.database import write_transaction

        return write_transaction(self._engine)

    def _case_exists(self, connection: Connection, case_id: str) -> bool:
        return connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (case_id,)).first() is not None

    def _case(self, connection: Connection, case_id: str) -> Mapping[str, Any]:
        from sqlalchemy import select

        from triage_tui.store.tables import CASES

        row = connection.execute(select(CASES).where(CASES.c.id == case_id)).mappings().first()
        if row is None:
            raise TriageError(f"no case {case_id}")
        return dict(row)

    def _linked_cell(self, connection: Connection, case_id: str, project_id: str) -> ImpactCell | None:
        """The stored cell; None if the project is not linked to the case."""
        from sqlalchemy import select

        from triage_tui.store.tables import IMPACTS

        row = (
            connection.execute(select(IMPACTS).where(IMPACTS.c.case_id == case_id, IMPACTS.c.project_id == project_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return ImpactCell.from_json({**row, "ranges": json.loads(row["ranges"] or "[]")})

    def _unlink(self, connection: Connection, case_id: str, project_id: str) -> bool:
        """Remove the project's cell from the case (touching the case's updated_at, as `_write_impact` does); False
        if it was not linked."""
        from sqlalchemy import delete

        from triage_tui.store.tables import IMPACTS

        removed = connection.execute(
            delete(IMPACTS).where(IMPACTS.c.case_id == case_id, IMPACTS.c.project_id == project_id)
        ).rowcount
        if removed:
            self._apply(connection, case_id, {})  # the case's updated_at
        return bool(removed)

    def _write_impact(self, connection: Connection, case_id: str, project_id: str, cell: ImpactCell) -> None:
        from sqlalchemy import delete, insert, select

        from triage_tui.store.tables import IMPACTS, PROJECTS

        if connection.execute(select(PROJECTS.c.id).where(PROJECTS.c.id == project_id)).first() is None:
            raise TriageError(f"no project {project_id!r} in the store (projects come from the config)")
        connection.execute(delete(IMPACTS).where(IMPACTS.c.case_id == case_id, IMPACTS.c.project_id == project_id))
        values = cell.to_json()
        connection.execute(
            insert(IMPACTS),
            {
                **values,
                "ranges": json.dumps(values["ranges"]),
                "case_id": case_id,
                "project_id": project_id,
                "set_by": self.author,
                "set_at": self.clock().astimezone(UTC),
            },
        )
        self._apply(connection, case_id, {})  # the case's updated_at

    def _undo_impact(self, connection: Connection, event: Event) -> dict[str, Any] | None:
        """Put the cell back as it was before `event`: the cell it had, or not linked at all (None)."""
        project = str(event.payload["project"])
        after = event.payload.get("after")
        left = ImpactCell.from_json(after) if after is not None else None  # None: the event unlinked the project
        if self._linked_cell(connection, event.case_id, project) != left:
            raise TriageError(f"the {project} cell of {event.case_id} changed since; undo it by hand")
        before = event.payload.get("before")
        if before is None:
            self._unlink(connection, event.case_id, project)
            return None
        self._write_impact(connection, event.case_id, project, ImpactCell.from_json(before))
        return dict(before)

    def _reporters(self, connection: Connection, case_id: str) -> list[dict[str, Any]]:
        """The case's own reporter plus every reporter merged into it earlier, each once."""
        from sqlalchemy import select

        from triage_tui.store.tables import EVENTS

        case = self._case(connection, case_id)
        found = [
            {"name": case["reporter"], "email": case["reporter_email"], "fingerprint": case["reporter_fingerprint"]}
        ]
        rows = connection.execute(
            select(EVENTS.c.id, EVENTS.c.payload).where(EVENTS.c.case_id == case_id, EVENTS.c.kind == "merge")
        ).all()
        for row in rows:
            if not self._undone(connection, row.id):
                found += json.loads(row.payload).get("reporters", [])
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for reporter in found:
            unique.setdefault((reporter.get("email") or "", reporter.get("fingerprint") or ""), reporter)
        return list(unique.values())

    def _apply(self, connection: Connection, case_id: str, values: Mapping[str, Any]) -> None:
        from sqlalchemy import update

        from triage_tui.store.tables import CASES

        decoded = {field: _for_column(field, value) for field, value in values.items()}
        connection.execute(
            update(CASES).where(CASES.c.id == case_id).values(**decoded, updated_at=self.clock().astimezone(UTC))
        )

    def _change(
        self,
        connection: Connection,
        case_id: str,
        current: Mapping[str, Any],
        kind: str,
        values: Mapping[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> Event:
        changes = {field: [_stored(current[field]), _stored(value)] for field, value in values.items()}
        changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
        if not changes:
            raise TriageError("nothing to change")
        self._apply(connection, case_id, values)
        return self._record(connection, case_id, kind, {"changes": changes, **(extra or {})})

    def _record(self, connection: Connection, case_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        from sqlalchemy import insert

        from triage_tui.store.tables import EVENTS

        at = self.clock()
        event_id = connection.execute(
            insert(EVENTS).returning(EVENTS.c.id),
            {
                "case_id": case_id,
                "author": self.author,
                "at": at.astimezone(UTC),
                "kind": kind,
                "payload": json.dumps(payload),
            },
        ).scalar_one()
        if self.team_author is not None:
            self._share(connection, case_id, kind, payload, at)
        return Event(int(event_id), case_id, self.author, at, kind, payload)

    def _share(self, connection: Connection, case_id: str, kind: str, payload: Mapping[str, Any], at: datetime) -> None:
        """Record the decision as a team event too, in the same transaction (it waits there while offline)."""
        from triage_tui.team.events import EventFormatError
        from triage_tui.team.hlc import Timestamp
        from triage_tui.team.log import case_ref, record_local, team_event_of, with_report_refs

        # The clock goes on after the newest applied event in the log (received ones included, which may have come
        # in since this service last decided), whatever the wall clock says now.
        newest = connection.exec_driver_sql("SELECT max(at) FROM team_events WHERE status = 'applied'").scalar()
        if self._team_clock is None:
            self._team_clock = HybridClock()
        if newest:
            self._team_clock.observe(Timestamp.parse(newest))
        assert self.team_author is not None
        event = team_event_of(kind, payload, case_id, self.team_author, self._team_clock.now())
        if event is not None:
            try:
                named = with_report_refs(connection, replace(event, ref=case_ref(connection, case_id)))
                record_local(connection, named, at.astimezone(UTC))
            except EventFormatError as error:  # what every other workstation would refuse is not decided here
                raise TriageError(f"the team's workstations would refuse this: {error}") from None

    def _event(self, connection: Connection, event_id: int) -> Event:
        from sqlalchemy import select

        from triage_tui.store.tables import EVENTS

        row = connection.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
        if row is None:
            raise TriageError(f"no event {event_id}")
        return _event_of(row)

    def _undone(self, connection: Connection, event_id: int) -> bool:
        from sqlalchemy import select

        from triage_tui.store.tables import EVENTS

        rows = connection.execute(select(EVENTS.c.payload).where(EVENTS.c.kind == "undo")).scalars()
        return any(json.loads(payload).get("undoes") == event_id for payload in rows)


def _nothing_to_undo(event: Event) -> str:
    """Why `event` has no undo, worded for the user."""
    if event.kind == "merge":
        source = event.payload.get("from")
        return f"a merge is undone with the duplicate-of it came from: undo that on {source}"
    return (
        f"nothing to undo: {event.kind} #{event.id} on {event.case_id} changed no field or cell of the case "
        "(it stays on the timeline)"
    )


def _stored(value: Any) -> Any:
    """A column value as it is kept in an event payload (JSON-safe; datetimes as ISO UTC)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value


def _for_column(field: str, value: Any) -> Any:
    if field == "embargo_until" and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _event_of(row: Any) -> Event:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return Event(int(row.id), row.case_id, row.author, at, row.kind, json.loads(row.payload))
