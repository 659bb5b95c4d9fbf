"""The team log of one workstation: local decisions recorded as team events (in the same transaction as the
decision, waiting to be sent), received events stored as applied or rejected, and each touched case's fields
recomputed from all its applied events, so every workstation holding the same events shows the same case."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.store.key_pins import TEAM, KeySighting, accept_pin, pin_sightings
from triage_tui.store.queries import iso_time, stored_time
from triage_tui.team.convergence import CaseState, converge
from triage_tui.team.envelope import Opened
from triage_tui.team.event_schema import REF_KINDS
from triage_tui.team.events import (
    CASE_FIELDS,
    KEY_ACCEPTED,
    SCALAR_FIELDS,
    EventFormatError,
    TeamEvent,
    decode,
)
from triage_tui.team.hlc import HybridClock, Timestamp
from triage_tui.untrusted import address_of

if TYPE_CHECKING:
    from sqlalchemy import Connection


def team_event_of(kind: str, payload: Mapping[str, Any], case_id: str, author: str, at: Timestamp) -> TeamEvent | None:
    """A local decision (an `events` row's kind and payload) as a team event; None for what is not shared (a
    merge's reporters, advisory drafts and exports, GitHub's own changes)."""
    if kind.startswith(("advisory", "github")) or kind == "merge":
        return None
    changes: dict[str, tuple[Any, Any]] = {}
    for name, pair in (payload.get("changes") or {}).items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        if name == "labels":
            changes[name] = (_labels(pair[0]), _labels(pair[1]))
        elif name in SCALAR_FIELDS:
            changes[name] = (pair[0], pair[1])
    impacts: dict[str, Mapping[str, Any] | None] = {}
    if kind == "impact-removed":
        impacts[str(payload.get("project"))] = None  # unlinked: the cell goes on every workstation
    elif kind in ("impact", "undo") and "project" in payload and "after" in payload:
        # A cell set, or put back by an undo: `after` None when the undo unlinked the project again.
        after = payload["after"]
        impacts[str(payload["project"])] = dict(after) if isinstance(after, Mapping) else None
    note = str(payload["text"]) if kind == "note" and isinstance(payload.get("text"), str) else None
    if kind == KEY_ACCEPTED:
        key = {"address": str(payload.get("address")), "fingerprint": str(payload.get("fingerprint"))}
        return TeamEvent(case_id, author, at, kind, key=key)
    if not changes and not impacts and note is None:
        return None
    return TeamEvent(case_id, author, at, kind, changes, impacts, note)


def _labels(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    return sorted(str(v) for v in value) if isinstance(value, list) else []


UNRESOLVED = "?"
"""Prefix of a received event's case while no case here is that report: never a case id, so it touches nothing."""


def case_ref(connection: Any, case_id: str) -> str | None:
    """What the case is to the team (see `TeamEvent.ref`): the ref it is known by in `team_cases` (so a case shared
    before keeps its ref), else the GitHub advisory it is, else its first message's content hash; None for a case
    with no message (its events fall back to its id). `connection` runs SQL: SQLAlchemy's or sqlite3's.

    A Message-ID is its sender's choice, so a case is never named by one any more; one it was named by before is
    kept only while that Message-ID is its own (the first stored message carrying it is the case's): a later mail
    reusing it made a case of its own, which is named by its content hash instead."""
    run = _runner(connection)
    row = run("SELECT ref FROM team_cases WHERE case_id = ?", (case_id,)).fetchone()
    if row is not None and _legacy_owner(run, str(row[0])) in (None, case_id):
        return str(row[0])
    # The earliest message by its date, so workstations that stored a reply before its parent still agree; only
    # the reporter or the team can reply into a case, and either form is a hash nobody can aim at another case.
    first = run(
        "SELECT m.content_hash, g.ghsa_id FROM messages m LEFT JOIN github_advisories g ON g.source = m.source "
        "AND g.ghsa_id = m.source_key AND g.case_id = m.case_id WHERE m.case_id = ? "
        "ORDER BY m.sent_at IS NULL, m.sent_at, m.id LIMIT 1",
        (case_id,),
    ).fetchone()
    if first is None:
        return None
    return f"ghsa:{first[1]}" if first[1] else f"hash:{first[0]}"


