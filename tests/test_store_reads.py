"""Tests for the UI's store reads: a count the inbox no longer needs can be stopped while it runs."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from triage_tui.store import cipher, reads
from triage_tui.store.queries import CaseFilter
from triage_tui.store.reader_pool import ReaderPool
from triage_tui.store.store import Store
from ui_fixtures import seeded_store, small_inbox


def test_a_stopped_count_returns_nothing_and_the_next_one_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = reads.StoreReads(Store(seeded_store(tmp_path / "triage.db", small_inbox())))
    assert store.stoppable_count(CaseFilter(search="tarfile")) is not None
    started = threading.Event()

    def endless_count(connection: sqlite3.Connection, *_args: object, **_kwargs: object) -> int:
        started.set()  # a count that never ends on its own, like one over a broad search on a big store
        sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
        return int(connection.execute(sql).fetchone()[0])

    monkeypatch.setattr(reads, "count_cases", endless_count)
    result: list[object] = []
    counting = threading.Thread(target=lambda: result.append(store.stoppable_count(CaseFilter(search="x"))))
    counting.start()
    assert started.wait(10)
    store.stop_counts()
    counting.join(10)
    assert not counting.is_alive() and result == [None]
    monkeypatch.undo()
    count = store.stoppable_count(CaseFilter(search="tarfile"))
    assert count is not None and count.shown == 2


def test_pooled_reads_see_each_commit_and_a_failed_read_is_not_reused(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    pool = ReaderPool(database, keep=1)
    with pool.connection() as connection:
        first = connection.execute("SELECT title FROM cases WHERE id = 'PSC-2026-0001'").fetchone()[0]
    writer = sqlite3.connect(database)
    with writer:
        writer.execute("UPDATE cases SET title = 'renamed' WHERE id = 'PSC-2026-0001'")
    writer.close()
    with pool.connection() as connection:  # the same connection, in a new snapshot
        assert connection.execute("SELECT title FROM cases WHERE id = 'PSC-2026-0001'").fetchone()[0] == "renamed"
    assert first != "renamed" and len(pool._idle) == 1
    with pytest.raises(cipher.OperationalError), pool.connection() as connection:
        connection.execute("SELECT no_such_column FROM cases")
    assert pool._idle == []
    with pool.connection() as connection, pytest.raises(cipher.OperationalError):
        connection.execute("DELETE FROM cases")  # readers are read-only
    pool.close()


def test_a_page_past_its_budget_is_abandoned_and_the_connection_reads_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = reads.StoreReads(Store(seeded_store(tmp_path / "triage.db", small_inbox())))
    quick = store.page_within(CaseFilter(search="tarfile"), 0, 100, budget=5.0)
    assert quick is not None and len(quick) == 2

    def endless_page(connection: sqlite3.Connection, *_args: object, **_kwargs: object) -> list[object]:
        sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
        connection.execute(sql).fetchone()
        raise AssertionError("the deadline should have stopped the statement")

    monkeypatch.setattr(reads, "inbox_rows", endless_page)
    assert store.page_within(CaseFilter(), 0, 100, budget=0.05) is None
    monkeypatch.undo()
    # The pooled connection is handed out again with no deadline left on it.
    assert [case.id for case in store.page(CaseFilter(search="tarfile"), 0, 100)] == [case.id for case in quick]
    assert store.page_within(CaseFilter(), 0, 100, budget=5.0) is not None
