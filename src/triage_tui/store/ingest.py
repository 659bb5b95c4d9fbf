"""Provides writing intake results into the store: threading into cases and bulk inserts in one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from triage_tui.config import Project
from triage_tui.domain import CaseState, format_case_id
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult, TeamSenders
from triage_tui.store.case_threading import ProjectMatcher, Threader, reply_prefix_free, title_for
from triage_tui.store.in_lists import in_parts
from triage_tui.store.key_pins import REPORTER, KeySighting, pin_sightings
from triage_tui.store.store import Store
from triage_tui.store.tables import ATTACHMENTS, CASES, IMPACTS, MESSAGES, SYNC_STATE
from triage_tui.store.tables import CASE_COUNTERS as COUNTERS
from triage_tui.store.tables import INTAKE_FAILURES as FAILURES
from triage_tui.store.tables import MESSAGE_REFS as REFS
from triage_tui.store.tables import RAW_MESSAGES as RAW


class _CaseNumbers:
    """Hands out PSC-YYYY-NNNN ids inside the write transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.last: dict[int, int] = {}

    def next_id(self, year: int) -> tuple[int, str]:
        if year not in self.last:
            stored = self.connection.execute(
                select(COUNTERS.c.last).where(COUNTERS.c.year == year)
            ).scalar_one_or_none()
            self.last[year] = int(stored or 0)
        self.last[year] += 1
        return self.last[year], format_case_id(year, self.last[year])

    def save(self) -> None:
        if not self.last:
            return
        statement = sqlite_insert(COUNTERS)
        statement = statement.on_conflict_do_update(
            index_elements=[COUNTERS.c.year], set_={"last": statement.excluded.last}
        )
        self.connection.execute(statement, [{"year": y, "last": n} for y, n in self.last.items()])


SEARCH_WINDOW = 4096
"""How many of the newest messages the small search index (recent_fts, migration 5) keeps."""


def trim_search_window(connection: Connection, window: int | None = None) -> None:
    """Move the small search index's floor up to the newest `window` messages and drop what fell below it."""
    connection.exec_driver_sql(
        "UPDATE search_window SET floor = max(floor, (SELECT coalesce(max(id), 0) FROM messages) - ? + 1)",
        (window or SEARCH_WINDOW,),
    )
    connection.exec_driver_sql("DELETE FROM recent_fts WHERE rowid < (SELECT floor FROM search_window)")


def _message_values(item: IncomingItem, message: ParsedMessage, case_id: str, now: datetime) -> dict[str, object]:
    verdict = message.verdict
    return {
        "case_id": case_id,
        "source": item.source,
        "source_key": item.source_key,
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "subject": message.subject,
        "sender_name": message.sender_name,
        "sender_email": message.sender_email,
        "sent_at": message.date,
        "received_at": now,
        "body": message.body,
        "unauthenticated_text": message.unauthenticated_text,
        "html_parts": message.html_parts,
        "encrypted": verdict.encrypted,
        "decryption": verdict.decryption.value,
        "signature": verdict.signature.value,
        "signer_fingerprint": verdict.signer_fingerprint,
        "signer_uids": json.dumps(list(verdict.signer_uids)),
        "signature_scope": verdict.scope.value,
        "warnings": json.dumps(list(verdict.warnings)),
        "error": verdict.error,
        "content_hash": message.content_hash,
    }


def save_cursor(connection: Connection, source: str, scope: str, cursor: Mapping[str, object], now: datetime) -> None:
    """Store (or replace) one source cursor, inside the caller's transaction."""
    statement = sqlite_insert(SYNC_STATE)
    statement = statement.on_conflict_do_update(
        index_elements=[SYNC_STATE.c.source, SYNC_STATE.c.scope],
        set_={"cursor": statement.excluded.cursor, "updated_at": statement.excluded.updated_at},
    )
    connection.execute(
        statement, {"source": source, "scope": scope, "cursor": json.dumps(dict(cursor)), "updated_at": now}
    )


def store_batch(
    store: Store,
    items: Sequence[IncomingItem],
    projects: Sequence[Project] = (),
    cursors: Sequence[CursorUpdate] = (),
    *,
    gone: GoneItems | None = None,
    now: datetime | None = None,
    team: TeamSenders | None = None,
) -> StoreResult:
    """Thread and insert a batch of intake results, with the source cursors, in one transaction. `team` names who
    may reply into any case (without it, only a case's reporter's replies join it)."""
    with store.write() as connection:
        return insert_batch(connection, items, projects, cursors, gone=gone, now=now, team=team)