def _legacy_owner(run: Any, ref: str) -> str | None:
    """For a `mid:` ref (earlier versions'), the case holding the first stored message with that Message-ID (its
    sender's choice: a later mail may carry it too); None for any other ref, or when no message here has it."""
    kind, _, value = ref.partition(":")
    if kind != "mid":
        return None
    row = run("SELECT case_id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1", (value,)).fetchone()
    return str(row[0]) if row is not None else None


def ambiguous_ref(connection: Any, event: TeamEvent) -> str | None:
    """Why an event cannot be placed on any case here, when its ref names none for sure: a `mid:` ref (from an
    earlier version) whose Message-ID several cases here carry. None when the ref is not so."""
    holders = _ambiguous_mid(connection, event.ref) if event.ref is not None else 0
    if not holders:
        return None
    return (
        f"names its report by a Message-ID that {holders} cases here carry (the sender of a mail chooses it, so "
        "it cannot tell them apart); its author's workstation must be updated to name reports by content hash"
    )


def _ambiguous_mid(connection: Any, ref: str) -> int:
    """How many cases here carry the Message-ID of `ref`, an earlier version's `mid:` ref, when several do (the ref
    then tells none of them apart); 0 for any other ref, or when one case or none carries it."""
    if not ref.startswith("mid:"):
        return 0
    holders = int(
        _runner(connection)(
            "SELECT count(DISTINCT case_id) FROM messages WHERE message_id = ?", (ref.removeprefix("mid:"),)
        ).fetchone()[0]
    )
    return holders if holders > 1 else 0


def resolve_case(connection: Any, event: TeamEvent) -> str | None:
    """The case here an event is about: the one its `ref` names (`case_holding`), else for an event without a ref
    the case of the same id; None while no case here is that report, or when an earlier version's `mid:` ref is
    `ambiguous_ref`."""
    if event.ref is None:
        return event.case_id
    if ambiguous_ref(connection, event) is not None:
        return None
    return case_holding(connection, event.ref)


def case_holding(connection: Any, ref: str) -> str | None:
    """The case here that is the report `ref` names (shared here before, or held here: the advisory or the message
    with that content hash); None if no case here is. An earlier version's `mid:` ref is the caller's to check
    for `ambiguous_ref` first."""
    run = _runner(connection)
    row = run("SELECT case_id FROM team_cases WHERE ref = ?", (ref,)).fetchone()
    if row is not None:
        return str(row[0])
    kind, _, value = ref.partition(":")
    if kind == "ghsa":
        found = run("SELECT case_id FROM github_advisories WHERE ghsa_id = ? ORDER BY case_id LIMIT 1", (value,))
    elif kind == "hash":
        # A content hash is one message's bytes: the case holding it is that report, whatever ref it is known by.
        found = run("SELECT case_id FROM messages WHERE content_hash = ? ORDER BY id LIMIT 1", (value,))
    else:
        found = run(
            "SELECT case_id FROM messages WHERE message_id = ? AND case_id NOT IN (SELECT case_id FROM team_cases) "
            "ORDER BY id LIMIT 1",
            (value,),
        )
    held = found.fetchone()
    return str(held[0]) if held is not None else None


def with_report_refs(connection: Any, event: TeamEvent) -> TeamEvent:
    """A local decision as the team reads it: each other case it names (duplicate-of) by that case's ref, which
    every workstation holding the report resolves to its own case (`named_case`); the id stays only for a case
    with no message to name it by (nobody else can hold it)."""

    def ref_of(value: Any) -> Any:
        return (case_ref(connection, str(value)) or value) if value else value

    changes = {
        name: (ref_of(old), ref_of(new)) if name in CASE_FIELDS else (old, new)
        for name, (old, new) in event.changes.items()
    }
    return event if changes == dict(event.changes) else replace(event, changes=changes)


def named_case(connection: Any, value: str, *, own: bool = False) -> str | None:
    """The case here that another case's name in an event (see `with_report_refs`) means: the one holding the
    report its ref names, else None (the report is not held here). A bare case id (an earlier version's events)
    is its author's number, which elsewhere may be another report, so it means none, unless the event is `own`
    (made on this workstation: the number is this workstation's)."""
    if not value.startswith(REF_KINDS):
        if own and _runner(connection)("SELECT 1 FROM cases WHERE id = ?", (value,)).fetchone() is not None:
            return value
        return None
    remembered = _runner(connection)("SELECT case_id FROM team_cases WHERE ref = ?", (value,)).fetchone()
    if remembered is not None:  # the case known by that ref here (a case shared under a `mid:` ref included)
        return str(remembered[0])
    if _ambiguous_mid(connection, value):
        return None  # a Message-ID several cases here carry tells none of them apart
    return case_holding(connection, value)


