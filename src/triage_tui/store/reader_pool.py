"""Provides the UI's read connections: a pool kept open for the short reads of every keystroke, and readers sized
for one count or one case."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

from triage_tui.store.connection import StoreError, open_reader
from triage_tui.store.connection import reader as store_reader

COUNT_CACHE_KIB = 2000
"""SQLite page cache of a count's connection (see `counting_reader`)."""
POOLED_READERS = 2
"""Idle read connections kept open: a page read and a snippet read can run at once."""
READ_CACHE_KIB = 8000
"""SQLite page cache per UI read. Reads run in parallel (page, count, snippet, views), each on a connection of its
own that is closed after one read, so a large cache only raised peak memory (a broad search at 100k cases filled
32 MB per connection)."""


@contextmanager
def ui_reader(database: Path) -> Iterator[sqlite3.Connection]:
    """A store reader with the UI's smaller page cache."""
    with store_reader(database) as connection:
        _ui_reader_settings(connection)
        yield connection


def _ui_reader_settings(connection: sqlite3.Connection) -> None:
    connection.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")


@contextmanager
def counting_reader(database: Path) -> Iterator[sqlite3.Connection]:
    """A store reader for one count: it walks an index or a match list once, so a page it has read is not read
    again and a big cache would only hold memory while other reads run beside it."""
    with store_reader(database) as connection:
        connection.execute(f"PRAGMA cache_size = -{COUNT_CACHE_KIB}")
        yield connection


class ReaderPool:
    """Keeps a few read connections open for the short reads every keystroke and scroll makes (a page of cases, a
    snippet): opening and setting one up cost a millisecond, more than a rare word's whole search."""

    def __init__(self, database: Path, keep: int = POOLED_READERS) -> None:
        self.database = database
        self.keep = keep
        self._idle: list[sqlite3.Connection] = []
        self._lock = Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection with a read transaction open (one snapshot for everything read in the block)."""
        with self._lock:
            if self._closed:
                raise StoreError(f"{self.database}: the store's readers were closed")
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = open_reader(self.database, any_thread=True)
            _ui_reader_settings(connection)
        try:
            connection.execute("BEGIN")
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            connection.close()  # whatever went wrong, a connection in an unknown state is not handed out again
            raise
        with self._lock:
            if len(self._idle) < self.keep and not self._closed:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close the idle connections; the pool hands out none after this (one in use is closed when returned)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
