"""The roster's rows of the team log (team events of the reserved case `roster`) and the received events whose
judgement depends on the roster, read and re-marked when the roster changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.store.team_runner import EitherConnection, plain_rows, rows_over, run

if TYPE_CHECKING:
    from sqlalchemy import Connection

ROSTER_CASE = "roster"
ROSTER_RULE = "ROSTER_RULE"
"""The `rejection` of a roster event the fold refused (judged again at every fold)."""
DEPENDS_ON_ROSTER = ("NO_ROLE", "REVOKED", "UNKNOWN_KEY", "FROM_THE_FUTURE")
"""The rejections of case events that a roster change can undo (or that wait: for a key, or for their time)."""


class RosterRow(NamedTuple):
    """A roster event kept here: its canonical bytes and how it stands."""

    id: str
    body: bytes
    status: str
    origin: str


class JudgedRow(NamedTuple):
    """A received case event whose judgement depends on the roster."""

    id: str
    case_id: str
    body: bytes
    signed: bytes | None
    status: str
    rejection: str | None
    signer: str | None
    origin: str = "received"
    """"local" for a decision made here (judged again like the others: its author's roster holds for it too)."""
    sent: bool = True


def roster_rows(connection: EitherConnection) -> list[RosterRow]:
    """The roster events the fold takes: made here, or received with a good signature and key material (those
    refused for their bytes are never folded)."""
    rows = run(
        connection,
        "SELECT id, body, status, origin FROM team_events WHERE case_id = ? AND (status = 'applied' OR rejection = ?)",
        (ROSTER_CASE, ROSTER_RULE),
    ).fetchall()
    return [RosterRow(str(r[0]), bytes(r[1]), str(r[2]), str(r[3])) for r in rows]


def mark(connection: Connection, verdicts: Sequence[tuple[str, str | None, str | None, str]]) -> None:
    """Set (status, reason, rejection) of each event id."""
    if verdicts:
        connection.exec_driver_sql(
            "UPDATE team_events SET status = ?, reason = ?, rejection = ? WHERE id = ?", list(verdicts)
        )


_REJUDGED = (
    "FROM team_events WHERE origin IN ('received', 'local') AND case_id != ? "
    "AND (status = 'applied' OR rejection IN (?, ?, ?, ?)) AND (rejection IS 'UNKNOWN_KEY' OR at >= ?) "
    "ORDER BY at, author, id"
)
"""The case events (received, and made here) a roster change may judge again, oldest first
(`_rejudged_parameters` fills it in)."""


def _rejudged_parameters(since: str | None) -> tuple[str, ...]:
    return (ROSTER_CASE, *DEPENDS_ON_ROSTER, "~" if since is None else since)


def rejudged_rows(connection: EitherConnection, since: str | None) -> list[JudgedRow]:
    """Case events (received, and made here) applied, or refused by a rule the roster decides, oldest first: those
    at `since` (a timestamp's text) or later, and every one still waiting for its key (None: only those)."""
    sql = f"SELECT id, case_id, body, signed, status, rejection, signer, origin, sent {_REJUDGED}"
    rows = run(connection, sql, _rejudged_parameters(since)).fetchall()
    return [
        JudgedRow(str(r[0]), str(r[1]), bytes(r[2]), r[3], str(r[4]), r[5], r[6], str(r[7]), bool(r[8])) for r in rows
    ]


class RejudgeCandidate(NamedTuple):
    """A received case event a roster change may judge again, without its bytes (most are found to stand)."""

    id: str
    at: str
    rejection: str | None


def rejudge_candidates(connection: EitherConnection, since: str | None) -> list[RejudgeCandidate]:
    """The events `rejudged_rows` would give, as ids, times and rejections only: a roster change midway through a
    sync's batch looks at thousands of events the batch judged already, and reading their bytes cost more than
    judging them. In no order (`judged_rows` orders those it reads): sorting thousands cost a fifth of the read."""
    unordered = _REJUDGED.partition(" ORDER BY")[0]
    rows = plain_rows(connection, f"SELECT id, at, rejection {unordered}", _rejudged_parameters(since))
    return [RejudgeCandidate(str(r[0]), str(r[1]), r[2]) for r in rows]


def judged_rows(connection: Connection, event_ids: Sequence[str]) -> list[JudgedRow]:
    """The stored events `event_ids` as `rejudged_rows` gives them, in the order they apply."""
    sql = (
        "SELECT id, case_id, body, signed, status, rejection, signer, at, author, origin, sent FROM team_events "
        "WHERE id IN ({marks})"
    )
    found = sorted(rows_over(connection, sql, event_ids), key=lambda r: (r[7], r[8], r[0]))
    return [
        JudgedRow(str(r[0]), str(r[1]), bytes(r[2]), r[3], str(r[4]), r[5], r[6], str(r[9]), bool(r[10])) for r in found
    ]


def due_rows(connection: EitherConnection, latest: str) -> list[JudgedRow]:
    """Received events (roster events too) waiting for their time (refused FROM_THE_FUTURE) dated at `latest` (a
    timestamp's text) or before, oldest first: their time has come, to be judged again."""
    rows = run(
        connection,
        "SELECT id, case_id, body, signed, status, rejection, signer FROM team_events WHERE rejection = ? "
        "AND origin = 'received' AND at <= ? ORDER BY at, author, id",
        ("FROM_THE_FUTURE", latest),
    ).fetchall()
    return [JudgedRow(str(r[0]), str(r[1]), bytes(r[2]), r[3], str(r[4]), r[5], r[6]) for r in rows]


def forget(connection: Connection, event_ids: Sequence[str]) -> None:
    """Drop stored events (to be received again, now accepted, through the ordinary path)."""
    if event_ids:
        connection.exec_driver_sql("DELETE FROM team_events WHERE id = ?", [(i,) for i in event_ids])


def drop_team_timeline(connection: Connection, case_id: str, event_ids: Sequence[str]) -> None:
    """Take the timeline rows (received notes, unlinks) of events no longer applied off the case."""
    for event_id in event_ids:
        connection.exec_driver_sql(
            "DELETE FROM events WHERE case_id = ? AND kind IN ('note', 'impact-removed') AND "
            "json_extract(payload, '$.team_event') = ?",
            (case_id, event_id),
        )


def drop_own_timeline(connection: Connection, case_id: str, decisions: Sequence[tuple[str, str]]) -> None:
    """Take off the case the timeline rows of decisions made here that are refused after all, each (kind, the time it
    was recorded at, as the store keeps times): the row its action wrote (no `team_event` in it: not a received one)."""
    for kind, at in decisions:
        connection.exec_driver_sql(
            "DELETE FROM events WHERE case_id = ? AND kind = ? AND at = ? AND payload NOT LIKE '%\"team_event\"%'",
            (case_id, kind, at),
        )


def set_fields(connection: Connection, case_id: str, values: dict[str, object]) -> None:
    """Put case fields back (to what they were before events no longer applied); names are known columns."""
    if values:
        assignments = ", ".join(f"{name} = ?" for name in values)
        connection.exec_driver_sql(
            f"UPDATE cases SET {assignments} WHERE id = ?",  # noqa: S608
            (*values.values(), case_id),
        )


def drop_cells(connection: Connection, case_id: str, projects: Sequence[str]) -> None:
    """Remove cells only events no longer applied had set."""
    for project in projects:
        connection.exec_driver_sql("DELETE FROM impacts WHERE case_id = ? AND project_id = ?", (case_id, project))


class WaitingRow(NamedTuple):
    """A roster event refused for a key that was not here: its bytes and signed form."""

    id: str
    body: bytes
    signed: bytes | None


def unverified_roster(connection: EitherConnection) -> list[WaitingRow]:
    """Roster events refused for a key this workstation did not have (verified again as keys arrive)."""
    rows = run(
        connection,
        "SELECT id, body, signed FROM team_events WHERE case_id = ? AND status = 'rejected' AND rejection = ?",
        (ROSTER_CASE, "UNKNOWN_KEY"),
    ).fetchall()
    return [WaitingRow(str(r[0]), bytes(r[1]), r[2]) for r in rows]


def applied_bodies(connection: EitherConnection, case_id: str) -> list[bytes]:
    """The applied events of a case, in the order they apply."""
    return [body for _case, body in applied_bodies_of(connection, [case_id])]


def applied_bodies_of(connection: EitherConnection, case_ids: Sequence[str]) -> list[tuple[str, bytes]]:
    """(case, body) of the applied events of the cases, each case's in the order they apply (one statement per 500
    cases)."""
    from triage_tui.store.in_lists import in_parts, placeholders

    found: list[tuple[str, bytes]] = []
    for part in in_parts(sorted(set(case_ids))):
        sql = (
            f"SELECT case_id, body FROM team_events WHERE case_id IN ({placeholders(part)}) "  # noqa: S608
            "AND status = 'applied' ORDER BY case_id, at, author, id"
        )
        found.extend((str(r[0]), bytes(r[1])) for r in run(connection, sql, part).fetchall())
    return found


def case_labels(connection: EitherConnection, case_id: str) -> str | None:
    """The case's labels as stored (JSON), None if no such case here."""
    row = run(connection, "SELECT labels FROM cases WHERE id = ?", (case_id,)).fetchone()
    return str(row[0]) if row is not None else None


class SignedRosterRow(NamedTuple):
    """An accepted roster event: its canonical bytes, its signed form (None while a local one is unsent) and author."""

    id: str
    body: bytes
    signed: bytes | None
    origin: str


def accepted_roster(connection: EitherConnection) -> list[SignedRosterRow]:
    """The roster events the fold accepted, with their signed forms (what an invitation carries)."""
    rows = run(
        connection,
        "SELECT id, body, signed, origin FROM team_events WHERE case_id = ? AND status = 'applied' ORDER BY at, id",
        (ROSTER_CASE,),
    ).fetchall()
    return [SignedRosterRow(str(r[0]), bytes(r[1]), None if r[2] is None else bytes(r[2]), str(r[3])) for r in rows]


def keep_signed(connection: Connection, event_id: str, signed: bytes) -> None:
    """Keep the signed form of a local event not sent yet (sending signs it again and keeps that one)."""
    connection.exec_driver_sql("UPDATE team_events SET signed = ? WHERE id = ? AND signed IS NULL", (signed, event_id))


def holds_roster(connection: EitherConnection) -> bool:
    """Whether this store holds an accepted roster event (a real team, not the lab's config-only set-up)."""
    query = "SELECT 1 FROM team_events WHERE case_id = ? AND status = 'applied' LIMIT 1"
    return run(connection, query, (ROSTER_CASE,)).fetchone() is not None
