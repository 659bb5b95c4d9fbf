"""Provides versioned schema migrations, tracked in SQLite's `user_version`; each runs in its own transaction."""

from __future__ import annotations

import sqlite3

from triage_tui.store.migration_scripts import MIGRATIONS

LATEST_VERSION = len(MIGRATIONS)


class SchemaTooNewError(Exception):
    """The database was written by a newer triage-tui than this one."""


def schema_version(connection: sqlite3.Connection) -> int:
    """The schema version recorded in the database (0 for a new file)."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(connection: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Upgrade the schema to `target`, one transaction per step; return the version reached.

    Each step and its `user_version` bump commit together, so a crash leaves the database at a whole version. The
    version is read again inside each step's write transaction: another process starting on the same store may have
    taken that step while this one waited for the lock.
    """
    current = schema_version(connection)
    _refuse_newer(current)
    if current >= target:
        return current  # the usual start: no write lock taken
    previous_isolation = connection.isolation_level
    connection.isolation_level = None  # we issue BEGIN/COMMIT ourselves so DDL stays inside the transaction
    try:
        while True:
            connection.execute("BEGIN IMMEDIATE")
            try:
                version = schema_version(connection)
                _refuse_newer(version)
                if version >= target:
                    connection.execute("COMMIT")
                    break
                for statement in _statements(MIGRATIONS[version]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {version + 1}")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
    finally:
        connection.isolation_level = previous_isolation
    return schema_version(connection)


def _refuse_newer(current: int) -> None:
    """SchemaTooNewError if a newer triage-tui has migrated the database past what this one knows."""
    if current > LATEST_VERSION:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, newer than this program's "
            f"{LATEST_VERSION}; upgrade triage-tui"
        )


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (trigger bodies contain semicolons)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:80]}")
    return statements
