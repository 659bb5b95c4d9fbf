"""The SQL of the GitHub source: advisories as last synced, their list pages' ETags, the events a remote change
records, and the outbox of draft updates to push."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from triage_tui.store.sync_reads import load_cursors

if TYPE_CHECKING:
    from sqlalchemy import Connection

PAGES_SCOPE = "pages:"
"""sync_state scope prefix of a repository's list pages (`pages:pypa/pip`)."""


class StoredPage(NamedTuple):
    """A repository's list page as last fetched: its URL and the ETag to ask "changed since?" with."""

    url: str
    etag: str | None


@dataclass(frozen=True)
class KnownAdvisory:
    """A repository advisory as last synced."""

    ghsa_id: str
    repository: str
    case_id: str
    remote: Mapping[str, Any]
    own: bool = True
    """Whether the case is this advisory's own (its first message is the advisory's report). An older version
    threaded a report whose summary named a case into that case; such an advisory never changes it."""


_OWN = (
    "EXISTS (SELECT 1 FROM messages m WHERE m.source = g.source AND m.source_key = g.ghsa_id "
    "AND m.case_id = g.case_id AND m.id = (SELECT min(id) FROM messages WHERE case_id = g.case_id))"
)
"""SQL: whether the advisory `g`'s report is its case's first message."""


@dataclass(frozen=True)
class QueuedPush:
    """A draft update waiting for its repository advisory."""

    id: int
    case_id: str
    repository: str
    ghsa_id: str
    body: Mapping[str, object]
    attempts: int


def known_advisories(connection: sqlite3.Connection, source: str) -> dict[str, KnownAdvisory]:
    """Every advisory of `source` synced before, by GHSA id."""
    rows = connection.execute(
        f"SELECT g.ghsa_id, g.repository, g.case_id, g.remote, {_OWN} FROM github_advisories g WHERE g.source = ?",  # noqa: S608
        (source,),
    ).fetchall()
    return {row[0]: KnownAdvisory(row[0], row[1], row[2], json.loads(row[3]), bool(row[4])) for row in rows}


def case_of_message(connection: sqlite3.Connection, source: str, key: str) -> str | None:
    """The case a stored message of `source` belongs to."""
    row = connection.execute(
        "SELECT case_id FROM messages WHERE source = ? AND source_key = ?", (source, key)
    ).fetchone()
    return str(row[0]) if row else None


def advisories_of_case(connection: sqlite3.Connection, case_id: str) -> list[KnownAdvisory]:
    """The repository advisory the case is (its first message is that advisory's report): its only push target.

    An advisory whose report was threaded into another case by an older version (a summary naming the case) is not
    one: pushing the case's draft there would show it to whoever filed that advisory."""
    rows = connection.execute(
        f"SELECT g.ghsa_id, g.repository, g.case_id, g.remote FROM github_advisories g WHERE g.case_id = ? AND {_OWN} "  # noqa: S608
        "ORDER BY g.repository",
        (case_id,),
    ).fetchall()
    return [KnownAdvisory(row[0], row[1], row[2], json.loads(row[3])) for row in rows]


def queued_pushes(connection: sqlite3.Connection, source: str) -> list[QueuedPush]:
    """Draft updates of `source` still to send, oldest first."""
    rows = connection.execute(
        "SELECT id, case_id, repository, ghsa_id, body, attempts FROM advisory_pushes "
        "WHERE source = ? AND state = 'queued' ORDER BY id",
        (source,),
    ).fetchall()
    return [QueuedPush(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5]) for row in rows]


class PushState(NamedTuple):
    """One push of a case's draft and how it went."""

    repository: str
    ghsa_id: str
    state: str
    error: str | None


def push_states(connection: sqlite3.Connection, case_id: str) -> list[PushState]:
    """Each push of a case, newest first: what the app shows."""
    rows = connection.execute(
        "SELECT repository, ghsa_id, state, last_error FROM advisory_pushes WHERE case_id = ? ORDER BY id DESC",
        (case_id,),
    ).fetchall()
    return [PushState(row[0], row[1], row[2], row[3]) for row in rows]


def conflicts_since_queued(connection: sqlite3.Connection, case_id: str, push_id: int) -> bool:
    """Whether a change on GitHub conflicted with the case's draft after the push `push_id` was queued."""
    row = connection.execute(
        "SELECT 1 FROM events WHERE case_id = ? AND kind = 'github-conflict' AND at > "
        "(SELECT created_at FROM advisory_pushes WHERE id = ?) LIMIT 1",
        (case_id, push_id),
    ).fetchone()
    return row is not None


