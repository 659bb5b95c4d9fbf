"""Provides the statements triage decisions run inside their write transaction: a case's row, its impact cells and
its events (the audit log), read and written on the transaction's connection.

SQLAlchemy and the table classes are imported inside each function: the services that call these are imported on
paths (a case screen's hint, the inbox) that must not pay for SQLAlchemy before the first decision."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from triage_tui.store.store import Store
    from triage_tui.store.tables import CaseRow, EventRow, ImpactRow

WriteConnection: TypeAlias = "Connection"
"""The connection of a write transaction (`Store.write`), as the functions here and the services' seams take it."""


def case_row(connection: WriteConnection, case_id: str) -> CaseRow | None:
    """The case's row; None if there is no such case."""
    from sqlalchemy import select

    from triage_tui.store.tables import CASES, CaseRow

    row = connection.execute(select(CASES).where(CASES.c.id == case_id)).mappings().first()
    return CaseRow(**row) if row is not None else None


def case_exists(connection: WriteConnection, case_id: str) -> bool:
    """Whether the store holds the case."""
    return connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (case_id,)).first() is not None


def project_exists(connection: WriteConnection, project_id: str) -> bool:
    """Whether the project is in the store (projects come from the config)."""
    from sqlalchemy import select

    from triage_tui.store.tables import PROJECTS

    return connection.execute(select(PROJECTS.c.id).where(PROJECTS.c.id == project_id)).first() is not None


def known_project_ids(connection: WriteConnection) -> list[str]:
    """Every project in the store (from the config), sorted."""
    from sqlalchemy import select

    from triage_tui.store.tables import PROJECTS

    return [str(row[0]) for row in connection.execute(select(PROJECTS.c.id).order_by(PROJECTS.c.id))]


def update_case(connection: WriteConnection, case_id: str, values: Mapping[str, object], updated_at: datetime) -> None:
    """Set the case's columns `values` (none: only touch it) and its updated_at."""
    from sqlalchemy import update

    from triage_tui.store.tables import CASES

    connection.execute(update(CASES).where(CASES.c.id == case_id).values(**values, updated_at=updated_at))


def impact_row(connection: WriteConnection, case_id: str, project_id: str) -> ImpactRow | None:
    """The project's cell of the case; None if the project is not linked to it."""
    from sqlalchemy import select

    from triage_tui.store.tables import IMPACTS, ImpactRow

    row = (
        connection.execute(select(IMPACTS).where(IMPACTS.c.case_id == case_id, IMPACTS.c.project_id == project_id))
        .mappings()
        .first()
    )
    return ImpactRow(**row) if row is not None else None


def delete_impact(connection: WriteConnection, case_id: str, project_id: str) -> bool:
    """Remove the project's cell from the case; False if it was not linked."""
    from sqlalchemy import delete

    from triage_tui.store.tables import IMPACTS

    removed = connection.execute(
        delete(IMPACTS).where(IMPACTS.c.case_id == case_id, IMPACTS.c.project_id == project_id)
    ).rowcount
    return bool(removed)


def replace_impact(
    connection: WriteConnection,
    case_id: str,
    project_id: str,
    cell: Mapping[str, object],
    *,
    set_by: str,
    set_at: datetime,
) -> None:
    """Store the project's cell of the case (`cell` as `ImpactCell.to_json` writes it), replacing any before."""
    from sqlalchemy import insert

    from triage_tui.store.tables import IMPACTS

    delete_impact(connection, case_id, project_id)
    connection.execute(
        insert(IMPACTS),
        {
            **cell,
            "ranges": json.dumps(cell["ranges"]),
            "case_id": case_id,
            "project_id": project_id,
            "set_by": set_by,
            "set_at": set_at,
        },
    )


def insert_event(
    connection: WriteConnection, case_id: str, author: str, at: datetime, kind: str, payload: Mapping[str, object]
) -> int:
    """Append an event to the case's audit log; its id."""
    from sqlalchemy import insert

    from triage_tui.store.tables import EVENTS

    event_id = connection.execute(
        insert(EVENTS).returning(EVENTS.c.id),
        {"case_id": case_id, "author": author, "at": at, "kind": kind, "payload": json.dumps(payload)},
    ).scalar_one()
    return int(event_id)


def event_row(connection: WriteConnection, event_id: int) -> EventRow | None:
    """One event of the audit log; None if there is none with that id."""
    from sqlalchemy import select

    from triage_tui.store.tables import EVENTS, EventRow

    row = connection.execute(select(EVENTS).where(EVENTS.c.id == event_id)).mappings().first()
    return EventRow(**row) if row is not None else None


def events_of_kind(connection: WriteConnection, case_id: str, kind: str) -> list[EventRow]:
    """The case's events of `kind`, oldest first."""
    from sqlalchemy import select

    from triage_tui.store.tables import EVENTS, EventRow

    rows = connection.execute(
        select(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.kind == kind).order_by(EVENTS.c.id)
    ).mappings()
    return [EventRow(**row) for row in rows]


def is_undone(connection: WriteConnection, event_id: int) -> bool:
    """Whether an undo event names `event_id`."""
    from sqlalchemy import select

    from triage_tui.store.tables import EVENTS

    rows = connection.execute(select(EVENTS.c.payload).where(EVENTS.c.kind == "undo")).scalars()
    return any(json.loads(payload).get("undoes") == event_id for payload in rows)


def newest_event_not_undone(store: Store, case_id: str, author: str, *, among: int = 20) -> EventRow | None:
    """The newest of the case's last `among` events by `author` that is not an undo and was not undone, read in one
    snapshot without taking the write lock."""
    from sqlalchemy import select

    from triage_tui.store.database import read_connection
    from triage_tui.store.tables import EVENTS, EventRow

    with read_connection(store.engine) as connection:
        rows = (
            connection.execute(
                select(EVENTS)
                .where(EVENTS.c.case_id == case_id, EVENTS.c.author == author, EVENTS.c.kind != "undo")
                .order_by(EVENTS.c.id.desc())
                .limit(among)
            )
            .mappings()
            .all()
        )
        for row in rows:
            if not is_undone(connection, row["id"]):
                return EventRow(**row)
    return None
