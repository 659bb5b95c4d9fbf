"""Runs the team log's SQL on either connection team code holds: a reader's (DB-API) or the writer's (SQLAlchemy)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

from triage_tui.store.sql_values import SqlValue

if TYPE_CHECKING:
    from sqlalchemy import Connection

WriteConnection: TypeAlias = "Connection"
"""The writer's transaction (`Store.write`), named here so code above the store never imports SQLAlchemy."""

EitherConnection: TypeAlias = "sqlite3.Connection | Connection"
"""A reader's snapshot (sqlite3, or SQLCipher's module of the same shape) or the writer's transaction."""


class Rows(Protocol):
    """What both kinds of connection answer a statement with."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Sequence[Any]: ...


def run(connection: EitherConnection, sql: str, parameters: Sequence[SqlValue] = ()) -> Rows:
    """`sql` with its `?` parameters. SQLAlchemy connections take raw SQL through exec_driver_sql; DB-API ones
    (sqlite3's or SQLCipher's, which is not a sqlite3.Connection) through execute."""
    raw = getattr(connection, "exec_driver_sql", None)
    if raw is not None:
        rows: Rows = raw(sql, tuple(parameters))
        return rows
    return cast("sqlite3.Connection", connection).execute(sql, tuple(parameters))


def plain_rows(connection: EitherConnection, sql: str, parameters: Sequence[SqlValue] = ()) -> list[Any]:
    """`run`'s rows, all of them, as the driver gives them: a writer's are read through its own DB-API cursor, since
    wrapping each of thousands of rows for SQLAlchemy costs more than reading it."""
    if getattr(connection, "exec_driver_sql", None) is None:
        return list(cast("sqlite3.Connection", connection).execute(sql, tuple(parameters)).fetchall())
    cursor = cast("Connection", connection).connection.cursor()
    try:
        return list(cursor.execute(sql, tuple(parameters)).fetchall())
    finally:
        cursor.close()


def rows_over(connection: Connection, sql: str, ids: Sequence[str], more: Sequence[SqlValue] = ()) -> list[Any]:
    """`sql` (with `{marks}` for the ids, then the `more` parameters) over the ids, a chunk at a time (SQLite bounds
    the variables of one statement)."""
    from triage_tui.store.in_lists import in_parts

    found: list[Any] = []
    # The driver's own cursor, in the writer's transaction: these reads bring thousands of rows per round of a team
    # sync, and wrapping each row for SQLAlchemy cost more than reading it.
    cursor = connection.connection.cursor()
    try:
        for part in in_parts(ids):
            found += cursor.execute(sql.format(marks=",".join("?" * len(part))), (*part, *more)).fetchall()
    finally:
        cursor.close()
    return found
