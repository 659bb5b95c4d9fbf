"""Provides the outbox's statements: encrypted replies queued with an event in one transaction, then marked sent
or failed.

SQLAlchemy is imported inside each function: the reply screen imports this module, and the app must not pay for
SQLAlchemy before the first write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from triage_tui.store.case_writes import insert_event

if TYPE_CHECKING:
    from triage_tui.store.store import Store


class OutboxState:
    """The states of an outbox row."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


PENDING_STATES = (OutboxState.QUEUED, OutboxState.FAILED)
"""States that the next send tries again."""

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class OutboxItem:
    """One outbox row, its message bytes included."""

    id: int
    case_id: str
    recipients: tuple[str, ...]
    subject: str
    raw: bytes
    created_at: datetime
    author: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None


def queue_reply(
    store: Store,
    *,
    case_id: str,
    recipients: Sequence[str],
    subject: str,
    raw: bytes,
    author: str,
    template: str | None,
    now: datetime,
) -> int:
    """Put an encrypted reply in the outbox and record the "reply.queued" event, in one transaction.

    Args:
        store: The store.
        case_id: The case replied to.
        recipients: Every envelope recipient, the reporter first.
        subject: The real subject (the message itself only shows "..." outside the encryption).
        raw: The encrypted, signed message bytes.
        author: Who wrote the reply.
        template: The template it started from, if any.
        now: When it was queued.

    Returns:
        The outbox row's id.
    """
    from triage_tui.store.tables import OUTBOX

    with store.write() as connection:
        result = connection.execute(
            OUTBOX.insert().values(
                case_id=case_id,
                to_address=", ".join(recipients),
                subject=subject,
                raw=raw,
                created_at=now,
                author=author,
                state=OutboxState.QUEUED,
                attempts=0,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        outbox_id = int(key[0])
        payload = {"outbox_id": outbox_id, "to": list(recipients), "template": template}
        insert_event(connection, case_id, author, now, "reply.queued", payload)
    return outbox_id


def _aware(value: datetime | None) -> datetime | None:
    # SQLite keeps naive UTC text; the rest of the app works in aware UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _item(row: object) -> OutboxItem:
    mapping = row._mapping  # type: ignore[attr-defined]
    return OutboxItem(
        id=mapping["id"],
        case_id=mapping["case_id"],
        recipients=tuple(a.strip() for a in mapping["to_address"].split(",") if a.strip()),
        subject=mapping["subject"],
        raw=bytes(mapping["raw"]),
        created_at=_aware(mapping["created_at"]) or datetime.now(UTC),
        author=mapping["author"],
        state=mapping["state"],
        attempts=mapping["attempts"],
        last_error=mapping["last_error"],
        sent_at=_aware(mapping["sent_at"]),
    )


def pending(store: Store) -> list[OutboxItem]:
    """Replies still to send (queued, or failed last time), oldest first."""
    from sqlalchemy import select

    from triage_tui.store.database import read_connection
    from triage_tui.store.tables import OUTBOX

    with read_connection(store.engine) as connection:
        rows = connection.execute(select(OUTBOX).where(OUTBOX.c.state.in_(PENDING_STATES)).order_by(OUTBOX.c.id))
        return [_item(row) for row in rows]


def outbox_items(store: Store, case_id: str | None = None) -> list[OutboxItem]:
    """Every outbox row (or a case's), oldest first."""
    from sqlalchemy import select

    from triage_tui.store.database import read_connection
    from triage_tui.store.tables import OUTBOX

    query = select(OUTBOX).order_by(OUTBOX.c.id)
    if case_id is not None:
        query = query.where(OUTBOX.c.case_id == case_id)
    with read_connection(store.engine) as connection:
        return [_item(row) for row in connection.execute(query)]


def mark_sent(store: Store, item: OutboxItem, now: datetime) -> None:
    """Record a delivery to the SMTP server, with a "reply.sent" event on the case."""
    from sqlalchemy import update

    from triage_tui.store.tables import OUTBOX

    with store.write() as connection:
        connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == item.id)
            .values(state=OutboxState.SENT, attempts=OUTBOX.c.attempts + 1, last_error=None, sent_at=now)
        )
        payload = {"outbox_id": item.id, "to": list(item.recipients)}
        insert_event(connection, item.case_id, item.author, now, "reply.sent", payload)


def mark_failed(store: Store, item: OutboxItem, error: str) -> None:
    """Record a refused message: it stays in the outbox and is tried again next time."""
    from sqlalchemy import update

    from triage_tui.store.tables import OUTBOX

    with store.write() as connection:
        connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == item.id)
            .values(state=OutboxState.FAILED, attempts=OUTBOX.c.attempts + 1, last_error=error[:MAX_ERROR_LENGTH])
        )


def note_waiting(store: Store, items: Sequence[OutboxItem], error: str) -> None:
    """Keep why `items` could not be sent (the server was unreachable) without changing their state."""
    if not items:
        return
    from sqlalchemy import update

    from triage_tui.store.tables import OUTBOX

    with store.write() as connection:
        connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([item.id for item in items]))
            .values(last_error=error[:MAX_ERROR_LENGTH])
        )
