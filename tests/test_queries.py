"""Tests for the inbox queries: each filter, the orders, counts, and search snippets, on a small triaged store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage_tui.store.connection import reader
from triage_tui.store.queries import (
    SEVERITY_BANDS,
    UNASSIGNED,
    CaseFilter,
    add_functions,
    count_cases,
    inbox_page_sql,
    list_cases,
    parse_time,
    search_snippet,
    severity_band,
)
from ui_fixtures import BASE, FROZEN_NOW, HOSTILE, message, seeded_store, triaged_store

MARKS = ("<<", ">>")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    with reader(triaged_store(tmp_path / "triage.db")) as connection:
        yield connection


def ids(connection: sqlite3.Connection, case_filter: CaseFilter, **kwargs: int) -> list[str]:
    found = [case.id[-4:] for case in list_cases(connection, case_filter, now=FROZEN_NOW, **kwargs)]
    assert count_cases(connection, case_filter, now=FROZEN_NOW) == len(found) or "limit" in kwargs
    return found


ALL = ["0006", "0005", "0004", "0003", "0002", "0001"]


@pytest.mark.parametrize(
    ("case_filter", "expected"),
    [
        (CaseFilter(), ALL),
        (CaseFilter(state="new"), ["0006", "0004", "0003", "0002"]),
        (CaseFilter(state="accepted"), ["0001"]),
        (CaseFilter(disposition="spam"), ["0005"]),
        (CaseFilter(project="pip"), ["0006", "0001"]),
        (CaseFilter(project="setuptools"), ["0004"]),
        (CaseFilter(severity="critical"), ["0001"]),
        (CaseFilter(severity="medium"), ["0002"]),
        (CaseFilter(severity="low"), ["0004"]),
        (CaseFilter(severity="high"), []),
        (CaseFilter(severity="unscored"), ["0006", "0005", "0003"]),
        (CaseFilter(assignee="alex@example.org"), ["0001"]),
        (CaseFilter(assignee="team:setuptools"), ["0004"]),
        (CaseFilter(assignee=UNASSIGNED), ["0006", "0005", "0003", "0002"]),
        (CaseFilter(signature="good"), ["0006", "0001"]),
        (CaseFilter(signature="unknown-key"), ["0002"]),
        (CaseFilter(signature="bad"), ["0005"]),
        (CaseFilter(embargo_due_days=7), ["0002"]),
        (CaseFilter(embargo_due_days=60), ["0005", "0002"]),
        (CaseFilter(embargo_due_days=0), []),
        (CaseFilter(search="tarfile"), ["0004", "0001"]),
        (CaseFilter(search="tarfile", project="pip"), ["0001"]),
        (CaseFilter(state="new", signature="unsigned", severity="unscored"), ["0003"]),
    ],
)
def test_each_filter_selects_and_counts(
    store: sqlite3.Connection, case_filter: CaseFilter, expected: list[str]
) -> None:
    assert ids(store, case_filter) == expected


def test_embargo_past_due_counts_as_due(tmp_path: Path) -> None:
    with reader(triaged_store(tmp_path / "t.db")) as connection:
        later = FROZEN_NOW.replace(month=6)
        assert [c.id[-4:] for c in list_cases(connection, CaseFilter(embargo_due_days=0), now=later)] == [
            "0005",
            "0002",
        ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("received", ALL),
        ("updated", ["0003", "0006", "0001", "0005", "0004", "0002"]),  # the reply on 0001 updated it
        ("severity", ["0001", "0002", "0004", "0006", "0005", "0003"]),
        ("embargo", ["0002", "0005", "0006", "0004", "0003", "0001"]),
    ],
)
def test_sorts(store: sqlite3.Connection, sort: str, expected: list[str]) -> None:
    assert ids(store, CaseFilter(sort=sort)) == expected


def test_sort_pages_and_filters_together(store: sqlite3.Connection) -> None:
    case_filter = CaseFilter(sort="severity", state="new")
    assert ids(store, case_filter) == ["0002", "0004", "0006", "0003"]
    assert [c.id[-4:] for c in list_cases(store, case_filter, offset=2, limit=2, now=FROZEN_NOW)] == ["0006", "0003"]


def test_count_ignores_the_order(store: sqlite3.Connection) -> None:
    assert count_cases(store, CaseFilter(sort="severity", severity="unscored")) == 3
    assert CaseFilter(sort="severity").narrows is False
    assert CaseFilter(state="new").narrows is True


def test_severity_bands() -> None:
    assert [severity_band(s) for s in (None, 0.0, 0.1, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0)] == [
        "unscored", "none", "low", "low", "medium", "medium", "high", "high", "critical", "critical",
    ]  # fmt: skip
    assert set(SEVERITY_BANDS) == {"critical", "high", "medium", "low", "none", "unscored"}


def test_an_unparseable_vector_is_unscored(tmp_path: Path) -> None:
    database = triaged_store(tmp_path / "t.db")
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE cases SET cvss_vector = 'CVSS:3.1/nonsense' WHERE id = 'PSC-2026-0006'")
    connection.close()
    with reader(database) as r:
        assert "PSC-2026-0006" in [c.id for c in list_cases(r, CaseFilter(severity="unscored"))]


def test_default_order_uses_the_covering_index() -> None:
    sql, params = inbox_page_sql(CaseFilter(signature="good", severity="high"), offset=0, limit=50)
    with sqlite3.connect(":memory:") as connection:
        from triage_tui.store.migrations import migrate

        migrate(connection)
        add_functions(connection)
        plan = " ".join(str(row[-1]) for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "TEMP B-TREE" not in plan
    assert "ix_cases_inbox" in plan


class TestSnippets:
    def test_snippet_marks_the_match(self, store: sqlite3.Connection) -> None:
        snippet = search_snippet(store, "PSC-2026-0001", "crafted", MARKS)
        assert snippet is not None
        assert "<<crafted>>" in snippet

    def test_prefix_match_is_marked(self, store: sqlite3.Connection) -> None:
        snippet = search_snippet(store, "PSC-2026-0001", "extract", MARKS)
        assert snippet is not None and "<<Extracting>>" in snippet

    def test_no_snippet_for_other_cases_or_empty_search(self, store: sqlite3.Connection) -> None:
        assert search_snippet(store, "PSC-2026-0002", "crafted", MARKS) is None
        assert search_snippet(store, "PSC-2026-0001", "[/]", MARKS) is None

    def test_hostile_text_comes_back_verbatim(self, tmp_path: Path) -> None:
        database = seeded_store(tmp_path / "h.db", [message(1, "hostile", date=BASE, body=f"needle {HOSTILE}")])
        with reader(database) as connection:
            snippet = search_snippet(connection, "PSC-2026-0001", "needle", MARKS, tokens=64)
        assert snippet is not None
        assert snippet.startswith("<<needle>> [/] [b] abc [/ [RED]x")


def _add_event(database: Path, case_id: str, kind: str, payload: str) -> int:
    connection = sqlite3.connect(database)
    with connection:
        cursor = connection.execute(
            "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, 'alex', '2026-03-14 09:00:00', ?, ?)",
            (case_id, kind, payload),
        )
    connection.close()
    return int(cursor.lastrowid or 0)


class TestNoteSearch:
    def test_notes_are_searched(self, tmp_path: Path) -> None:
        database = triaged_store(tmp_path / "t.db")
        _add_event(database, "PSC-2026-0003", "note", json.dumps({"text": "Asked Lee for the\nkeyring fingerprint"}))
        _add_event(database, "PSC-2026-0002", "assign", json.dumps({"text": "keyring"}))
        with reader(database) as connection:
            assert ids(connection, CaseFilter(search="keyring")) == ["0003"]
            assert ids(connection, CaseFilter(search="keyr", state="new")) == ["0003"]

    def test_deleted_or_moved_notes_follow(self, tmp_path: Path) -> None:
        database = triaged_store(tmp_path / "t.db")
        event = _add_event(database, "PSC-2026-0003", "note", json.dumps({"text": "quokka"}))
        connection = sqlite3.connect(database)
        with connection:
            connection.execute("UPDATE events SET case_id = 'PSC-2026-0004' WHERE id = ?", (event,))
        with reader(database) as r:
            assert ids(r, CaseFilter(search="quokka")) == ["0004"]
        with connection:
            connection.execute("DELETE FROM events WHERE id = ?", (event,))
        connection.close()
        with reader(database) as r:
            assert ids(r, CaseFilter(search="quokka")) == []

    def test_a_payload_that_is_not_json_is_stored_not_indexed(self, tmp_path: Path) -> None:
        database = triaged_store(tmp_path / "t.db")
        _add_event(database, "PSC-2026-0003", "note", "{not json")
        with reader(database) as connection:
            assert ids(connection, CaseFilter(search="json")) == []


def test_broad_search_walks_the_index_and_finds_the_same(
    store: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage_tui.store import queries

    narrow = ids(store, CaseFilter(search="report"))
    assert not queries.is_broad_search(store, "report")
    monkeypatch.setattr(queries, "BROAD_SEARCH", 2)
    assert queries.is_broad_search(store, "report")
    assert ids(store, CaseFilter(search="report")) == narrow
    assert ids(store, CaseFilter(search="report", sort="severity")) == ids(
        store, CaseFilter(search="report", sort="severity")
    )
    sql, params = inbox_page_sql(CaseFilter(search="report"), notes=True, broad=True)
    plan = " ".join(str(row[-1]) for row in store.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "SCAN cases USING COVERING INDEX ix_cases_inbox" in plan


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-05-29 15:00:00.000000", datetime(2026, 5, 29, 15, tzinfo=UTC)),
        ("2026-05-29 15:00:00", datetime(2026, 5, 29, 15, tzinfo=UTC)),
        ("2026-05-29", datetime(2026, 5, 29, tzinfo=UTC)),
        ("2026-05-29T17:00:00+02:00", datetime(2026, 5, 29, 15, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_stored_times_read_back_as_utc(stored: str | None, expected: datetime | None) -> None:
    parsed = parse_time(stored)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None
