"""Tests for the UI's store reads: a count the inbox no longer needs can be stopped while it runs."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from triage_tui.screens import reads
from triage_tui.store.queries import CaseFilter
from ui_fixtures import seeded_store, small_inbox


def test_a_stopped_count_returns_nothing_and_the_next_one_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = reads.StoreReads(seeded_store(tmp_path / "triage.db", small_inbox()))
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
