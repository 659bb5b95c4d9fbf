"""Provides the database file itself: creating and upgrading it, and light stdlib connections for reading.

Reads go through the standard library's sqlite3 rather than SQLAlchemy so the app can show the inbox before
SQLAlchemy and SQLModel are imported (they took ~0.4 s of a ~0.95 s start at 50k cases).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from triage_tui.store import cipher
from triage_tui.store.cipher import PAGE_SIZE
from triage_tui.store.migrations import migrate

BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """The database cannot be opened or upgraded; the message says which file and why."""


def prepare_database(path: Path) -> None:
    """Create the file (page size, WAL) if it is new and bring its schema up to date.

    Processes starting together on a new store meet here: switching a new file to WAL can answer "database is
    locked" at once, without SQLite's busy handler, while another process does the same; that is retried until
    BUSY_TIMEOUT_MS has passed, then reported."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            _prepare(path)
            return
        except (cipher.DatabaseError, OSError) as error:
            if "locked" in str(error) and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise StoreError(f"{path}: cannot open the database ({error}){_locked_hint(path)}") from None


def _prepare(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cipher.create_private(path)
    connection = cipher.connect(path)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The page size only takes effect before the first table is written.
        if connection.execute("PRAGMA page_count").fetchone()[0] == 0:
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        # Asked first: a store already in WAL (every start but the first) takes no lock to say so.
        if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            connection.execute("PRAGMA journal_mode = WAL")
        migrate(connection)
    finally:
        connection.close()


def _locked_hint(path: Path) -> str:
    if cipher.has_key(path) or not cipher.has_content(path) or cipher.is_plain_database(path):
        return ""
    return "; it is encrypted and was not unlocked with its key"


def apply_pragmas(connection: sqlite3.Connection) -> None:
    """The per-connection settings every connection to the store uses."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA cache_size = -32000")


def open_reader(path: Path, *, any_thread: bool = False) -> sqlite3.Connection:
    """A read-only connection in autocommit mode; `any_thread` lets a pool hand it to one thread after another."""
    connection = cipher.connect(path, isolation_level=None, check_same_thread=not any_thread)
    try:
        apply_pragmas(connection)
        connection.execute("PRAGMA query_only = ON")
    except BaseException:
        connection.close()
        raise
    connection.row_factory = cipher.Row
    return connection


@contextmanager
def reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection whose reads share one snapshot; closed on exit."""
    connection = open_reader(path)
    try:
        connection.execute("BEGIN")
        yield connection
    finally:
        connection.close()
