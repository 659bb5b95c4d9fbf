"""The team log of one workstation: local decisions recorded as team events (in the same transaction as the
decision, waiting to be sent), and what the log tells the transport and the rejected-events view."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from triage_tui.domain import KEY_ACCEPTED
from triage_tui.store import team_case_store as cases
from triage_tui.store import team_log_store as log
from triage_tui.store.roster_store import holds_roster
from triage_tui.store.team_runner import EitherConnection, WriteConnection
from triage_tui.team.events import CASE_FIELDS, SCALAR_FIELDS, EventFormatError, TeamEvent, decode
from triage_tui.team.hlc import Timestamp, readable_times
from triage_tui.team.refs import case_ref, remember_ref
from triage_tui.team.rights import IGNORED_EVENT_REASON

__all__ = [
    "UNREADABLE",
    "case_ref",
    "history",
    "linked_in_the_open",
    "outgoing",
    "record_local",
    "record_own_share",
    "rejected",
    "share_of",
    "shared_with",
    "team_event_of",
    "team_named",
    "unsent",
    "with_report_refs",
]


def team_event_of(kind: str, payload: Mapping[str, Any], case_id: str, author: str, at: Timestamp) -> TeamEvent | None:
    """A local decision (an `events` row's kind and payload) as a team event; None for what is not shared (a
    merge's reporters, advisory drafts and exports, GitHub's own changes)."""
    if kind.startswith(("advisory", "github")) or kind == "merge":
        return None
    changes: dict[str, tuple[object, object]] = {}
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


def _labels(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    return sorted(str(v) for v in value) if isinstance(value, list) else []


def with_report_refs(connection: EitherConnection, event: TeamEvent) -> TeamEvent:
    """A local decision as the team reads it: each other case it names (duplicate-of) by that case's ref, which
    every workstation holding the report resolves to its own case (`named_case`); the id stays only for a case
    with no message to name it by (nobody else can hold it). In a team with a roster its own case is named by its
    ref alone too (`team_named`)."""

    def ref_of(value: object) -> object:
        return (case_ref(connection, str(value)) or value) if value else value

    changes = {
        name: (ref_of(old), ref_of(new)) if name in CASE_FIELDS else (old, new)
        for name, (old, new) in event.changes.items()
    }
    named = event if changes == dict(event.changes) else replace(event, changes=changes)
    return team_named(connection, named)


def team_named(connection: EitherConnection, event: TeamEvent) -> TeamEvent:
    """The event naming its case by its ref alone (`event_schema.CASE_REF`) once this store holds a roster (a real
    team, whose maintainers number the cases shared with them on their own): a case id is only this workstation's
    number, and its gaps would tell a maintainer roughly how many cases the coordinators hold that are not theirs.
    Before a roster (the lab's config-only set-up) workstations keep one another's ids, so the id stays."""
    if event.ref is None or event.ref.startswith("mid:") or not holds_roster(connection):
        return event
    return replace(event, case_id=event.ref)


def record_local(connection: WriteConnection, event: TeamEvent, now: datetime, case_id: str | None = None) -> None:
    """A decision made here about the case `case_id` here (default: the event's own, which may name it by its ref
    alone: `team_named`): applied already (by the action itself), to be sent. EventFormatError if the team would
    refuse it (the checks every receiver makes): it is not kept, so it can never hold up what waits behind."""
    decode(event.encode())
    here = case_id or event.case_id
    log.insert_local(
        connection, event_id=event.id, case_id=here, ref=event.ref, author=event.author,
        at=event.at.text(), kind=event.kind, body=event.encode(), signer=event.author, now=now,
    )  # fmt: skip
    remember_ref(connection, event.ref, here)


def record_own_share(
    connection: WriteConnection, share: TeamEvent, signed: bytes, now: datetime, case_id: str | None = None
) -> None:
    """A share this coordinator's workstation sent of the case `case_id` here, kept in its log as sent (its copy
    read back is then skipped): it links the projects it names at its place in the total order here as on every
    reader's workstation."""
    record_local(connection, share, now, case_id)
    log.mark_sent(connection, share.id, signed)


