"""Provides the outbox as one list, whatever waits to go out (replies to reporters over SMTP, draft updates to GitHub
advisories), and the two things a coordinator does to an item of it: try it again, or cancel it.

Reads use a plain sqlite3 connection (the outbox screen and `triage-tui outbox` never need SQLAlchemy); the two
writes record an event on the item's case in the same transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.store.case_writes import insert_event
from triage_tui.store.times import parse_time

if TYPE_CHECKING:
    from triage_tui.store.store import Store

REPLY = "reply"
GITHUB_PUSH = "github-push"
PREFIXES = {REPLY: "reply", GITHUB_PUSH: "push"}
"""How an item's id is written (`reply-3`, `push-7`): the tables number their rows apart."""
LARGEST_ROW = 2**63 - 1
"""SQLite's largest integer: no row has a larger id."""
WAITING_STATES = ("queued", "failed")
"""What the outbox lists: items to send, and items that failed (replies are retried; pushes wait for a retry)."""


class OutboxRefusal(Exception):
    """An outbox item that does not exist, or cannot be retried or cancelled in its state; the message says why."""


@dataclass(frozen=True)
class OutboxEntry:
    """One item of the outbox, as the outbox screen and `triage-tui outbox` list it."""

    id: str
    kind: str
    """`reply` (to a reporter, over SMTP) or `github-push` (a draft update to a repository advisory)."""
    case_id: str
    target: str
    """The recipients of a reply; the repository and advisory of a push."""
    subject: str
    state: str
    attempts: int
    reason: str | None
    """Why the last try failed, or why the item waits."""
    created_at: datetime | None

    @property
    def progress(self) -> str:
        """Its state and tries in words: "queued, never tried", "failed, tried once; the next sync tries again"."""
        tries = {0: "never tried", 1: "tried once"}.get(self.attempts, f"tried {self.attempts} times")
        if self.state == "failed":
            # A reply that failed is sent again by every sync; a push that failed waits for `retry` (r).
            again = "the next sync tries again" if self.kind == REPLY else "it is tried again only after a retry"
            return f"failed, {tries}; {again}"
        if self.state == "queued" and self.attempts:
            return f"queued, {tries} without success; the next sync tries again"
        return f"{self.state}, {tries}"


def _row_id(kind: str, row: int) -> str:
    return f"{PREFIXES[kind]}-{row}"


def parse_entry_id(entry_id: str) -> tuple[str, int]:
    """(kind, row) of an id such as `reply-3`; OutboxRefusal if it is not one."""
    prefix, _dash, number = entry_id.strip().lower().partition("-")
    kinds = {value: key for key, value in PREFIXES.items()}
    # ASCII digits only (int() also takes other scripts' digits), and none past SQLite's largest row id: such an id
    # is simply no item, where the database would overflow on it.
    if prefix not in kinds or not (number.isascii() and number.isdigit()):
        raise OutboxRefusal(f"'{entry_id}' is not an outbox item; ids look like reply-3 or push-7 (triage-tui outbox)")
    row = int(number)
    if row > LARGEST_ROW:
        raise OutboxRefusal(f"there is no outbox item {entry_id}; `triage-tui outbox` lists them")
    return kinds[prefix], row


READ_REPLIES = (
    "SELECT id, case_id, to_address, subject, state, attempts, last_error, created_at FROM outbox "
    "WHERE state IN ('queued', 'failed') ORDER BY id"
)
READ_PUSHES = (
    "SELECT id, case_id, repository, ghsa_id, state, attempts, last_error, created_at FROM advisory_pushes "
    "WHERE state IN ('queued', 'failed') ORDER BY id"
)
STATE_OF = {
    REPLY: "SELECT case_id, state FROM outbox WHERE id = :row",
    GITHUB_PUSH: "SELECT case_id, state FROM advisory_pushes WHERE id = :row",
}
RETRY = {
    REPLY: "UPDATE outbox SET state = 'queued', attempts = 0 WHERE id = :row",
    GITHUB_PUSH: "UPDATE advisory_pushes SET state = 'queued', attempts = 0 WHERE id = :row",
}
"""Queued again, its tries counted from zero (a push gives up after ten)."""
CANCEL = {
    REPLY: "UPDATE outbox SET state = 'cancelled' WHERE id = :row",
    GITHUB_PUSH: "UPDATE advisory_pushes SET state = 'cancelled' WHERE id = :row",
}


def outbox_entries(connection: sqlite3.Connection) -> list[OutboxEntry]:
    """Everything that waits to be sent or failed, oldest first."""
    entries = [
        OutboxEntry(_row_id(REPLY, row), REPLY, case, to, subject, state, attempts, error, parse_time(created))
        for row, case, to, subject, state, attempts, error, created in connection.execute(READ_REPLIES)
    ]
    for row, case, repository, ghsa, state, attempts, error, created in connection.execute(READ_PUSHES):
        target, subject = f"{repository} {ghsa}", f"draft update of {ghsa}"
        entry_id = _row_id(GITHUB_PUSH, row)
        entries.append(
            OutboxEntry(entry_id, GITHUB_PUSH, case, target, subject, state, attempts, error, parse_time(created))
        )
    return sorted(entries, key=lambda entry: (entry.created_at is None, entry.created_at or datetime.min))


def _change(store: Store, entry_id: str, statements: dict[str, str], event: str, author: str, now: datetime) -> str:
    """Check the item still waits, run its kind's statement and record `event` on its case, all in one write
    transaction (a sync cannot send it in between); the case. OutboxRefusal if it is gone or done."""
    from sqlalchemy import text

    kind, row = parse_entry_id(entry_id)
    what = "tried again" if event == "outbox-retry" else "cancelled"
    with store.write() as connection:
        found = connection.execute(text(STATE_OF[kind]), {"row": row}).first()
        if found is None:
            raise OutboxRefusal(f"there is no outbox item {entry_id}; `triage-tui outbox` lists them")
        case_id, state = str(found[0]), str(found[1])
        if state not in WAITING_STATES:
            raise OutboxRefusal(f"{entry_id} is {state}; only a queued or failed item can be {what}")
        connection.execute(text(statements[kind]), {"row": row})
        insert_event(connection, case_id, author, now, event, {"item": _row_id(kind, row), "kind": kind})
    return case_id


def retry_entry(store: Store, entry_id: str, author: str, now: datetime) -> str:
    """Queue a failed (or waiting) item again with its tries counted from zero: the next sync sends it. The case
    it belongs to."""
    return _change(store, entry_id, RETRY, "outbox-retry", author, now)


def cancel_entry(store: Store, entry_id: str, author: str, now: datetime) -> str:
    """Take a queued or failed item out of the outbox for good (kept, marked cancelled, never sent). The case it
    belongs to."""
    return _change(store, entry_id, CANCEL, "outbox-cancel", author, now)
