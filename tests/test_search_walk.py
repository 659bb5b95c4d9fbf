"""Tests for the ordered search walk: the page it reads is the plain statement's page, whatever the rowid order."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from triage_tui.store import ingest, search_walk
from triage_tui.store.batches import IncomingItem
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.queries import CaseFilter, add_functions, fts_query, inbox_page_sql, list_cases
from triage_tui.store.store import Store
from ui_fixtures import BASE, FROZEN_NOW, message, seeded_store

WORDS = "wheel sdist index token cache proxy mirror resolver lockfile keyring".split()


def _store(path: Path) -> Path:
    """300 cases whose rowids often disagree with the inbox order: dates shuffled, a report dated decades ahead,
    replies to old cases arriving last, and notes on old cases."""
    rng = random.Random(7)
    offsets = list(range(300))
    rng.shuffle(offsets)  # a backfill: reports arrive in no particular date order
    messages = [
        message(
            n, f"{rng.choice(WORDS)} report {n}", date=BASE - timedelta(hours=offsets[n]),
            body=" ".join(rng.choice(WORDS) for _ in range(6)) + (" installer" if n % 3 else " install"),
        )
        for n in range(300)
    ]  # fmt: skip
    messages.append(message(300, "from the future", date=BASE.replace(year=2091), body="wheel proxy"))
    seeded_store(path, messages)
    replies = [
        message(400 + k, f"Re: report {k}", date=BASE + timedelta(minutes=k), body="keyring follow-up",
                reply_to=f"<{k}@reports.test>")
        for k in range(0, 300, 37)
    ]  # fmt: skip
    writer = Store(path)
    store_batch(writer, [IncomingItem("test", f"reply/{m.message_id}", m) for m in replies], now=FROZEN_NOW)
    writer.close()
    connection = sqlite3.connect(path)
    with connection:
        case_ids = [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY rowid LIMIT 40")]
        for index, case_id in enumerate(case_ids[::5]):
            connection.execute(
                "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, 'alex', ?, 'note', ?)",
                (case_id, "2026-03-14 09:00:00", json.dumps({"text": f"quokka note {index}"})),
            )
        for case_id in case_ids[::3]:
            connection.execute("UPDATE cases SET state = 'triage' WHERE id = ?", (case_id,))
    connection.close()
    return path


@pytest.fixture(scope="module", params=[4096, 40], ids=["all-recent", "window-40"])
def store(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[sqlite3.Connection]:
    # With a window of 40 the newest messages' index holds a sliver of the store, so walks cross into the full one.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "SEARCH_WINDOW", request.param)
        database = _store(tmp_path_factory.mktemp("walk") / "triage.db")
    with reader(database) as connection:
        floor = connection.execute("SELECT floor FROM search_window").fetchone()[0]
        recent = connection.execute("SELECT count(*) FROM recent_fts").fetchone()[0]
        newest = connection.execute("SELECT count(*) FROM messages WHERE id >= ?", (floor,)).fetchone()[0]
        assert recent == newest == min(request.param, 301 + 9)
        add_functions(connection)
        yield connection


def _plain(connection: sqlite3.Connection, case_filter: CaseFilter, offset: int, limit: int) -> list[tuple[object]]:
    sql, params = inbox_page_sql(case_filter, offset=offset, limit=limit, now=FROZEN_NOW, notes=True)
    return [tuple(row) for row in connection.execute(sql, params)]


FILTERS = [
    CaseFilter(search="install"),
    CaseFilter(search="inst"),
    CaseFilter(search="wheel"),
    CaseFilter(search="keyring"),
    CaseFilter(search="quokka"),
    CaseFilter(search="report"),
    CaseFilter(search="wheel proxy"),
    CaseFilter(search="install", state="triage"),
    CaseFilter(search="nothing-matches-this"),
]


@pytest.mark.parametrize("case_filter", FILTERS, ids=lambda f: f"{f.search}/{f.state}")
@pytest.mark.parametrize(("offset", "limit"), [(0, 7), (0, 50), (13, 20), (100, 60), (290, 50)])
def test_the_walk_reads_the_plain_statements_page(
    store: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, case_filter: CaseFilter, offset: int, limit: int
) -> None:
    # Many rounds, so "unsure" cases are met and read past.
    monkeypatch.setattr(search_walk, "MIN_CHUNK", 8)
    monkeypatch.setattr(search_walk, "FIRST_CHUNK_MARGIN", 0)
    monkeypatch.setattr(search_walk, "GROWTH", 2)
    walked = search_walk.walk_search_page(store, case_filter, offset, limit, now=FROZEN_NOW, notes=True)
    assert walked is not None
    assert [tuple(row) for row in walked] == _plain(store, case_filter, offset, limit)


def test_the_future_dated_report_comes_first(store: sqlite3.Connection) -> None:
    walked = search_walk.walk_search_page(store, CaseFilter(search="wheel"), 0, 3, notes=True)
    assert walked is not None and walked[0][1] == "from the future"


def test_a_walk_that_gives_up_leaves_the_page_to_the_plain_statement(
    store: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_walk, "MIN_CHUNK", 4)
    monkeypatch.setattr(search_walk, "FIRST_CHUNK_MARGIN", 0)
    monkeypatch.setattr(search_walk, "GROWTH", 1)
    monkeypatch.setattr(search_walk, "MAX_WALKED", 12)
    case_filter = CaseFilter(search="install")
    assert search_walk.walk_search_page(store, case_filter, 0, 50, notes=True) is None
    assert [c.id for c in list_cases(store, case_filter, limit=50, now=FROZEN_NOW)] == [
        str(row[0]) for row in _plain(store, case_filter, 0, 50)
    ]


def test_other_orders_are_not_walked(store: sqlite3.Connection) -> None:
    assert search_walk.walk_search_page(store, CaseFilter(search="wheel", sort="severity"), 0, 10) is None
    assert search_walk.walk_search_page(store, CaseFilter(search="  "), 0, 10) is None


def test_in_order_arrivals_need_one_round(store: sqlite3.Connection, tmp_path: Path) -> None:
    # The common case (mail arrives newest last): a page of 20 from a search matching every case reads one chunk
    # of 25 (the page and a margin).
    database = seeded_store(
        tmp_path / "ordered.db",
        [message(n, f"wheel {n}", date=BASE + timedelta(hours=n)) for n in range(120)],
    )
    reads: list[int] = []
    original = search_walk._Stream.read

    def counted(self: search_walk._Stream, connection: sqlite3.Connection) -> list[int]:
        rowids = original(self, connection)
        reads.append(len(rowids))
        return rowids

    with reader(database) as connection:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_walk, "MIN_CHUNK", 1)
            patch.setattr(search_walk._Stream, "read", counted)
            walked = search_walk.walk_search_page(connection, CaseFilter(search="wheel"), 0, 20)
    assert walked is not None and [row[1] for row in walked] == [f"wheel {n}" for n in range(119, 99, -1)]
    assert reads == [25, 25]  # one chunk of messages, one of titles


@pytest.mark.parametrize("term", ["install", "inst", "wheel", "keyring", "report"])
def test_the_message_stream_has_read_every_match_above_its_reach(store: sqlite3.Connection, term: str) -> None:
    """After each chunk, every matching message at or above the stream's reach has been handed out (the walk's
    proof rests on this), across the newest messages' index and the full one below its floor."""
    match = fts_query(term)
    assert match is not None
    every = [row[0] for row in store.execute("SELECT rowid FROM message_fts WHERE message_fts MATCH ?", (match,))]
    stream = search_walk._message_stream(store, match, 7)
    seen: list[int] = []
    while not stream.done:
        seen += stream.read(store)
        reach = stream.reach
        assert seen == sorted(seen, reverse=True)
        assert {r for r in every if reach is None or r >= reach} <= set(seen)
    assert sorted(seen) == sorted(every)
