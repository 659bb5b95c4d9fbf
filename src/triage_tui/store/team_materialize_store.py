"""What recomputing cases from their team events reads and writes: the cases' fields, impact cells and the
timeline rows events put there (received notes, decisions, unlinks, conflicts)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.store.bulk_insert import insert_rows
from triage_tui.store.team_runner import rows_over

if TYPE_CHECKING:
    from sqlalchemy import Connection


class TimelineMark(NamedTuple):
    """A timeline row a team event put on a case: its row id, case, and the event (or conflict) it shows."""

    id: int
    case_id: str
    team_event: str


class ImpactCell(NamedTuple):
    """One impact cell as written (columns in `write_cells`' order)."""

    case_id: str
    project_id: str
    status: str
    ranges: str
    fixed_version: str | None
    justification: str | None
    notes: str
    set_by: str | None
    """The author of the event that set it (None: set here, by the decision itself: what it stored stays)."""
    set_at: str | None
    """When that event was made (None with `set_by`)."""


class TimelineRow(NamedTuple):
    """A timeline row a team event adds (columns in `add_timeline`'s order)."""

    case_id: str
    author: str
    at: str
    kind: str
    payload: str


def present_cases(connection: Connection, case_ids: Sequence[str]) -> list[str]:
    """Those of the cases that are here."""
    return [str(row[0]) for row in rows_over(connection, "SELECT id FROM cases WHERE id IN ({marks})", case_ids)]


def shown_team_events(connection: Connection, case_ids: Sequence[str]) -> set[object]:
    """The team events (and conflicts) the cases' timelines show already: notes, conflicts and unlinks."""
    # Read out by SQLite (a case's timeline grows with every received note: parsing each payload here cost more).
    rows = rows_over(
        connection,
        "SELECT json_extract(payload, '$.team_event') FROM events WHERE kind IN ('note', 'team-conflict', "
        "'impact-removed') AND case_id IN ({marks}) AND payload != ''",
        case_ids,
    )
    return {row[0] for row in rows}


def conflict_marks(connection: Connection, case_ids: Sequence[str]) -> list[TimelineMark]:
    """The conflicts on the cases' timelines."""
    rows = rows_over(
        connection,
        "SELECT id, case_id, payload FROM events WHERE kind = 'team-conflict' AND case_id IN ({marks})",
        case_ids,
    )
    return [TimelineMark(row[0], row[1], str(json.loads(row[2]).get("team_event"))) for row in rows]


def stored_labels(connection: Connection, case_ids: Sequence[str]) -> dict[str, set[str]]:
    """Each case's labels as stored."""
    rows = rows_over(connection, "SELECT id, labels FROM cases WHERE id IN ({marks})", case_ids)
    return {row[0]: set(json.loads(row[1] or "[]")) for row in rows}


def stored_cells(connection: Connection, case_ids: Sequence[str]) -> dict[tuple[str, str], tuple[object, ...]]:
    """The cases' impact cells as stored, by (case, project): the rest of each `ImpactCell` (to tell which changed)."""
    sql = (
        "SELECT case_id, project_id, status, ranges, fixed_version, justification, notes, set_by, set_at FROM impacts "
        "WHERE case_id IN ({marks})"
    )
    return {(row[0], row[1]): tuple(row[2:]) for row in rows_over(connection, sql, case_ids)}


def team_decision_rows(
    connection: Connection, case_ids: Sequence[str], kinds: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """The received decisions on the cases' timelines (rows of `kinds` a team event put there): the event's key ->
    the row's id and payload."""
    # Read out by SQLite; rows without a team event in their payload (the decisions made here) are skipped unparsed.
    kind_marks = ",".join("?" * len(kinds))
    sql = (
        "SELECT json_extract(payload, '$.team_event'), id, payload FROM events WHERE case_id IN ({marks}) "  # noqa: S608
        f"AND kind IN ({kind_marks}) AND payload LIKE '%\"team_event\"%'"
    )
    rows = rows_over(connection, sql, case_ids, tuple(kinds))
    return {str(key): (int(row_id), str(payload)) for key, row_id, payload in rows if key is not None}


def project_ids(connection: Connection) -> set[str]:
    """The projects this workstation knows: its config's, and those cases shared with it or team events named."""
    return {row[0] for row in connection.exec_driver_sql("SELECT id FROM projects").fetchall()}


def add_projects(connection: Connection, project_ids: Iterable[str]) -> None:
    """Know these projects by their id alone (a project already known stays as it is)."""
    connection.exec_driver_sql(
        "INSERT INTO projects (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", [(p, p) for p in project_ids]
    )


def set_case_fields(connection: Connection, fields: Mapping[str, dict[str, object]], stamp: str) -> None:
    """Set each case's fields (case id -> its values); their names must be columns of `cases` (decoding checked
    them against the known fields). One statement per set of field names: a sync recomputes hundreds of cases."""
    alike: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    for case_id, values in fields.items():
        alike.setdefault(tuple(values), []).append((*values.values(), stamp, case_id))
    for names, rows in alike.items():
        assignments = ", ".join(f"{name} = ?" for name in names)
        connection.exec_driver_sql(f"UPDATE cases SET {assignments}, updated_at = ? WHERE id = ?", rows)  # noqa: S608


def drop_timeline_rows(connection: Connection, row_ids: Sequence[int]) -> None:
    """Take rows off the timeline (conflicts the events no longer make)."""
    if row_ids:
        connection.exec_driver_sql("DELETE FROM events WHERE id = ?", [(row_id,) for row_id in row_ids])


def unlink_projects(connection: Connection, links: Sequence[tuple[str, str]]) -> None:
    """Remove the (case, project) cells."""
    if links:
        connection.exec_driver_sql("DELETE FROM impacts WHERE case_id = ? AND project_id = ?", list(links))


def write_cells(connection: Connection, cells: Sequence[ImpactCell]) -> None:
    """Set the impact cells, creating those not here."""
    if cells:
        connection.exec_driver_sql(
            "INSERT INTO impacts (case_id, project_id, status, ranges, fixed_version, justification, notes, set_by, "
            "set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, project_id) DO UPDATE SET "
            "status = excluded.status, ranges = excluded.ranges, fixed_version = excluded.fixed_version, "
            "justification = excluded.justification, notes = excluded.notes, "
            "set_by = coalesce(excluded.set_by, set_by), set_at = coalesce(excluded.set_at, set_at)",
            list(cells),
        )


def add_timeline(connection: Connection, rows: Sequence[TimelineRow]) -> None:
    """Add rows to the cases' timelines."""
    if rows:
        insert_rows(connection, "INSERT INTO events (case_id, author, at, kind, payload)", rows)
