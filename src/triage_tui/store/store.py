"""The store of one workspace, opened once per process: every read and write of the database goes through it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

from triage_tui.store.connection import StoreError, prepare_database, reader
from triage_tui.store.reader_pool import ReaderPool

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from triage_tui.config import Project


class Store:
    """The database at `path`, created or upgraded once when opened.

    Reads use the DB-API directly so a process that only reads (the inbox at start, a no-change sync) never imports
    SQLAlchemy, which costs about half a second; the writer's engine is built on the first write."""

    def __init__(self, path: Path) -> None:
        prepare_database(path)
        self.path = path
        self.readers = ReaderPool(path)
        """Read connections kept open for the UI's short reads (a page of cases, a snippet)."""
        self._engine: Engine | None = None
        self._engine_lock = Lock()
        self._projects_synced: tuple[Project, ...] | None = None
        self._closed = False

    def _refuse_if_closed(self) -> None:
        # Closing is final: a worker still running when its opener closed the store (the app quit during a sync)
        # gets an error instead of quietly opening connections nobody will close.
        if self._closed:
            raise StoreError(f"{self.path}: the store was closed")

    @property
    def engine(self) -> Engine:
        """The writer's engine, built once on first use."""
        with self._engine_lock:
            self._refuse_if_closed()
            if self._engine is None:
                from triage_tui.store.database import build_engine

                self._engine = build_engine(self.path)
            return self._engine

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection whose reads share one snapshot; closed on exit."""
        self._refuse_if_closed()
        with reader(self.path) as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One IMMEDIATE transaction: everything written in it commits together or not at all."""
        from triage_tui.store.database import write_transaction

        with write_transaction(self.engine) as connection:
            yield connection

    def sync_projects(self, projects: Iterable[Project]) -> None:
        """Make the projects table match the config's projects; done once per process for the same projects."""
        wanted = tuple(projects)
        if self._projects_synced == wanted:
            return
        from triage_tui.store.sync_reads import projects_stored

        with self.read() as connection:
            stored = projects_stored(connection, wanted)
        if stored:  # the usual case: a no-change sync then never loads SQLAlchemy (half a second of start-up)
            self._projects_synced = wanted
            return
        from triage_tui.store.projects import write_projects

        with self.write() as connection:
            write_projects(connection, wanted)
        self._projects_synced = wanted

    def close(self) -> None:
        """Release the writer's connections and the pooled readers (other reads close their own); final."""
        self.readers.close()
        with self._engine_lock:
            self._closed = True
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