def stored_pages(connection: sqlite3.Connection, source: str) -> dict[str, list[StoredPage]]:
    """Each repository's list pages as the last sync of `source` saved them, by repository."""
    pages: dict[str, list[StoredPage]] = {}
    for scope, cursor in load_cursors(connection, source).items():
        if scope.startswith(PAGES_SCOPE):
            saved = cursor.get("pages") or []
            pages[scope.removeprefix(PAGES_SCOPE)] = [
                StoredPage(page["url"], page.get("etag")) for page in saved if isinstance(page, Mapping)
            ]
    return pages


# ---- writes (inside the caller's transaction) ------------------------------------------------------------------


def save_remote(
    connection: Connection, source: str, repository: str, case_id: str, remote: Mapping[str, object], now: datetime
) -> None:
    """Remember `remote` as the advisory's last synced state."""
    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import GITHUB_ADVISORIES

    values = {
        "source": source,
        "ghsa_id": str(remote["ghsa_id"]),
        "repository": repository,
        "case_id": case_id,
        "remote": json.dumps(remote, ensure_ascii=False),
        "state": str(remote.get("state") or ""),
        "remote_updated_at": remote.get("updated_at"),
        "synced_at": now,
    }
    statement = insert(GITHUB_ADVISORIES).values(values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[GITHUB_ADVISORIES.c.source, GITHUB_ADVISORIES.c.ghsa_id],
            set_={k: v for k, v in values.items() if k not in ("source", "ghsa_id")},
        )
    )


def save_pages(
    connection: Connection, source: str, repository: str, pages: Sequence[StoredPage], now: datetime
) -> None:
    """Remember a repository's list pages (URL and ETag) for the next sync's conditional requests."""
    from triage_tui.store.ingest import save_cursor

    cursor = {"pages": [{"url": page.url, "etag": page.etag} for page in pages]}
    save_cursor(connection, source, PAGES_SCOPE + repository, cursor, now)


def source_of_advisory(connection: Connection, ghsa_id: str) -> str:
    """The source an advisory was synced from."""
    from sqlalchemy import select

    from triage_tui.store.tables import GITHUB_ADVISORIES

    return str(
        connection.execute(select(GITHUB_ADVISORIES.c.source).where(GITHUB_ADVISORIES.c.ghsa_id == ghsa_id)).scalar()
    )


def record_event(
    connection: Connection, case_id: str, author: str, kind: str, payload: Mapping[str, object], now: datetime
) -> None:
    """One entry of the case's timeline."""
    from sqlalchemy import insert

    from triage_tui.store.tables import EVENTS

    connection.execute(
        insert(EVENTS),
        {"case_id": case_id, "author": author, "at": now, "kind": kind, "payload": json.dumps(payload)},
    )


def queue_push(
    connection: Connection,
    case_id: str,
    source: str,
    repository: str,
    ghsa_id: str,
    body: Mapping[str, object],
    author: str,
    now: datetime,
) -> None:
    """Put a draft update in the outbox; an earlier one for the same advisory that has not gone yet is replaced."""
    from sqlalchemy import delete, insert

    from triage_tui.store.tables import ADVISORY_PUSHES

    connection.execute(
        delete(ADVISORY_PUSHES).where(
            ADVISORY_PUSHES.c.source == source,
            ADVISORY_PUSHES.c.ghsa_id == ghsa_id,
            ADVISORY_PUSHES.c.state == "queued",
        )
    )
    connection.execute(
        insert(ADVISORY_PUSHES),
        {
            "case_id": case_id,
            "source": source,
            "repository": repository,
            "ghsa_id": ghsa_id,
            "body": json.dumps(body, ensure_ascii=False),
            "created_at": now,
            "author": author,
        },
    )


def finish_push(connection: Connection, push_id: int, *, state: str, error: str | None, now: datetime) -> None:
    """Record a push's outcome: `sent`, `failed` (refused for good) or still `queued` with the error of this try."""
    from sqlalchemy import update

    from triage_tui.store.tables import ADVISORY_PUSHES

    connection.execute(
        update(ADVISORY_PUSHES)
        .where(ADVISORY_PUSHES.c.id == push_id)
        .values(
            state=state,
            last_error=error,
            attempts=ADVISORY_PUSHES.c.attempts + 1,
            sent_at=now if state == "sent" else None,
        )
    )