def _remember_ref(connection: Connection, ref: str | None, case_id: str | None) -> None:
    if ref is not None and case_id is not None:
        connection.exec_driver_sql("INSERT OR IGNORE INTO team_cases (ref, case_id) VALUES (?, ?)", (ref, case_id))


def _runner(connection: Any) -> Any:
    # SQLAlchemy connections take raw SQL through exec_driver_sql; sqlite3 connections through execute.
    return getattr(connection, "exec_driver_sql", None) or connection.execute


def record_local(connection: Connection, event: TeamEvent, now: datetime) -> None:
    """A decision made here: applied already (by the action itself), to be sent. EventFormatError if the team
    would refuse it (the checks every receiver makes): it is not kept, so it can never hold up what waits behind."""
    decode(event.encode())
    _insert(connection, event, origin="local", status="applied", reason=None, signer=event.author, now=now)
    _remember_ref(connection, event.ref, event.case_id)


def _insert(
    connection: Connection,
    event: TeamEvent,
    *,
    origin: str,
    status: str,
    reason: str | None,
    signer: str | None,
    now: datetime,
    signed: bytes | None = None,
    case_id: str | None = None,
) -> None:
    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import TEAM_EVENTS

    connection.execute(
        insert(TEAM_EVENTS)
        .values(
            id=event.id,
            case_id=case_id if case_id is not None else event.case_id,
            ref=event.ref,
            author=event.author,
            at=event.at.text(),
            kind=event.kind,
            body=event.encode(),
            signed=signed,
            origin=origin,
            status=status,
            reason=reason,
            signer=signer,
            sent=1 if origin == "received" else 0,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=[TEAM_EVENTS.c.id])
    )


@dataclass(frozen=True)
class Received:
    """What `receive` did: the cases the applied events touched, and the events refused as they were applied."""

    touched: set[str]
    refused: Mapping[str, str]
    """Event id -> why: events that passed every check but could not be applied."""


