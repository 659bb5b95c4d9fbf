"""Tests the store's many-row inserts: every row lands once, in order, across statements, with its triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from store_fixtures import parsed
from triage_tui.store import bulk_insert
from triage_tui.store.batches import IncomingItem
from triage_tui.store.bulk_insert import insert_rows
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "triage.db")
    store_batch(store, [IncomingItem("mbox", "k0", parsed("pip: wheel path traversal"))])
    return store


def test_rows_beyond_one_statement_all_land_in_their_order(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_insert, "MAX_ROWS", 7)  # 50 rows: eight statements, the last one short
    rows = [("PSC-2026-0001", f"author {n}", "2026-03-01T12:00:00+00:00", "note", f'{{"text": "note {n}"}}')
            for n in range(50)]  # fmt: skip
    with store.write() as connection:
        insert_rows(connection, "INSERT INTO events (case_id, author, at, kind, payload)", rows)
    with reader(store.path) as connection:
        authors = [row[0] for row in connection.execute("SELECT author FROM events WHERE kind = 'note' ORDER BY id")]
        # The notes' full-text index is fed by a trigger: each row inserted fires it, whatever statement carried it.
        found = connection.execute("SELECT count(*) FROM note_fts WHERE note_fts MATCH 'note'").fetchone()[0]
    assert authors == [f"author {n}" for n in range(50)]
    assert found == 50


def test_a_conflict_in_a_later_statement_keeps_the_first_row(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_insert, "MAX_ROWS", 2)
    rows = [("pip", "first"), ("uv", "uv"), ("pip", "again"), ("poetry", "poetry"), ("pip", "third")]
    with store.write() as connection:
        insert_rows(connection, "INSERT OR IGNORE INTO projects (id, name)", rows)
    with reader(store.path) as connection:
        names = dict(connection.execute("SELECT id, name FROM projects WHERE id IN ('pip', 'uv', 'poetry')").fetchall())
    assert names == {"pip": "first", "uv": "uv", "poetry": "poetry"}


def test_none_and_bytes_are_stored_as_null_and_blob(store: Store) -> None:
    # The driver is given adapters for None and bytes (`cipher`, for speed): they must store what they did before.
    with store.write() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (a, b, c)")
        insert_rows(connection, "INSERT INTO probe (a, b, c)", [(None, b"\x00\xff", "text")])
    with reader(store.path) as connection:
        row = connection.execute("SELECT typeof(a), typeof(b), b, typeof(c) FROM probe").fetchone()
    assert tuple(row) == ("null", "blob", b"\x00\xff", "text")


def test_no_rows_write_nothing(store: Store) -> None:
    with store.write() as connection:
        insert_rows(connection, "INSERT INTO events (case_id, author, at, kind, payload)", [])
    with reader(store.path) as connection:
        assert connection.execute("SELECT count(*) FROM events WHERE kind = 'note'").fetchone()[0] == 0
