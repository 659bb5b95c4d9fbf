"""Provides writing intake results into the store: threading into cases and bulk inserts in one transaction."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from triage_tui.config import Project
from triage_tui.domain import CaseState, Decryption, Signature, format_case_id
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.sources.base import RawItem
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult, TeamSenders
from triage_tui.store.database import write_transaction
from triage_tui.store.key_pins import REPORTER, KeySighting, pin_sightings, pinned_keys
from triage_tui.store.tables import (
    ATTACHMENTS,
    CASES,
    IMPACTS,
    MESSAGES,
    PROJECTS,
    SYNC_STATE,
)
from triage_tui.store.tables import (
    CASE_COUNTERS as COUNTERS,
)
from triage_tui.store.tables import (
    INTAKE_FAILURES as FAILURES,
)
from triage_tui.store.tables import (
    MESSAGE_REFS as REFS,
)
from triage_tui.store.tables import (
    RAW_MESSAGES as RAW,
)
from triage_tui.untrusted import address_of

_PLACEHOLDER_SUBJECTS = {"", "...", "[...]", "…"}


def sync_projects(engine: Engine, projects: Iterable[Project]) -> None:
    """Make the projects table match the config (projects are defined there, not in the store)."""
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "packages": json.dumps(list(p.packages)),
            "repository": p.repository,
            "security_contact": p.security_contact,
            "maintainers": json.dumps(list(p.maintainers)),
        }
        for p in projects
    ]
    if not rows:
        return
    statement = sqlite_insert(PROJECTS)
    statement = statement.on_conflict_do_update(
        index_elements=[PROJECTS.c.id],
        set_={c: statement.excluded[c] for c in ("name", "packages", "repository", "security_contact", "maintainers")},
    )
    with write_transaction(engine) as connection:
        connection.execute(statement, rows)


def _message_id_of(raw: bytes) -> str | None:
    headers = BytesHeaderParser().parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


def relink_messages(engine: Engine, source: str, items: Sequence[RawItem]) -> set[str]:
    """Point stored messages at the new keys of items they already are; return the keys so re-linked.

    A server may renumber a folder (IMAP UIDVALIDITY change): the same messages come back under new keys. They are
    matched by content hash first, then by Message-ID, and only against stored messages whose own key the source
    did not just send, so every case, note and decision stays attached and nothing is stored twice.
    """
    incoming = {item.key: item.data for item in items if item.error is None}
    relinked: set[str] = set()
    if not incoming:
        return relinked
    with write_transaction(engine) as connection:
        taken: set[int] = set()

        def take(column: Any, new_key_of: Mapping[str, str]) -> None:
            for part in in_parts(sorted(new_key_of)):
                rows = connection.execute(
                    select(MESSAGES.c.id, column, MESSAGES.c.source_key).where(
                        MESSAGES.c.source == source, column.in_(part)
                    )
                ).all()
                for row_id, value, old_key in rows:
                    new_key = new_key_of[value]
                    if row_id in taken or new_key in relinked or old_key in incoming:
                        continue
                    taken.add(row_id)
                    relinked.add(new_key)
                    connection.execute(
                        update(MESSAGES).where(MESSAGES.c.id == row_id).values(source_key=new_key, gone=False)
                    )

        first_key_of_hash: dict[str, str] = {}
        for key, data in incoming.items():
            # Two copies of one message on the server: the first (lowest UID) takes the stored message over.
            first_key_of_hash.setdefault(hashlib.sha256(data).hexdigest(), key)
        take(MESSAGES.c.content_hash, first_key_of_hash)
        first_key_of_message_id: dict[str, str] = {}
        for key, data in incoming.items():
            if key not in relinked and (message_id := _message_id_of(data)):
                first_key_of_message_id.setdefault(message_id, key)
        take(MESSAGES.c.message_id, first_key_of_message_id)
    return relinked


def _title_for(message: ParsedMessage) -> str:
    subject = message.subject.strip()
    if subject not in _PLACEHOLDER_SUBJECTS:
        return subject
    if message.verdict.decryption not in (Decryption.OK, Decryption.NOT_ENCRYPTED):
        return f"(unreadable message: {message.verdict.decryption.value})"
    return "(no subject)"


def _reply_prefix_free(subject: str) -> str:
    return re.sub(r"^(\s*(re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)


class _ProjectMatcher:
    """Guesses which configured projects a new report names; the cells it creates stay `unknown`."""

    def __init__(self, projects: Sequence[Project]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for project in projects:
            names = {project.id, project.name}
            names.update(p.removeprefix("conda:") for p in project.packages)
            if project.repository:
                names.add(project.repository)
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n)
            self._patterns.append((project.id, re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))

    def match(self, title: str, body: str) -> list[str]:
        in_title = [pid for pid, pattern in self._patterns if pattern.search(title)]
        if in_title:
            return in_title
        return [pid for pid, pattern in self._patterns if pattern.search(body[:4000])]


class _Threader:
    """Finds the case a message belongs to: a genuine reply (its In-Reply-To or References name a message of the
    case, or a message already stored names it as its parent) from the case's reporter or a team member.

    Everything else is a case of its own: what a message says about itself (its subject naming a case id, its own
    Message-ID, its From line) is chosen by its sender, so it is only ever a hint for the coordinator (`d` offers
    it). A team member proves who they are by a good signature of a team key; a reporter by the key their address
    is pinned to, or, if they never signed, by their From address (the best evidence there is)."""

    def __init__(self, connection: Connection, messages: Sequence[ParsedMessage], team: TeamSenders) -> None:
        # Everything the batch could point at is looked up in a few queries up front: per-message queries were
        # most of the cost of storing a chunk.
        self.team = team
        # Parsing an address is most of the cost of threading a message: each distinct one is parsed once a batch.
        self.address_of = functools.cache(address_of)
        references = {r for m in messages for r in (m.in_reply_to, *m.references) if r}
        # Several stored messages, of several cases, may carry one Message-ID (its sender chose it): each is a
        # candidate, kept with its row id so the newest can be told.
        self.holders_of_message_id: dict[str, list[tuple[str, int]]] = {}
        for part in in_parts(sorted(references)):
            rows = connection.execute(
                select(MESSAGES.c.message_id, MESSAGES.c.case_id, MESSAGES.c.id).where(MESSAGES.c.message_id.in_(part))
            ).all()
            for row in rows:
                self.holders_of_message_id.setdefault(row.message_id, []).append((row.case_id, row.id))
        own_ids = sorted({m.message_id for m in messages if m.message_id})
        self.holders_of_child_ref: dict[str, list[tuple[str, int]]] = {}
        for part in in_parts(own_ids):
            rows = connection.execute(
                select(REFS.c.ref, MESSAGES.c.case_id, MESSAGES.c.id)
                .join(MESSAGES, REFS.c.message_pk == MESSAGES.c.id)
                .where(REFS.c.ref.in_(part))
            ).all()
            for row in rows:
                self.holders_of_child_ref.setdefault(row.ref, []).append((row.case_id, row.id))
        self.reporter_of: dict[str, tuple[str, str]] = {}
        held = (*self.holders_of_message_id.values(), *self.holders_of_child_ref.values())
        cases = sorted({case_id for holders in held for case_id, _ in holders})
        for part in in_parts(cases):
            reporters = connection.execute(
                select(CASES.c.id, CASES.c.reporter_email, CASES.c.reporter_fingerprint).where(CASES.c.id.in_(part))
            ).all()
            for case in reporters:
                self.reporter_of[case.id] = (
                    self.address_of(case.reporter_email or ""),
                    (case.reporter_fingerprint or "").upper(),
                )
        senders = {self.address_of(m.sender_email) for m in messages}
        self.pinned = pinned_keys(connection, {*senders, *(address for address, _ in self.reporter_of.values())})
        self.next_row = 1 << 62  # stands for the row id a message of this batch will get: after every stored one

    def find_case(self, message: ParsedMessage) -> str | None:
        """The case `message` replies to and may join, or None for a case of its own.

        A reference may name a message of several cases (a Message-ID is the sender's choice, so a stranger can
        use someone else's first): of the cases whose rule the sender satisfies, the one holding the most specific
        reference wins (In-Reply-To, then References from the last); then a case the reply's signer reported
        (by key, rather than by a From line); then the one holding most of the reply's references; then the newest.
        """
        refs = [r for r in dict.fromkeys((message.in_reply_to, *reversed(message.references))) if r]
        holders = [self.holders_of_message_id.get(ref, []) for ref in refs]
        if message.message_id:
            holders.append(self.holders_of_child_ref.get(message.message_id, []))
        specificity: dict[str, tuple[int, int]] = {}  # case: its most specific reference, and its newest holder
        references_held: dict[str, int] = {}
        for rank, cases in enumerate(holders):
            for case_id in {c for c, _ in cases}:
                references_held[case_id] = references_held.get(case_id, 0) + 1
            for case_id, row in cases:
                seen = specificity.get(case_id)
                if seen is None or (seen[0] == rank and row > seen[1]):
                    specificity[case_id] = (rank, row)
        allowed = [case_id for case_id in specificity if self._may_join(message, case_id)]
        if not allowed:
            return None
        signer = _good_signer(message)

        def preference(case_id: str) -> tuple[int, bool, int, int]:
            rank, newest = specificity[case_id]
            by_reporter_key = bool(signer) and signer == self.reporter_of.get(case_id, ("", ""))[1]
            return rank, not by_reporter_key, -references_held[case_id], -newest

        return min(allowed, key=preference)

    def _may_join(self, message: ParsedMessage, case_id: str) -> bool:
        """Whether the sender proves to be a team member (a good signature by a team key) or the case's reporter."""
        signer = _good_signer(message)
        if signer and signer in self.team.fingerprints:
            return True
        address = self.address_of(message.sender_email)
        if address in self.team.addresses:
            return False  # a team address without a team key's signature is anyone's claim: team members sign
        reporter_address, reporter_key = self.reporter_of.get(case_id, ("", ""))
        if signer and signer == reporter_key:
            return True  # the key that signed the case's report
        if not address or address != reporter_address:
            return False
        # A reporter who signed is pinned to that key, and only it proves them: a From line is what a forger sends,
        # and another key (KEY CHANGED) stays apart until a coordinator accepts it and merges the reply by hand.
        pinned = self.pinned.get(address)
        return pinned is None or signer == pinned

    def signed_address(self, message: ParsedMessage) -> tuple[str, str] | None:
        """(From address, key) when a good signature's key names the From address among its UIDs: what pins a key.
        Signed by someone else's key, a message says nothing about its From address's key (intake warns of it)."""
        signer, address = _good_signer(message), self.address_of(message.sender_email)
        if not signer or not address or address not in {self.address_of(uid) for uid in message.verdict.signer_uids}:
            return None
        return address, signer

    def remember(self, message: ParsedMessage, case_id: str, *, created: bool, signed: tuple[str, str] | None) -> None:
        """Count `message`, stored in `case_id`, in the threading of the rest of the batch; `signed` is its
        `signed_address`."""
        self.next_row += 1
        if message.message_id:
            self.holders_of_message_id.setdefault(message.message_id, []).append((case_id, self.next_row))
        for ref in dict.fromkeys((message.in_reply_to, *message.references)):
            if ref:
                self.holders_of_child_ref.setdefault(ref, []).append((case_id, self.next_row))
        if created:
            self.reporter_of[case_id] = (
                self.address_of(message.sender_email),
                (message.verdict.signer_fingerprint or "").upper(),
            )
        if signed is not None:
            self.pinned.setdefault(*signed)  # as pin_sightings will: the first key seen for an address is pinned


def _good_signer(message: ParsedMessage) -> str:
    """The fingerprint of the key whose signature on `message` is good, upper-cased; "" for any other verdict."""
    verdict = message.verdict
    return (verdict.signer_fingerprint or "").upper() if verdict.signature is Signature.GOOD else ""


def in_parts(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    """Split a long IN (...) list so no statement approaches SQLite's limit on bound variables."""
    return [values[i : i + size] for i in range(0, len(values), size)]


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


def _message_values(item: IncomingItem, message: ParsedMessage, case_id: str, now: datetime) -> dict[str, Any]:
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


def save_cursor(connection: Connection, source: str, scope: str, cursor: Mapping[str, Any], now: datetime) -> None:
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
    engine: Engine,
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
    now = now or datetime.now(UTC)
    result = StoreResult()
    matcher = _ProjectMatcher(projects)
    with write_transaction(engine) as connection:
        threader = _Threader(
            connection, [i.result for i in items if isinstance(i.result, ParsedMessage)], team or TeamSenders()
        )
        numbers = _CaseNumbers(connection)
        new_cases: list[dict[str, Any]] = []
        new_impacts: list[dict[str, Any]] = []
        message_rows: list[dict[str, Any]] = []
        pending: list[tuple[IncomingItem, ParsedMessage]] = []
        touched: dict[str, datetime] = {}
        failures: list[dict[str, Any]] = []
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
                title = _title_for(message)
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
                for project_id in matcher.match(_reply_prefix_free(title), message.body):
                    new_impacts.append({"case_id": case_id, "project_id": project_id, "status": "unknown"})
                result.new_cases.append(case_id)
            signed = threader.signed_address(message)
            threader.remember(message, case_id, created=created, signed=signed)
            if signed is not None:
                sightings.append(KeySighting(*signed, REPORTER, case_id))
            touched[case_id] = max(touched.get(case_id, received), received)
            message_rows.append(_message_values(item, message, case_id, now))
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
            raw_rows: list[dict[str, Any]] = []
            ref_rows: list[dict[str, Any]] = []
            attachment_rows: list[dict[str, Any]] = []
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
            counts: dict[str, int] = {}
            for row in message_rows:
                counts[row["case_id"]] = counts.get(row["case_id"], 0) + 1
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