def receive(
    connection: Connection, opened: Sequence[Opened], now: datetime, clock: HybridClock | None = None
) -> Received:
    """Store received events (applied, or rejected with the reason) and recompute the cases the applied ones
    touch. The caller judged them (`team_envelope.judge`).

    Each event's effects are tried in a savepoint: one that still fails when applied (decoding checked every
    field, so it should not) is rejected with the error and listed, and the others, and the caller's cursor,
    go on."""
    accepted = [item for item in opened if item.event is not None and item.rejection is None]
    touched: set[str] = set()
    refused: dict[str, str] = {}
    for item in accepted:
        # Shares first: a case must be here before the events about it can be placed on it.
        if item.event is not None and item.event.share is not None:
            share = item.event
            try:
                with connection.begin_nested():
                    created = create_shared_case(connection, share, now)
            except Exception as error:  # whatever the share holds, it must not stop the other events
                refused[share.id] = _refusal(error)
                continue
            if created is not None:
                touched.add(created)
    places: dict[tuple[str | None, str], str | None] = {}
    unplaceable: dict[tuple[str | None, str], str | None] = {}
    rows: list[tuple[Any, ...]] = []
    stamp = stored_time(now)
    for item in opened:
        if item.event is None:
            continue  # nothing readable to keep beyond the envelope: the caller lists it
        event = item.event
        slot = (event.ref, event.case_id)
        if slot not in places:  # one lookup per case, not per event: a sync may bring thousands
            places[slot] = resolve_case(connection, event)
            _remember_ref(connection, event.ref, places[slot])
            if places[slot] is None:
                unplaceable[slot] = ambiguous_ref(connection, event)
        local = places[slot]
        if item.rejection is not None:
            status, reason = "rejected", f"{item.rejection}" + (f": {item.detail}" if item.detail else "")
        elif event.id in refused:
            status, reason = "rejected", refused[event.id]
        elif ambiguous := unplaceable.get(slot):
            status, reason = "rejected", ambiguous
            refused[event.id] = ambiguous  # placed nowhere: neither applied nor trusted for its key
        else:
            status, reason = "applied", None
        place = local or UNRESOLVED + event.case_id
        rows.append((event.id, place, event.author, event.at.text(), event.kind, event.encode(), item.signed,
                     "received", status, reason, item.signer, 1, stamp, event.ref))  # fmt: skip
        if status == "applied":
            if local is not None:
                touched.add(local)
            if clock is not None:
                clock.observe(event.at)
    if rows:  # one statement for all: a sync may bring thousands of events
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO team_events (id, case_id, author, at, kind, body, signed, origin, status, reason, "
            "signer, sent, received_at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    fresh = {i.event.id: i.event for i in accepted if i.event and i.event.id not in refused}
    # A duplicate-of left unresolved is tried again: the report it names may have come since (shared just now, or
    # synced from the mailbox).
    unresolved = connection.exec_driver_sql(
        "SELECT id FROM cases WHERE state = 'closed' AND disposition = 'duplicate' AND duplicate_of IS NULL "
        "AND EXISTS (SELECT 1 FROM team_events WHERE case_id = cases.id AND status = 'applied')"
    ).fetchall()
    refused.update(_materialize_or_refuse(connection, touched | {row[0] for row in unresolved}, now, fresh))
    standing = [item for item in accepted if item.event is not None and item.event.id not in refused]
    pin_sightings(
        connection.exec_driver_sql,
        [
            KeySighting(address_of(i.signer_uid), i.signer or "", TEAM, places.get((i.event.ref, i.event.case_id)))
            for i in standing
            if i.event
        ],
        now,
    )
    for item in standing:
        if item.event is not None and item.event.key is not None:
            key = item.event.key
            try:
                with connection.begin_nested():
                    accept_pin(connection, key["address"], key["fingerprint"], item.event.author, now)
            except Exception as error:  # one acceptance that cannot be kept must not stop the others
                refused[item.event.id] = _refusal(error)
                _refuse(connection, {item.event.id: refused[item.event.id]})
    return Received(touched, refused)


SET_ASIDE = "set-aside"
"""The status of a received event while a case is rebuilt without it (never outlives `receive`'s transaction)."""


def _refusal(error: BaseException) -> str:
    """The reason kept and listed (under R) for an event that passed every check but failed when applied."""
    from triage_tui.team.envelope import Rejection

    text = f"{type(error).__name__}: {error}"
    return f"{Rejection.NOT_APPLICABLE}: {text[:300]}"


def _refuse(connection: Connection, reasons: Mapping[str, str]) -> None:
    """Mark the stored events `reasons` names rejected, each with its reason."""
    connection.exec_driver_sql(
        "UPDATE team_events SET status = 'rejected', reason = ? WHERE id = ?",
        [(reason, event_id) for event_id, reason in reasons.items()],
    )


def _materialize_or_refuse(
    connection: Connection, case_ids: set[str], now: datetime, known: Mapping[str, TeamEvent]
) -> dict[str, str]:
    """Recompute the cases (all together, as a rule); if that fails, each case on its own, refusing the events
    that make it fail. Returns the refused events' ids with why."""
    if _try_materialize(connection, case_ids, now, known, keep=True) is None:
        return {}
    refused: dict[str, str] = {}
    for case_id in sorted(case_ids):
        if _try_materialize(connection, {case_id}, now, known, keep=True) is None:
            continue
        refused.update(_rebuild_refusing(connection, case_id, now, known))
    return refused


def _try_materialize(
    connection: Connection, case_ids: set[str], now: datetime, known: Mapping[str, TeamEvent], *, keep: bool
) -> str | None:
    """Materialize in a savepoint, kept if `keep` and it worked; None if it worked, else why it failed."""
    savepoint = connection.begin_nested()
    try:
        materialize_all(connection, case_ids, now, known=known)
    except Exception as error:  # anything an event's values can make go wrong: the caller refuses that event
        savepoint.rollback()
        return _refusal(error)
    if keep:
        savepoint.commit()
    else:
        savepoint.rollback()
    return None


def _rebuild_refusing(
    connection: Connection, case_id: str, now: datetime, known: Mapping[str, TeamEvent]
) -> dict[str, str]:
    """Rebuild one case from its applied events taken back one at a time in the order they apply, refusing each
    that makes it fail: the events just received, or, if the case fails without them (events kept before they
    were checked this well), all of them."""
    _set_status(connection, _in_order(connection, case_id, "applied", only=set(known)), SET_ASIDE)
    if _try_materialize(connection, {case_id}, now, known, keep=False) is not None:
        _set_status(connection, _in_order(connection, case_id, "applied"), SET_ASIDE)
    refused: dict[str, str] = {}
    for event_id in _in_order(connection, case_id, SET_ASIDE):
        _set_status(connection, [event_id], "applied")
        failure = _try_materialize(connection, {case_id}, now, known, keep=False)
        if failure is not None:
            refused[event_id] = failure
            _set_status(connection, [event_id], SET_ASIDE)
    _refuse(connection, refused)
    _try_materialize(connection, {case_id}, now, known, keep=True)
    return refused


def _in_order(connection: Connection, case_id: str, status: str, only: set[str] | None = None) -> list[str]:
    """The case's events of `status` in the order they apply (`at` is fixed-width: text order is time order)."""
    rows = connection.exec_driver_sql(
        "SELECT id FROM team_events WHERE case_id = ? AND status = ? ORDER BY at, author, id", (case_id, status)
    ).fetchall()
    return [row[0] for row in rows if only is None or row[0] in only]


def _set_status(connection: Connection, event_ids: Sequence[str], status: str) -> None:
    """Give the stored events `event_ids` the status `status` (applied, or set aside while a case is rebuilt)."""
    if event_ids:
        connection.exec_driver_sql(
            "UPDATE team_events SET status = ? WHERE id = ?", [(status, event_id) for event_id in event_ids]
        )


def create_shared_case(connection: Connection, event: TeamEvent, now: datetime) -> str | None:
    """The case a coordinator shared with this workstation: its title, reporter and messages (the decisions follow
    as events); returns its id here, or None if the report is here already.

    It keeps the author's id unless a case here has that id already (another report, numbered here), and then gets
    the next number. Events about it that came before it are placed on it."""
    from sqlalchemy import insert, select

    from triage_tui.store.tables import CASES, MESSAGES
    from triage_tui.untrusted import neutralise, neutralise_line

    share = event.share or {}
    if ambiguous_ref(connection, event) is not None:
        return None  # which report it is cannot be told here: `receive` keeps it, refused with the reason
    held = resolve_case(connection, event)
    if held is not None and connection.execute(select(CASES.c.id).where(CASES.c.id == held)).first() is not None:
        _remember_ref(connection, event.ref, held)
        return None
    if event.ref is None:
        case_id = event.case_id  # an event from before refs: its id is all there is
    else:
        case_id = _claim_case_id(connection, event.case_id)
    year, number = _case_number(case_id)
    received = iso_time(share.get("received_at")) or now
    messages = [m for m in share.get("messages") or [] if isinstance(m, Mapping)]
    connection.execute(
        insert(CASES),
        {
            "id": case_id, "year": year, "number": number,
            "title": neutralise_line(str(share.get("title") or event.case_id)),
            "reporter": neutralise_line(str(share.get("reporter") or "")), "reporter_email": "",
            "signature": "unsigned", "received_at": received, "created_at": now, "updated_at": received,
            "message_count": len(messages),
        },
    )  # fmt: skip
    for index, message in enumerate(messages):
        body = neutralise(str(message.get("body") or ""))
        connection.execute(
            insert(MESSAGES),
            {
                "case_id": case_id, "source": "team", "source_key": f"{event.id}:{index}",
                "subject": neutralise_line(str(message.get("subject") or "")),
                "sender_name": neutralise_line(str(message.get("from") or "")), "sender_email": "",
                "sent_at": iso_time(message.get("date")), "received_at": now, "body": body,
                "warnings": json.dumps([f"shared by {event.author} (the original was encrypted to the team)"]),
                "content_hash": event.id,
            },
        )  # fmt: skip
    for project in share.get("projects") or []:
        _upsert_impact(connection, case_id, str(project), {"status": "unknown"}, now, keep=True)
    _remember_ref(connection, event.ref, case_id)
    if event.ref is not None:
        connection.exec_driver_sql(
            "UPDATE team_events SET case_id = ? WHERE ref = ? AND case_id LIKE ?",
            (case_id, event.ref, UNRESOLVED + "%"),
        )
    return case_id


def _claim_case_id(connection: Connection, wanted: str) -> str:
    """`wanted` if no case here has it, else the next free number of its year; the year's counter is moved past
    it, so reports numbered here later never take it."""
    from triage_tui.domain import format_case_id

    year, number = _case_number(wanted)
    taken = connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (wanted,)).first() is not None
    last = connection.exec_driver_sql("SELECT last FROM case_counters WHERE year = ?", (year,)).scalar() or 0
    if taken or not year:
        number = int(last) + 1
        while connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (format_case_id(year, number),)).first():
            number += 1
    connection.exec_driver_sql(
        "INSERT INTO case_counters (year, last) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET "
        "last = max(last, excluded.last)",
        (year, number),
    )
    return format_case_id(year, number)


