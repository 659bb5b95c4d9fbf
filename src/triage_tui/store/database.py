"""Provides opening the store: the engine is built from a path at start-up, with pragmas set and migrations run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event

from triage_tui.store import cipher
from triage_tui.store.connection import StoreError, apply_pragmas, prepare_database

__all__ = ["StoreError", "build_engine", "open_engine", "read_connection", "write_transaction"]


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's "begin" hook issue BEGIN itself, so write transactions can take the lock up front.
    dbapi_connection.isolation_level = None
    apply_pragmas(dbapi_connection)


def _on_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout instead of deadlocking
    # when both try to upgrade a read lock.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_engine(path: Path) -> Engine:
    """Open (creating or upgrading as needed) the store at `path` and return its engine."""
    prepare_database(path)
    return build_engine(path)


def build_engine(path: Path) -> Engine:
    """The engine of a store already prepared (see `prepare_database`): its connections, pragmas and BEGIN mode."""
    # The driver is SQLCipher's (see store.cipher); `module` makes SQLAlchemy wrap its exceptions like sqlite3's.
    # hide_parameters: an error's text must never quote the values bound to a statement, which are decrypted
    # subjects, senders and bodies (it ends up on stderr, in cron mail, in a notification).
    engine = create_engine(
        f"sqlite:///{path}",
        creator=lambda: cipher.connect(path, check_same_thread=False),
        module=cipher.dbapi,
        hide_parameters=True,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one IMMEDIATE transaction: everything commits together or not at all."""
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection:
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads, in one snapshot-consistent transaction."""
    with engine.connect() as connection, connection.begin():
        yield connection
