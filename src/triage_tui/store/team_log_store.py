"""The team log's table (`team_events`): events recorded here or received, their status, and what is sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.store.bulk_insert import insert_rows
from triage_tui.store.team_runner import EitherConnection, rows_over, run

if TYPE_CHECKING:
    from sqlalchemy import Connection


class ReceivedEvent(NamedTuple):
    """A received event as stored: applied, or rejected with the reason (columns in `insert_received`'s order)."""

    id: str
    case_id: str
    author: str
    at: str
    kind: str
    body: bytes
    signed: bytes | None
    origin: str
    status: str
    reason: str | None
    signer: str | None
    sent: int
    received_at: str
    ref: str | None
    rejection: str | None = None
    """The rule that refused it (`envelope.Rejection`'s name), None if applied."""


class StoredEvent(NamedTuple):
    """An applied event's id, the case here it was placed on, and its canonical bytes."""

    id: str
    case_id: str
    body: bytes


class SignedEvent(NamedTuple):
    """An event's canonical bytes and its signed form."""

    body: bytes
    signed: bytes


class RejectedRow(NamedTuple):
    """One line of the rejected-events view."""

    case_id: str
    author: str
    kind: str
    reason: str
    signer: str | None


class UnreadableMessage(NamedTuple):
    """A message of the team folder that holds no event one can read, kept with the reason."""

    source: str
    source_key: str
    reason: str
    raw: bytes
    at: str


def insert_local(
    connection: Connection, *, event_id: str, case_id: str, ref: str | None, author: str, at: str, kind: str,
    body: bytes, signer: str, now: datetime,
) -> None:  # fmt: skip
    """Keep a decision made here: applied already, waiting to be sent (a copy of one kept is ignored)."""
    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import TEAM_EVENTS

    connection.execute(
        insert(TEAM_EVENTS)
        .values(
            id=event_id,
            case_id=case_id,
            ref=ref,
            author=author,
            at=at,
            kind=kind,
            body=body,
            signed=None,
            origin="local",
            status="applied",
            reason=None,
            signer=signer,
            sent=0,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=[TEAM_EVENTS.c.id])
    )


def insert_received(connection: Connection, rows: Sequence[ReceivedEvent]) -> None:
    """Keep received events, a few statements for all (a sync may bring thousands); copies of kept ones are ignored."""
    insert_rows(
        connection,
        "INSERT OR IGNORE INTO team_events (id, case_id, author, at, kind, body, signed, origin, status, reason, "
        "signer, sent, received_at, ref, rejection)",
        rows,
    )


def refuse(connection: Connection, reasons: Iterable[tuple[str, str]]) -> None:
    """Mark stored events rejected, each (reason, event id) with its reason."""
    connection.exec_driver_sql("UPDATE team_events SET status = 'rejected', reason = ? WHERE id = ?", list(reasons))


def set_status(connection: Connection, event_ids: Sequence[str], status: str) -> None:
    """Give the stored events `event_ids` the status `status`."""
    if event_ids:
        connection.exec_driver_sql(
            "UPDATE team_events SET status = ? WHERE id = ?", [(status, event_id) for event_id in event_ids]
        )


def ids_in_order(connection: Connection, case_id: str, status: str) -> list[str]:
    """The case's events of `status` in the order they apply (`at` is fixed-width: text order is time order)."""
    rows = connection.exec_driver_sql(
        "SELECT id FROM team_events WHERE case_id = ? AND status = ? ORDER BY at, author, id", (case_id, status)
    ).fetchall()
    return [str(row[0]) for row in rows]


def place_waiting(connection: Connection, ref: str, case_id: str, unresolved_prefix: str) -> None:
    """Put the events about report `ref` that waited for it (their case `unresolved_prefix`...) on `case_id`."""
    if not unresolved_prefix.startswith("?"):  # the waiting events' index holds only cases starting so (`tables`)
        raise ValueError(f"unresolved cases start with '?', not {unresolved_prefix!r}")
    connection.exec_driver_sql(
        "UPDATE team_events SET case_id = ? WHERE ref = ? AND substr(case_id, 1, 1) = '?' AND case_id LIKE ?",
        (case_id, ref, unresolved_prefix + "%"),
    )


def unresolved_duplicates(connection: Connection) -> list[str]:
    """Cases closed as duplicates by team events whose duplicate-of names no case here (yet)."""
    rows = connection.exec_driver_sql(
        "SELECT id FROM cases WHERE state = 'closed' AND disposition = 'duplicate' AND duplicate_of IS NULL "
        "AND EXISTS (SELECT 1 FROM team_events WHERE case_id = cases.id AND status = 'applied')"
    ).fetchall()
    return [str(row[0]) for row in rows]


def applied_events(connection: Connection, case_ids: Sequence[str]) -> list[StoredEvent]:
    """The applied events placed on the cases."""
    sql = "SELECT id, case_id, body FROM team_events WHERE status = 'applied' AND case_id IN ({marks})"
    return list(map(StoredEvent._make, rows_over(connection, sql, case_ids)))  # a sync may bring thousands


def applied_heads(connection: Connection, case_ids: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """The applied events placed on the cases, without their bytes (`bodies` fetches those needed): each as (the case
    here it was placed on, at, author, id), read from the index alone. Plain rows: a round reads thousands."""
    sql = "SELECT case_id, at, author, id FROM team_events WHERE status = 'applied' AND case_id IN ({marks})"
    return rows_over(connection, sql, case_ids)


IGNORED_SOURCE = "team ignored cells"
"""The `intake_failures` source of applied events part of which is ignored (a maintainer's cell of a project no
coordinator linked): kept beside the log's rows, not in them, so marking thousands rewrites no event's bytes."""


def ignored_reasons(connection: Connection) -> dict[str, str]:
    """Event id -> why its cells are ignored, for every event kept as such (few: forged or stale cells)."""
    sql = "SELECT source_key, reason FROM intake_failures WHERE source = ?"
    return {str(row[0]): str(row[1]) for row in connection.exec_driver_sql(sql, (IGNORED_SOURCE,)).fetchall()}


def set_ignored(connection: Connection, reasons: Sequence[tuple[str, str | None]], now: str) -> None:
    """Keep (event id, reason) for applied events: why part of each is ignored (listed under R); None: nothing is."""
    keep = [(IGNORED_SOURCE, event_id, reason, b"", now) for event_id, reason in reasons if reason is not None]
    drop = [(IGNORED_SOURCE, event_id) for event_id, reason in reasons if reason is None]
    if keep:
        connection.exec_driver_sql(
            "INSERT INTO intake_failures (source, source_key, reason, raw, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, source_key) DO UPDATE SET reason = excluded.reason",
            keep,
        )
    if drop:
        connection.exec_driver_sql("DELETE FROM intake_failures WHERE source = ? AND source_key = ?", drop)


def bodies(connection: Connection, event_ids: Sequence[str]) -> dict[str, bytes]:
    """Event id -> its canonical bytes, for the stored events of `event_ids`."""
    sql = "SELECT id, body FROM team_events WHERE id IN ({marks})"
    return {str(row[0]): bytes(row[1]) for row in rows_over(connection, sql, event_ids)}


def local_event_ids(connection: Connection, case_ids: Sequence[str]) -> set[str]:
    """The ids of the events made on this workstation about the cases."""
    sql = "SELECT id FROM team_events WHERE origin = 'local' AND case_id IN ({marks})"
    return {str(row[0]) for row in rows_over(connection, sql, case_ids)}


def unsent_bodies(connection: EitherConnection) -> list[tuple[str, bytes]]:
    """Local events not sent yet, oldest first: each with the case here it is about."""
    sql = "SELECT case_id, body FROM team_events WHERE origin = 'local' AND sent = 0 ORDER BY at, id"
    return [(str(row[0]), bytes(row[1])) for row in run(connection, sql).fetchall()]


def signed_history(connection: EitherConnection, case_id: str, ignored_whole: str) -> list[SignedEvent]:
    """A case's applied events that have a signed form, but its shares and those ignored whole (kept as ignored
    with a reason starting with `ignored_whole`: a maintainer's on a case none of their projects was linked to),
    oldest first."""
    rows = run(
        connection,
        "SELECT body, signed FROM team_events e WHERE case_id = ? AND status = 'applied' AND signed IS NOT NULL "
        "AND kind != 'share' AND NOT EXISTS (SELECT 1 FROM intake_failures f WHERE f.source = ? "
        "AND f.source_key = e.id AND substr(f.reason, 1, length(?)) = ?) ORDER BY at, id",
        (case_id, IGNORED_SOURCE, ignored_whole, ignored_whole),
    ).fetchall()
    return [SignedEvent(bytes(row[0]), bytes(row[1])) for row in rows]


def bodies_in_the_open(connection: EitherConnection, case_id: str) -> list[bytes]:
    """A case's applied events that have left a workstation (sent from here, or received), but those whose cells
    were ignored (a maintainer's of a project no coordinator linked: nobody of it was sent the case for them)."""
    rows = run(
        connection,
        "SELECT body FROM team_events e WHERE case_id = ? AND status = 'applied' AND (origin = 'received' OR sent = 1) "
        "AND NOT EXISTS (SELECT 1 FROM intake_failures f WHERE f.source = ? AND f.source_key = e.id)",
        (case_id, IGNORED_SOURCE),
    ).fetchall()
    return [bytes(row[0]) for row in rows]


def rejected_rows(connection: EitherConnection, unreadable: str) -> list[RejectedRow]:
    """Events refused (and applied events part of which is ignored: a maintainer's cell of a project no coordinator
    linked), and messages of the team folder refused before they were one (case, author and kind `unreadable`),
    newest first."""
    rows = run(
        connection,
        "SELECT case_id, author, kind, reason, signer, received_at, id FROM team_events WHERE status = 'rejected' "
        "UNION ALL SELECT e.case_id, e.author, e.kind, f.reason, e.signer, f.at, e.id FROM intake_failures f "
        "JOIN team_events e ON e.id = f.source_key AND e.status = 'applied' WHERE f.source = ? "
        "UNION ALL SELECT ?, ?, ?, reason, NULL, at, source_key FROM intake_failures WHERE source = 'team' "
        "ORDER BY 6 DESC, 7",
        (IGNORED_SOURCE, unreadable, unreadable, unreadable),
    ).fetchall()
    return [RejectedRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def newest_applied_at(connection: EitherConnection) -> str | None:
    """The clock text of the newest applied event, None while there is none."""
    row = run(connection, "SELECT max(at) FROM team_events WHERE status = 'applied'").fetchone()
    return str(row[0]) if row is not None and row[0] else None


def event_ids(connection: EitherConnection) -> set[str]:
    """Every event kept here, whatever its status."""
    return {str(row[0]) for row in run(connection, "SELECT id FROM team_events").fetchall()}


def mark_sent(connection: Connection, event_id: str, signed: bytes) -> None:
    """The event has gone out: kept with its signed form, for readers it is sent to later."""
    connection.exec_driver_sql("UPDATE team_events SET sent = 1, signed = ? WHERE id = ?", (signed, event_id))


def keep_unreadable(connection: Connection, messages: Sequence[UnreadableMessage]) -> None:
    """List messages that hold no event one can read with the others intake could not read."""
    if messages:
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO intake_failures (source, source_key, reason, raw, at) VALUES (?, ?, ?, ?, ?)",
            list(messages),
        )