def _case_number(case_id: str) -> tuple[int, int]:
    parts = case_id.split("-")
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, abs(hash(case_id)) % 1_000_000


def _rows(connection: Connection, sql: str, ids: Sequence[str], extra: tuple[Any, ...] = ()) -> list[Any]:
    """`sql` (with `{marks}` for the ids) over the ids, a chunk at a time."""
    from triage_tui.store.in_lists import in_parts

    found: list[Any] = []
    for part in in_parts(ids):
        marks = ",".join("?" * len(part))
        found += connection.exec_driver_sql(sql.format(marks=marks), (*extra, *part)).fetchall()
    return found


def materialize_all(
    connection: Connection, case_ids: Iterable[str], now: datetime, known: Mapping[str, TeamEvent] | None = None
) -> dict[str, CaseState]:
    """For each case here (one not shared with this workstation yet is left: its events wait in the log), set its
    fields, impact cells, received notes and conflicts to what all its applied events say. A few statements for
    all the cases together. `known`: events by id already decoded (those just received), not decoded again."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    present = [row[0] for row in _rows(connection, "SELECT id FROM cases WHERE id IN ({marks})", ids)]
    if not present:
        return {}
    rows = _rows(
        connection,
        "SELECT id, case_id, body FROM team_events WHERE status = 'applied' AND case_id IN ({marks})",
        present,
    )
    # Grouped by the case here each event was placed on: its author may call the report by another id.
    placed = {row[0]: str(row[1]) for row in rows}
    known = known or {}
    events = (known.get(row[0]) or decode(bytes(row[2])) for row in rows)
    states = converge(events, case_of=lambda event: placed[event.id])
    local = {row[0] for row in _rows(
        connection, "SELECT id FROM team_events WHERE origin = 'local' AND case_id IN ({marks})", present
    )}  # fmt: skip
    shown = {
        json.loads(row[0]).get("team_event")
        for row in _rows(
            connection,
            "SELECT payload FROM events WHERE kind IN ('note', 'team-conflict', 'impact-removed') "
            "AND case_id IN ({marks})",
            present,
        )
        if row[0]
    }
    conflict_rows: dict[str, list[tuple[int, str]]] = {}
    for row_id, case_id, payload in _rows(
        connection,
        "SELECT id, case_id, payload FROM events WHERE kind = 'team-conflict' AND case_id IN ({marks})",
        present,
    ):
        conflict_rows.setdefault(case_id, []).append((row_id, str(json.loads(payload).get("team_event"))))
    stale: list[int] = []
    stored_labels = {
        row[0]: set(json.loads(row[1] or "[]"))
        for row in _rows(connection, "SELECT id, labels FROM cases WHERE id IN ({marks})", present)
    }
    stamp = stored_time(now)
    known_projects = {row[0] for row in connection.exec_driver_sql("SELECT id FROM projects").fetchall()}
    cells: list[tuple[Any, ...]] = []
    unlinked: list[tuple[str, str]] = []
    timeline: list[tuple[Any, ...]] = []
    for case_id, state in states.items():
        values: dict[str, Any] = {name: _column(name, value) for name, value in state.fields.items()}
        for name in CASE_FIELDS & values.keys():
            # The other case as held here; none when that report is not (the case view says so), nor when it is
            # this case itself.
            decided_here = state.set_by(name) in local
            other = named_case(connection, str(values[name]), own=decided_here) if values[name] else None
            values[name] = other if other != case_id else None
        if "labels" in state.sets:
            own = stored_labels.get(case_id, set()) - state.touched.get("labels", set())
            values["labels"] = json.dumps(sorted(state.sets["labels"] | own))
        if values:
            # Column names come from the events' field names, which decoding checked against the known fields.
            assignments = ", ".join(f"{name} = ?" for name in values)
            connection.exec_driver_sql(
                f"UPDATE cases SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*values.values(), stamp, case_id),
            )
        for project, cell in state.impacts.items():
            if project not in known_projects:
                continue  # a project this workstation's config does not have: nothing to show it in
            if cell is None:
                unlinked.append((case_id, project))
                continue
            cells.append((case_id, project, str(cell.get("status") or "unknown"),
                          json.dumps(list(cell.get("ranges") or [])), cell.get("fixed_version"),
                          cell.get("justification"), str(cell.get("notes") or ""), stamp))  # fmt: skip
        for event_id, author, text, wall_ms in state.notes:
            if event_id not in shown and event_id not in local:
                # Stamped with when it was written (its clock), not when it arrived: every workstation's timeline
                # then reads in the same order.
                written = stored_time(datetime.fromtimestamp(wall_ms / 1000, UTC))
                timeline.append((case_id, author, written, "note", json.dumps({"text": text, "team_event": event_id})))
        for event_id, author, project, wall_ms in state.unlinks:
            if event_id not in shown and event_id not in local and project in known_projects:
                # On the timeline of everyone who reads it, the maintainers who lost the case included.
                written = stored_time(datetime.fromtimestamp(wall_ms / 1000, UTC))
                payload = json.dumps({"project": project, "changes": {}, "team_event": event_id})
                timeline.append((case_id, author, written, "impact-removed", payload))
        current = {f"{c.overwritten_event}>{c.kept_event}" for c in state.conflicts}
        # A conflict is what the events say now: one an earlier event (arriving late) has settled is withdrawn, so
        # every workstation's timeline shows the same conflicts whatever order its events came in.
        stale.extend(row_id for row_id, key in conflict_rows.get(case_id, []) if key not in current)
        for conflict in state.conflicts:
            key = f"{conflict.overwritten_event}>{conflict.kept_event}"
            if key not in shown:
                kept, overwritten = conflict.kept, conflict.overwritten
                if conflict.field in CASE_FIELDS:  # other cases as this workstation names them
                    kept = _case_shown(connection, kept, own=conflict.kept_event in local)
                    overwritten = _case_shown(connection, overwritten, own=conflict.overwritten_event in local)
                payload = {"field": conflict.field, "kept": kept, "overwritten": overwritten,
                           "team_event": key}  # fmt: skip
                timeline.append((case_id, "team", stamp, "team-conflict", json.dumps(payload, default=str)))
    if stale:
        connection.exec_driver_sql("DELETE FROM events WHERE id = ?", [(row_id,) for row_id in stale])
    if unlinked:
        connection.exec_driver_sql("DELETE FROM impacts WHERE case_id = ? AND project_id = ?", unlinked)
    if cells:
        connection.exec_driver_sql(
            "INSERT INTO impacts (case_id, project_id, status, ranges, fixed_version, justification, notes, set_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, project_id) DO UPDATE SET status = excluded.status, "
            "ranges = excluded.ranges, fixed_version = excluded.fixed_version, "
            "justification = excluded.justification, notes = excluded.notes, set_at = excluded.set_at",
            cells,
        )
    if timeline:
        connection.exec_driver_sql(
            "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, ?, ?, ?, ?)",
            timeline,
        )
    return states


def _case_shown(connection: Any, value: Any, *, own: bool) -> Any:
    """Another case's name in an event as this workstation's timeline shows it: its case here, or that it has none."""
    if not value:
        return value
    return named_case(connection, str(value), own=own) or "a report not held here"


def _column(name: str, value: Any) -> Any:
    if name == "embargo_until" and isinstance(value, str):
        return stored_time(datetime.fromisoformat(value))
    return value


def _upsert_impact(
    connection: Connection, case_id: str, project: str, cell: Mapping[str, Any], now: datetime, *, keep: bool = False
) -> None:
    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import IMPACTS

    values = {
        "case_id": case_id,
        "project_id": project,
        "status": str(cell.get("status") or "unknown"),
        "ranges": json.dumps(list(cell.get("ranges") or [])),
        "fixed_version": cell.get("fixed_version"),
        "justification": cell.get("justification"),
        "notes": str(cell.get("notes") or ""),
        "set_at": now,
    }
    statement = insert(IMPACTS).values(values)
    if keep:  # a link to the project only: a cell already here stays as it is
        connection.execute(statement.on_conflict_do_nothing(index_elements=[IMPACTS.c.case_id, IMPACTS.c.project_id]))
        return
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[IMPACTS.c.case_id, IMPACTS.c.project_id],
            set_={k: v for k, v in values.items() if k not in ("case_id", "project_id")},
        )
    )


def outgoing(connection: Any) -> list[TeamEvent]:
    """Local events not sent yet, oldest first (they wait here while offline). One recorded before the team's
    checks were what they are now, which every receiver would refuse, stays unsent rather than hold up the rest."""
    rows = connection.execute(
        "SELECT body FROM team_events WHERE origin = 'local' AND sent = 0 ORDER BY at, id"
    ).fetchall()
    events: list[TeamEvent] = []
    for row in rows:
        try:
            events.append(decode(bytes(row[0])))
        except EventFormatError:
            continue
    return events


def share_of(connection: Any, case_id: str) -> dict[str, Any]:
    """What a share of the case carries: its title, reporter, projects and messages' text (attachments stay)."""
    case = connection.execute("SELECT title, reporter, received_at FROM cases WHERE id = ?", (case_id,)).fetchone()
    messages = [
        {"from": row[0], "date": row[1], "subject": row[2], "body": row[3]}
        for row in connection.execute(
            "SELECT sender_name, sent_at, subject, body FROM messages WHERE case_id = ? ORDER BY received_at, id",
            (case_id,),
        )
    ]
    projects = [row[0] for row in connection.execute("SELECT project_id FROM impacts WHERE case_id = ?", (case_id,))]
    return {
        "title": case[0],
        "reporter": case[1],
        "received_at": str(case[2]) if case[2] else None,
        "projects": sorted(projects),
        "messages": messages,
    }


