"""Inserts many rows with few statements: multi-row VALUES lists, a bounded number of rows each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from triage_tui.store.sql_values import SqlValue

if TYPE_CHECKING:
    from sqlalchemy import Connection

MAX_VARIABLES = 30_000
"""Bound variables per statement, below SQLite's default limit (32,766) whatever the build."""
MAX_ROWS = 2_000
"""Rows per statement: beyond this a longer statement saves nothing measurable and costs more to prepare."""


def insert_rows(connection: Connection, head: str, rows: Sequence[Sequence[SqlValue]], tail: str = "") -> None:
    """`head VALUES (?, ...), (?, ...) ... tail` for every row, in as few statements as the limits allow.

    Why not `executemany`: each statement run under a write transaction opens and closes a statement journal, and the
    full-text indexes fed by triggers flush their pending terms to disk at each close. One statement for a chunk of
    rows does both once per chunk; a team sync writes thousands of rows a batch."""
    if not rows:
        return
    width = len(rows[0])
    per_statement = max(1, min(MAX_ROWS, MAX_VARIABLES // width))
    row_marks = "(" + ", ".join("?" * width) + ")"
    # The driver's own cursor: SQLAlchemy would wrap every parameter list again for nothing.
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([row_marks] * len(chunk))
            cursor.execute(f"{head} VALUES {values} {tail}", [value for row in chunk for value in row])
    finally:
        cursor.close()
