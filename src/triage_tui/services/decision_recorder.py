"""Provides recording triage decisions: each one changes a case's fields or cells and appends an event (who, when,
what) in one transaction, shared with the team through a `DecisionSharer` when there is one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.impact import ImpactCell
from triage_tui.services.decision_sharing import DecisionSharer, SharingRefused
from triage_tui.store import case_writes

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection
    from triage_tui.store.store import Store
    from triage_tui.store.tables import CaseRow, EventRow


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


class DecisionRecorder:
    """Writes decisions to `store` as `author`, at the times `clock` gives, shared through `sharer` (None: no team)."""

    def __init__(self, store: Store, author: str, clock: Callable[[], datetime], sharer: DecisionSharer | None) -> None:
        self.store = store
        self.author = author
        self.clock = clock
        self.sharer = sharer

    @contextmanager
    def transaction(self) -> Iterator[WriteConnection]:
        """One write transaction: the decision's changes and its event commit together or not at all."""
        with self.store.write() as connection:
            yield connection

    def case(self, connection: WriteConnection, case_id: str) -> CaseRow:
        """The case's row; TriageError if there is none."""
        row = case_writes.case_row(connection, case_id)
        if row is None:
            raise TriageError(f"no case {case_id}")
        return row

    def linked_cell(self, connection: WriteConnection, case_id: str, project_id: str) -> ImpactCell | None:
        """The stored cell; None if the project is not linked to the case."""
        row = case_writes.impact_row(connection, case_id, project_id)
        if row is None:
            return None
        return ImpactCell.from_json(
            {
                "status": row.status,
                "ranges": json.loads(row.ranges or "[]"),
                "fixed_version": row.fixed_version,
                "justification": row.justification,
                "notes": row.notes,
            }
        )

    def unlink(self, connection: WriteConnection, case_id: str, project_id: str) -> bool:
        """Remove the project's cell from the case (touching the case's updated_at, as `write_impact` does); False
        if it was not linked."""
        removed = case_writes.delete_impact(connection, case_id, project_id)
        if removed:
            self.apply(connection, case_id, {})  # the case's updated_at
        return removed

    def write_impact(self, connection: WriteConnection, case_id: str, project_id: str, cell: ImpactCell) -> None:
        """Store the project's cell of the case, set by this author now."""
        if not case_writes.project_exists(connection, project_id):
            raise TriageError(f"no project {project_id!r} in the store (projects come from the config)")
        case_writes.replace_impact(
            connection, case_id, project_id, cell.to_json(), set_by=self.author, set_at=self.clock().astimezone(UTC)
        )
        self.apply(connection, case_id, {})  # the case's updated_at

    def apply(self, connection: WriteConnection, case_id: str, values: Mapping[str, object]) -> None:
        """Set the case's fields `values` (as events keep them) and touch its updated_at."""
        decoded = {field: _for_column(field, value) for field, value in values.items()}
        case_writes.update_case(connection, case_id, decoded, self.clock().astimezone(UTC))

    def change(
        self,
        connection: WriteConnection,
        case_id: str,
        current: CaseRow,
        kind: str,
        values: Mapping[str, object],
        *,
        extra: Mapping[str, object] | None = None,
    ) -> Event:
        """Set the fields of `values` that differ from `current` and record them (old and new) as a `kind` event;
        TriageError if none differs."""
        changes = {field: [stored(getattr(current, field)), stored(value)] for field, value in values.items()}
        changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
        if not changes:
            raise TriageError("nothing to change")
        self.apply(connection, case_id, values)
        return self.record(connection, case_id, kind, {"changes": changes, **(extra or {})})

    def record(self, connection: WriteConnection, case_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        """Append the event, shared with the team in the same transaction when there is a sharer."""
        at = self.clock()
        if self.sharer is not None:
            try:
                shared_at = self.sharer.share(connection, case_id, kind, payload, at)
            except SharingRefused as error:
                raise TriageError(f"the team's workstations would refuse this: {error}") from None
            # Recorded at the team event's time (its clock keeps milliseconds): the timeline here then shows the time
            # every other workstation shows for it, not this clock's microseconds.
            at = shared_at or at
        event_id = case_writes.insert_event(connection, case_id, self.author, at.astimezone(UTC), kind, payload)
        return Event(event_id, case_id, self.author, at, kind, payload)

    def event(self, connection: WriteConnection, event_id: int) -> Event:
        """One recorded event; TriageError if there is none with that id."""
        row = case_writes.event_row(connection, event_id)
        if row is None:
            raise TriageError(f"no event {event_id}")
        return event_of(row)

    def undone(self, connection: WriteConnection, event_id: int) -> bool:
        """Whether an undo names the event."""
        return case_writes.is_undone(connection, event_id)


def stored(value: object) -> object:
    """A column value as it is kept in an event payload (JSON-safe; datetimes as ISO UTC)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value


def _for_column(field: str, value: object) -> object:
    if field == "embargo_until" and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def event_of(row: EventRow) -> Event:
    """The event a stored row holds (its time as aware UTC)."""
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return Event(int(row.id or 0), row.case_id, row.author, at, row.kind, json.loads(row.payload))