def history(connection: Any, case_id: str) -> list[tuple[TeamEvent, bytes]]:
    """A case's applied events with their signed forms, oldest first (what a new reader is sent)."""
    rows = connection.execute(
        "SELECT body, signed FROM team_events WHERE case_id = ? AND status = 'applied' AND signed IS NOT NULL "
        "AND kind != 'share' ORDER BY at, id",
        (case_id,),
    ).fetchall()
    return [(decode(bytes(row[0])), bytes(row[1])) for row in rows]


def shared_with(connection: Any, case_id: str) -> set[str]:
    """Who has been sent the case."""
    return {row[0] for row in connection.execute("SELECT fingerprint FROM team_shares WHERE case_id = ?", (case_id,))}


def linked_in_the_open(connection: Any, case_id: str) -> set[str]:
    """Projects some event that has left a workstation (sent from here, or received) gave a cell of the case: their
    maintainers were sent the case, by this workstation or another coordinator's."""
    rows = connection.execute(
        "SELECT body FROM team_events WHERE case_id = ? AND status = 'applied' AND (origin = 'received' OR sent = 1)",
        (case_id,),
    ).fetchall()
    return {project for row in rows for project, cell in decode(bytes(row[0])).impacts.items() if cell is not None}


UNREADABLE = "-"
"""Case, author and kind of a refused message of the team folder that holds no event one can read."""