class Unsent(NamedTuple):
    """A local event waiting to be sent, and the case here it is about (the event may name it by its ref alone)."""

    case_id: str
    event: TeamEvent


def unsent(connection: EitherConnection) -> list[Unsent]:
    """Local events not sent yet, oldest first (they wait here while offline). One recorded before the team's
    checks were what they are now, which every receiver would refuse, stays unsent rather than hold up the rest."""
    waiting: list[Unsent] = []
    for case_id, body in log.unsent_bodies(connection):
        try:
            waiting.append(Unsent(case_id, decode(body)))
        except EventFormatError:
            continue
    return waiting


def outgoing(connection: EitherConnection) -> list[TeamEvent]:
    """The events of `unsent`."""
    return [waiting.event for waiting in unsent(connection)]


def share_of(connection: EitherConnection, case_id: str, projects: Iterable[str] | None = None) -> dict[str, object]:
    """What a share of the case carries: its title, reporter, projects (`projects`: its readers', `case_readers`;
    default: every project linked to it here) and messages' text (attachments stay)."""
    case = cases.case_head(connection, case_id)
    messages = [
        {"from": m.sender_name, "date": m.sent_at, "subject": m.subject, "body": m.body}
        for m in cases.message_texts(connection, case_id)
    ]
    return {
        "title": case.title,
        "reporter": case.reporter,
        "received_at": str(case.received_at) if case.received_at else None,
        "projects": sorted(cases.linked_projects(connection, case_id) if projects is None else set(projects)),
        "messages": messages,
    }


def history(connection: EitherConnection, case_id: str) -> list[tuple[TeamEvent, bytes]]:
    """A case's applied events with their signed forms, oldest first (what a new reader is sent): not those ignored
    whole (a maintainer's note on a case none of their projects was linked to is never passed on)."""
    history = log.signed_history(connection, case_id, IGNORED_EVENT_REASON)
    return [(decode(row.body), row.signed) for row in history]


def shared_with(connection: EitherConnection, case_id: str) -> set[str]:
    """Who has been sent the case."""
    return cases.shared_with(connection, case_id)


def linked_in_the_open(connection: EitherConnection, case_id: str) -> set[str]:
    """Projects some event that has left a workstation (sent from here, or received) gave a cell of the case: their
    maintainers were sent the case, by this workstation or another coordinator's."""
    bodies = log.bodies_in_the_open(connection, case_id)
    return {project for body in bodies for project, cell in decode(body).impacts.items() if cell is not None}


UNREADABLE = "-"
"""Case, author and kind of a refused message of the team folder that holds no event one can read."""


def rejected(connection: EitherConnection) -> list[tuple[str, str, str, str, str | None]]:
    """The rejected-events view: (case, author, kind, reason, signer), newest first: events refused, and messages
    of the team folder refused before they were one (not an event, or one whose fields are not what they must be;
    their reason names the signer). Times in a reason are shown in ISO 8601 UTC, never as raw clock values."""
    return [(r[0], r[1], r[2], readable_times(r[3]), r[4]) for r in log.rejected_rows(connection, UNREADABLE)]


class RejectedItem(NamedTuple):
    """One entry of the rejected-events view as both its screen and `triage-tui rejected` show it: a refused event
    (its case, kind and author, by name when the roster knows the key), or a message that held no event."""

    message: bool
    """A message of the team folders that held no event: no case, kind or author."""
    case: str | None
    kind: str | None
    author: str | None
    author_name: str | None
    signer: str | None
    """The key that signed it; None: unsigned, so its author is only named, not proven."""
    reason: str


def rejected_item(row: tuple[str, str, str, str, str | None], names: Mapping[str, str]) -> RejectedItem:
    """A row of `rejected` as the view shows it, `names` the roster's member names by key."""
    case_id, author, kind, reason, signer = row
    if author == UNREADABLE:
        return RejectedItem(True, None, None, None, None, signer, reason)
    return RejectedItem(False, case_id, kind, author, names.get(author.upper()), signer, reason)
