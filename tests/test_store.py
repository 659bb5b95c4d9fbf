"""Tests for the store: migrations, pragmas, threading into cases, search and the inbox's index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from store_fixtures import parsed
from triage_tui.config import Project
from triage_tui.intake.records import IntakeFailure
from triage_tui.store.batches import CursorUpdate, IncomingItem
from triage_tui.store.connection import StoreError, reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.migrations import LATEST_VERSION, SchemaTooNewError, migrate
from triage_tui.store.queries import CaseFilter, count_cases, get_case, inbox_page_sql, list_cases
from triage_tui.store.store import Store
from triage_tui.store.sync_reads import known_source_keys

PROJECTS = [
    Project(id="pip", name="pip", packages=("pip",), repository="pypa/pip"),
    Project(id="uv", name="uv", packages=("uv",), repository="astral-sh/uv"),
    Project(id="poetry", name="Poetry", packages=("poetry", "poetry-core")),
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "triage.db")
    store.sync_projects(PROJECTS)
    return store


def items(*messages, source: str = "mbox") -> list[IncomingItem]:  # type: ignore[no-untyped-def]
    return [IncomingItem(source, f"k{index}-{m.subject}", m) for index, m in enumerate(messages)]


def test_new_database_has_wal_large_pages_and_latest_schema(tmp_path: Path) -> None:
    Store(tmp_path / "t.db")
    connection = sqlite3.connect(tmp_path / "t.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA page_size").fetchone()[0] >= 8192
    assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION


def test_models_match_the_migrated_schema(store: Store) -> None:
    inspector = inspect(store.engine)
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name


def test_a_version_1_database_with_data_is_upgraded_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    assert migrate(connection, target=1) == 1
    connection.executescript(
        """
        INSERT INTO cases (id, year, number, title, received_at, created_at, updated_at, message_count)
        VALUES ('PSC-2025-0007', 2025, 7, 'tarfile symlink escape in sdist unpacking',
                '2025-05-01 10:00:00', '2025-05-01 10:00:00', '2025-05-01 10:00:00', 1);
        INSERT INTO case_counters VALUES (2025, 7);
        INSERT INTO messages (case_id, source, source_key, subject, received_at, body, content_hash)
        VALUES ('PSC-2025-0007', 'old', 'k1', 'tarfile', '2025-05-01 10:00:00', 'the zipslip payload', 'h');
        """
    )
    connection.commit()
    connection.close()
    store = Store(path)
    with reader(store.path) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert [s.id for s in list_cases(c, CaseFilter(search="zipslip"))] == ["PSC-2025-0007"]
        assert [s.id for s in list_cases(c, CaseFilter(search="symlink"))] == ["PSC-2025-0007"]
    store_batch(store, items(parsed("new report", day=2)))
    with reader(store.path) as c:
        ids = {s.id for s in list_cases(c)}
    assert "PSC-2026-0001" in ids


def test_a_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "new.db")
    connection.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(SchemaTooNewError):
        migrate(connection)


def test_threading_by_reply_references_and_child_first_never_by_subject(store: Store) -> None:
    first = store_batch(
        store,
        items(
            parsed("pip: wheel path traversal", message_id="<a@x>", day=1),
            parsed("Re: pip: wheel path traversal", message_id="<b@x>", in_reply_to="<a@x>", day=2),
            parsed("uv cache race", message_id="<c@x>", day=3),
        ),
        PROJECTS,
    )
    assert first.new_cases == ["PSC-2026-0001", "PSC-2026-0002"]
    second = store_batch(
        store,
        items(
            # only References, nearest last
            parsed("follow-up", message_id="<d@x>", references=("<zz@x>", "<c@x>"), day=4),
            # a case id in the subject is the sender's to write: a case of its own (offered by `d`)
            parsed("[PSC-2026-0001] patch attached", message_id="<e@x>", day=5),
            # a reply whose parent arrives later
            parsed("Re: Poetry lock injection", message_id="<g@x>", in_reply_to="<f@x>", day=7),
            source="other",
        ),
        PROJECTS,
    )
    assert second.new_cases == ["PSC-2026-0003", "PSC-2026-0004"]
    third = store_batch(store, items(parsed("Poetry lock injection", message_id="<f@x>", day=6), source="late"))
    assert third.new_cases == []
    with reader(store.path) as c:
        one = get_case(c, "PSC-2026-0001")
        two = get_case(c, "PSC-2026-0002")
        four = get_case(c, "PSC-2026-0004")
    assert one and two and four
    assert [m.message_id for m in one.messages] == ["<a@x>", "<b@x>"]
    assert [m.message_id for m in two.messages] == ["<c@x>", "<d@x>"]
    assert [m.message_id for m in four.messages] == ["<f@x>", "<g@x>"]
    assert one.summary.message_count == 2
    assert [p.project for p in one.summary.projects] == ["pip"]
    assert [p.project for p in four.summary.projects] == ["poetry"]
    assert all(p.status == "unknown" for p in one.summary.projects)


def test_a_reply_joins_only_from_the_reporter_or_the_team(store: Store) -> None:
    from triage_tui.domain import Signature
    from triage_tui.store.batches import TeamSenders

    stranger, team_member = ("Eve", "eve@evil.example"), ("Pat Maintainer", "pat@pip.example")
    store_batch(store, items(parsed("pip: netrc leak", message_id="<r@x>", day=1)))
    team = TeamSenders(addresses=frozenset({"pat@pip.example"}), fingerprints=frozenset({"AB" * 20}))
    later = store_batch(
        store,
        items(
            parsed("Re: pip: netrc leak", message_id="<s1@x>", in_reply_to="<r@x>", sender=stranger, day=2),
            # a team address without a team key's signature is anyone's claim
            parsed("Re: pip: netrc leak", message_id="<s2@x>", in_reply_to="<r@x>", sender=team_member, day=3),
            parsed(
                "Re: pip: netrc leak",
                message_id="<t1@x>",
                in_reply_to="<r@x>",
                sender=team_member,
                signature=Signature.GOOD,
                signer="AB" * 20,
                day=3,
            ),
            parsed(
                "Re: pip: netrc leak",
                message_id="<t2@x>",
                references=("<r@x>",),
                sender=("X", "x@y.example"),
                signature=Signature.GOOD,
                signer="AB" * 20,
                day=4,
            ),
        ),
        team=team,
    )
    assert later.new_cases == ["PSC-2026-0002", "PSC-2026-0003"]  # each a report of its own
    with reader(store.path) as c:
        one, two, three = (get_case(c, f"PSC-2026-000{n}") for n in (1, 2, 3))
    assert one and two and three
    assert [m.message_id for m in one.messages] == ["<r@x>", "<t1@x>", "<t2@x>"]
    assert [m.message_id for m in two.messages] == ["<s1@x>"]
    assert [m.message_id for m in three.messages] == ["<s2@x>"]


def test_search_is_literal_and_safe(store: Store) -> None:
    store_batch(
        store,
        items(
            parsed("pip: netrc credentials logged", body="the token leaks in verbose logs", day=1),
            parsed("uv: ReDoS in version parsing", body='catastrophic backtracking "quoted"', day=2),
        ),
    )
    with reader(store.path) as c:
        assert count_cases(c, CaseFilter(search="token leak")) == 1
        assert count_cases(c, CaseFilter(search="REDOS")) == 1
        assert count_cases(c, CaseFilter(search="backtrack")) == 1  # prefix match on the last word
        for hostile in ['"', "a OR b", "NEAR(", "*", "[/]", "title:x", ")"]:
            count_cases(c, CaseFilter(search=hostile))  # never raises


def test_inbox_page_is_served_by_the_covering_index(store: Store) -> None:
    with reader(store.path) as c:
        sql, params = inbox_page_sql(CaseFilter(), offset=100, limit=50)
        plan = c.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING COVERING INDEX ix_cases_inbox" in details
    assert "TEMP B-TREE" not in details


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    good = parsed("fine", message_id="<ok@x>")
    duplicate_key = [IncomingItem("s", "same", good), IncomingItem("s", "same", parsed("dup", day=2))]
    with pytest.raises(Exception, match="UNIQUE"):
        store_batch(store, duplicate_key, cursors=[CursorUpdate("s", "items", {"last_key": "same"})])
    with reader(store.path) as c:
        assert count_cases(c) == 0
        assert c.execute("SELECT * FROM messages").fetchone() is None
        assert c.execute("SELECT * FROM sync_state").fetchone() is None


def test_failures_are_kept_and_their_keys_are_known(store: Store) -> None:
    store_batch(
        store,
        [
            IncomingItem("s", "bad", IntakeFailure(raw=b"\x00garbage", reason="not an email")),
            IncomingItem("s", "good", parsed("a report")),
        ],
    )
    with reader(store.path) as c:
        assert known_source_keys(c, "s") == {"bad", "good"}
    with reader(store.path) as c:
        row = tuple(c.execute("SELECT reason, raw FROM intake_failures").fetchone())
    assert row == ("not an email", b"\x00garbage")


def test_relink_matches_by_content_then_message_id_and_never_twice(store: Store) -> None:
    from triage_tui.sources.base import RawItem
    from triage_tui.store.relink import relink_messages

    same = parsed("pip: same bytes", message_id="<same@x>")
    rewritten = parsed("pip: server rewrote headers", message_id="<rewritten@x>")
    store_batch(
        store,
        [IncomingItem("imap", "INBOX/1/1", same), IncomingItem("imap", "INBOX/1/2", rewritten)],
    )
    relinked = relink_messages(
        store,
        "imap",
        [
            RawItem("INBOX/2/7", same.raw),  # identical bytes
            RawItem("INBOX/2/8", b"X-Added-By-Server: yes\r\nMessage-ID: <rewritten@x>\r\n\r\nbody"),
            RawItem("INBOX/2/9", b"Message-ID: <new@x>\r\n\r\nnew"),  # nothing stored is this one
            RawItem("INBOX/2/10", same.raw),  # a second copy must not steal the first one's message
        ],
    )
    assert relinked == {"INBOX/2/7", "INBOX/2/8"}
    with reader(store.path) as c:
        keys = sorted(row[0] for row in c.execute("SELECT source_key FROM messages"))
    assert keys == ["INBOX/2/7", "INBOX/2/8"]


def test_a_closed_store_stays_closed(tmp_path: Path) -> None:
    # A worker still running when the store's opener closed it (the app quit during a sync) must not quietly open
    # connections that nobody closes.
    store = Store(tmp_path / "triage.db")
    with store.readers.connection() as connection:
        connection.execute("SELECT count(*) FROM cases").fetchone()
    store.close()
    for use in (store.read, store.write, store.readers.connection):
        with pytest.raises(StoreError, match="closed"), use():
            pass