def rejected(connection: Any) -> list[tuple[str, str, str, str, str | None]]:
    """The rejected-events view: (case, author, kind, reason, signer), newest first: events refused, and messages
    of the team folder refused before they were one (not an event, or one whose fields are not what they must be;
    their reason names the signer)."""
    rows = connection.execute(
        "SELECT case_id, author, kind, reason, signer, received_at, id FROM team_events WHERE status = 'rejected' "
        "UNION ALL SELECT ?, ?, ?, reason, NULL, at, source_key FROM intake_failures WHERE source = 'team' "
        "ORDER BY 6 DESC, 7",
        (UNREADABLE, UNREADABLE, UNREADABLE),
    ).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def named_case_projects(connection: Any, names: Iterable[str]) -> dict[str, list[str]]:
    """The projects linked to each other case events name (`named_case`), by that name: whose maintainers may read
    the name; none for a case not held here (then only the coordinators may)."""
    held = {name: named_case(connection, name) for name in names}
    projects = case_projects(connection, {case for case in held.values() if case is not None})
    return {name: projects[case] if case is not None else [] for name, case in held.items()}


def case_projects(connection: Any, case_ids: Iterable[str]) -> dict[str, list[str]]:
    """The projects linked to each case (its stored impact cells): what roles are judged against."""
    found: dict[str, list[str]] = {}
    for case_id in case_ids:
        found[case_id] = [
            row[0] for row in connection.execute("SELECT project_id FROM impacts WHERE case_id = ?", (case_id,))
        ]
    return found