def insert_batch(
    connection: Connection,
    items: Sequence[IncomingItem],
    projects: Sequence[Project] = (),
    cursors: Sequence[CursorUpdate] = (),
    *,
    gone: GoneItems | None = None,
    now: datetime | None = None,
    team: TeamSenders | None = None,
) -> StoreResult:
    """`store_batch` in the caller's write transaction (an import keeps each record's case, message, draft and
    cells in one)."""
    now = now or datetime.now(UTC)
    result = StoreResult()
    matcher = ProjectMatcher(projects)
    threader = Threader(
        connection, [i.result for i in items if isinstance(i.result, ParsedMessage)], team or TeamSenders()
    )
    numbers = _CaseNumbers(connection)
    new_cases: list[dict[str, object]] = []
    new_impacts: list[dict[str, object]] = []
    message_rows: list[dict[str, object]] = []
    pending: list[tuple[IncomingItem, ParsedMessage]] = []
    touched: dict[str, datetime] = {}
    counts: dict[str, int] = {}  # messages added per case
    failures: list[dict[str, object]] = []
    sightings: list[KeySighting] = []  # reporters' keys seen signing, pinned in the order seen
    for item in items:
        if isinstance(item.result, IntakeFailure):
            failures.append(
                {"source": item.source, "source_key": item.source_key,
                 "reason": item.result.reason, "raw": item.result.raw, "at": now}
            )  # fmt: skip
            continue
        message = item.result
        case_id = item.case_id if item.case_id is not None or item.own_case else threader.find_case(message)
        received = message.date or now
        created = case_id is None
        if case_id is None:
            number, case_id = numbers.next_id(received.year)
            title = title_for(message)
            new_cases.append(
                {
                    "id": case_id, "year": received.year, "number": number, "title": title,
                    "state": CaseState.NEW.value, "reporter": message.sender_name or message.sender_email,
                    "reporter_email": message.sender_email,
                    "reporter_fingerprint": message.verdict.signer_fingerprint,
                    "signature": message.verdict.signature.value, "received_at": received,
                    "created_at": now, "updated_at": received, "message_count": 0,
                }
            )  # fmt: skip
            for project_id in matcher.match(reply_prefix_free(title), message.body):
                new_impacts.append({"case_id": case_id, "project_id": project_id, "status": "unknown"})
            result.new_cases.append(case_id)
        signed = threader.signed_address(message)
        threader.remember(message, case_id, created=created, signed=signed)
        if signed is not None:
            sightings.append(KeySighting(*signed, REPORTER, case_id))
        touched[case_id] = max(touched.get(case_id, received), received)
        message_rows.append(_message_values(item, message, case_id, now))
        counts[case_id] = counts.get(case_id, 0) + 1
        pending.append((item, message))
    if new_cases:
        connection.execute(insert(CASES), new_cases)
    if new_impacts:
        connection.execute(insert(IMPACTS), new_impacts)
    numbers.save()
    if message_rows:
        returned = connection.execute(
            insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True),
            message_rows,
        ).all()
        message_pks = [int(row[0]) for row in returned]
        raw_rows: list[dict[str, object]] = []
        ref_rows: list[dict[str, object]] = []
        attachment_rows: list[dict[str, object]] = []
        for pk, (_item, message) in zip(message_pks, pending, strict=True):
            raw_rows.append({"message_pk": pk, "raw": message.raw})
            refs = dict.fromkeys(r for r in (message.in_reply_to, *message.references) if r)
            ref_rows.extend({"message_pk": pk, "ref": ref} for ref in refs)
            attachment_rows.extend(
                {"message_pk": pk, "filename": a.filename, "content_type": a.content_type,
                 "size": a.size, "sha256": a.sha256, "data": a.data}
                for a in message.attachments
            )  # fmt: skip
        connection.execute(insert(RAW), raw_rows)
        pin_sightings(connection.exec_driver_sql, sightings, now)
        trim_search_window(connection)
        if ref_rows:
            connection.execute(insert(REFS), ref_rows)
        if attachment_rows:
            connection.execute(insert(ATTACHMENTS), attachment_rows)
        connection.execute(
            update(CASES)
            .where(CASES.c.id == bindparam("case"))
            .values(
                message_count=CASES.c.message_count + bindparam("added"),
                updated_at=func.max(CASES.c.updated_at, bindparam("latest", type_=CASES.c.updated_at.type)),
            ),
            [{"case": case_id, "added": n, "latest": touched[case_id]} for case_id, n in counts.items()],
        )
    if failures:
        connection.execute(insert(FAILURES), failures)
    if gone is not None:
        for part in in_parts(sorted(gone.keys)):
            # Deleted on the server, kept here: the store is the archive.
            connection.execute(
                update(MESSAGES)
                .where(MESSAGES.c.source == gone.source, MESSAGES.c.source_key.in_(part))
                .values(gone=True)
            )
    for cursor in cursors:
        save_cursor(connection, cursor.source, cursor.scope, cursor.cursor, now)
    result.messages = len(message_rows)
    result.failures = len(failures)
    return result
