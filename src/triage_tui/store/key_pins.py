"""Provides signing keys pinned on first use: the first key seen for an address is kept; another is a flagged change.

Reporters are pinned by their From address when a message's signature is good; team members by their key's UID
address when one of their events is accepted. A change stays flagged (on the message, and in the changed-keys view)
until a coordinator accepts it, which re-pins the address to the new key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from triage_tui.store.in_lists import in_parts
from triage_tui.store.times import EPOCH, parse_time, stored_time

if TYPE_CHECKING:
    from triage_tui.store.tables import KeyChangeRow

REPORTER = "reporter"
TEAM = "team"


@dataclass(frozen=True)
class KeySighting:
    """A key seen signing for an address (a verified signature), and the case it was seen on."""

    address: str
    fingerprint: str
    role: str
    case_id: str | None = None


def pin_sightings(
    execute: Callable[[str, list[tuple[str | None, ...]]], object], sightings: Iterable[KeySighting], now: datetime
) -> None:
    """Pin each address's first key and flag other keys as changes, in the caller's transaction.

    `execute(sql, rows)` runs one statement for many rows: a DB-API cursor's `executemany`, or SQLAlchemy's
    `exec_driver_sql`. Sightings are taken in order, so of two keys first seen in one batch the first is pinned.
    """
    rows = [(s.address.lower(), s.fingerprint.upper(), s.role, s.case_id) for s in sightings if s.address]
    if not rows:
        return
    stamp = stored_time(now)
    execute(
        "INSERT OR IGNORE INTO key_pins (address, fingerprint, role, pinned_at) VALUES (?, ?, ?, ?)",
        [(address, fingerprint, role, stamp) for address, fingerprint, role, _ in rows],
    )
    execute(
        "INSERT OR IGNORE INTO key_changes (address, role, old_fingerprint, new_fingerprint, case_id, seen_at) "
        "SELECT address, ?, fingerprint, ?, ?, ? FROM key_pins WHERE address = ? AND fingerprint <> ?",
        [(role, fingerprint, case_id, stamp, address, fingerprint) for address, fingerprint, role, case_id in rows],
    )


def pinned_keys(connection: Connection, addresses: Iterable[str]) -> dict[str, str]:
    """The key each of `addresses` (lower-cased) is pinned to; an address never seen signing is left out."""
    wanted = sorted({a.lower() for a in addresses if a})
    pinned: dict[str, str] = {}
    for part in in_parts(wanted):
        rows = connection.exec_driver_sql(
            f"SELECT address, fingerprint FROM key_pins WHERE address IN ({', '.join('?' * len(part))})",  # noqa: S608
            tuple(part),
        ).all()
        pinned.update({str(address): str(fingerprint).upper() for address, fingerprint in rows})
    return pinned


_CHANGE_COLUMNS = "id, address, role, old_fingerprint, new_fingerprint, case_id, seen_at, accepted_by, accepted_at"


def _changes(rows: Iterable[Sequence[Any]]) -> list[KeyChangeRow]:
    # Imported here: SQLModel loads with the first key change read (a view of its own), never at start-up.
    from triage_tui.store.tables import KeyChangeRow

    return [
        KeyChangeRow(
            id=row[0], address=row[1], role=row[2], old_fingerprint=row[3], new_fingerprint=row[4], case_id=row[5],
            seen_at=parse_time(row[6]) or EPOCH, accepted_by=row[7], accepted_at=parse_time(row[8]),
        )
        for row in rows
    ]  # fmt: skip


def pending_changes(connection: sqlite3.Connection) -> list[KeyChangeRow]:
    """Changed keys no coordinator has accepted yet, newest first."""
    rows = connection.execute(
        f"SELECT {_CHANGE_COLUMNS} FROM key_changes WHERE accepted_at IS NULL ORDER BY seen_at DESC, id DESC"  # noqa: S608
    ).fetchall()
    return _changes(rows)


def accept_pin(connection: Connection, address: str, fingerprint: str, by: str, now: datetime) -> None:
    """Pin `address` to `fingerprint` and mark a pending change to it accepted by `by` (a coordinator, here or on
    another workstation), in the caller's transaction. Accepting twice changes nothing more."""
    stamp = stored_time(now)
    connection.exec_driver_sql(
        "INSERT INTO key_pins (address, fingerprint, role, pinned_at) VALUES (?, ?, coalesce((SELECT role FROM "
        "key_changes WHERE address = ? ORDER BY id DESC LIMIT 1), ?), ?) ON CONFLICT (address) DO UPDATE SET "
        "fingerprint = excluded.fingerprint, pinned_at = excluded.pinned_at WHERE fingerprint <> excluded.fingerprint",
        (address, fingerprint, address, REPORTER, stamp),
    )
    connection.exec_driver_sql(
        "UPDATE key_changes SET accepted_by = ?, accepted_at = ? WHERE address = ? AND new_fingerprint = ? "
        "AND accepted_at IS NULL",
        (by, stamp, address, fingerprint),
    )


def accept_change(connection: Connection, change_id: int, by: str, now: datetime) -> KeyChangeRow | None:
    """Re-pin the change's address to its new key and mark the change accepted, in the caller's transaction;
    None if there is no such pending change."""
    row = connection.exec_driver_sql(
        f"SELECT {_CHANGE_COLUMNS} FROM key_changes WHERE id = ? AND accepted_at IS NULL",  # noqa: S608
        (change_id,),
    ).fetchone()
    if row is None:
        return None
    [change] = _changes([row])
    accept_pin(connection, change.address, change.new_fingerprint, by, now)
    return change
