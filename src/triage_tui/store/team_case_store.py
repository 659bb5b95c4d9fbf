"""The cases as the team names them: the report a case is (`team_cases`, its first message, its advisory), who it
was shared with, what a share of it carries, and the case a share creates here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.domain import format_case_id
from triage_tui.store.in_lists import in_parts, placeholders
from triage_tui.store.roster_store import ROSTER_CASE
from triage_tui.store.team_runner import EitherConnection, run

if TYPE_CHECKING:
    from sqlalchemy import Connection


class FirstMessage(NamedTuple):
    """A case's earliest message: its content hash, and the GitHub advisory it is, if it is one."""

    content_hash: str
    ghsa_id: str | None


class CaseHead(NamedTuple):
    """What a share carries of the case itself."""

    title: str
    reporter: str
    received_at: object
    """As the reader returns it (the caller puts it in text)."""


class MessageText(NamedTuple):
    """What a share carries of one message (attachments stay)."""

    sender_name: str
    sent_at: object
    subject: str
    body: str


def known_ref(connection: EitherConnection, case_id: str) -> str | None:
    """The ref the case is known by to the team (`team_cases`), if it is."""
    row = run(connection, "SELECT ref FROM team_cases WHERE case_id = ?", (case_id,)).fetchone()
    return str(row[0]) if row is not None else None


def numbered_by_share(connection: EitherConnection, case_id: str) -> bool:
    """Whether the case is one a share brought here, known to the team by a ref (so numbered here once a roster is
    in force: its author's id of it is another)."""
    sql = "SELECT 1 FROM cases c JOIN team_cases t ON t.case_id = c.id WHERE c.id = ? AND c.signature = 'shared'"
    return run(connection, sql, (case_id,)).fetchone() is not None


def case_known_as(connection: EitherConnection, ref: str) -> str | None:
    """The case known to the team by `ref` here, if one is."""
    row = run(connection, "SELECT case_id FROM team_cases WHERE ref = ?", (ref,)).fetchone()
    return str(row[0]) if row is not None else None


def cases_known_as(connection: EitherConnection, refs: Iterable[str]) -> dict[str, str]:
    """Ref -> the case known to the team by it here, for those of `refs` that are (one statement per 500)."""
    found: dict[str, str] = {}
    for part in in_parts(sorted(set(refs))):
        sql = f"SELECT ref, case_id FROM team_cases WHERE ref IN ({placeholders(part)})"  # noqa: S608
        found.update((str(row[0]), str(row[1])) for row in run(connection, sql, part).fetchall())
    return found


def cases_of_contents(connection: EitherConnection, content_hashes: Iterable[str]) -> dict[str, str]:
    """Content hash -> the case holding the message with it (`case_of_content`), for those held here (one statement
    per 500)."""
    found: dict[str, str] = {}
    for part in in_parts(sorted(set(content_hashes))):
        sql = f"SELECT content_hash, case_id FROM messages WHERE content_hash IN ({placeholders(part)}) ORDER BY id"  # noqa: S608
        for content_hash, case_id in run(connection, sql, part).fetchall():
            found.setdefault(str(content_hash), str(case_id))  # the first stored, as `case_of_content` takes
    return found


def remember_ref(connection: Connection, ref: str, case_id: str) -> None:
    """Keep that the case is the report `ref` names (a first answer stays)."""
    connection.exec_driver_sql("INSERT OR IGNORE INTO team_cases (ref, case_id) VALUES (?, ?)", (ref, case_id))


def first_message(connection: EitherConnection, case_id: str) -> FirstMessage | None:
    """The case's earliest message by its date (then by when it was stored), None for a case with no message."""
    row = run(
        connection,
        "SELECT m.content_hash, g.ghsa_id FROM messages m LEFT JOIN github_advisories g ON g.source = m.source "
        "AND g.ghsa_id = m.source_key AND g.case_id = m.case_id WHERE m.case_id = ? "
        "ORDER BY m.sent_at IS NULL, m.sent_at, m.id LIMIT 1",
        (case_id,),
    ).fetchone()
    return FirstMessage(row[0], row[1]) if row is not None else None


def first_case_with_message_id(connection: EitherConnection, message_id: str) -> str | None:
    """The case holding the first stored message with that Message-ID."""
    row = run(connection, "SELECT case_id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1", (message_id,))
    found = row.fetchone()
    return str(found[0]) if found is not None else None


def cases_with_message_id(connection: EitherConnection, message_id: str) -> int:
    """How many cases carry a message with that Message-ID."""
    row = run(connection, "SELECT count(DISTINCT case_id) FROM messages WHERE message_id = ?", (message_id,))
    return int(row.fetchone()[0])


def case_of_advisory(connection: EitherConnection, ghsa_id: str) -> str | None:
    """The case that is the GitHub advisory."""
    sql = "SELECT case_id FROM github_advisories WHERE ghsa_id = ? ORDER BY case_id LIMIT 1"
    found = run(connection, sql, (ghsa_id,)).fetchone()
    return str(found[0]) if found is not None else None


def case_of_content(connection: EitherConnection, content_hash: str) -> str | None:
    """The case holding the message with that content hash."""
    row = run(connection, "SELECT case_id FROM messages WHERE content_hash = ? ORDER BY id LIMIT 1", (content_hash,))
    found = row.fetchone()
    return str(found[0]) if found is not None else None


def unshared_case_with_message_id(connection: EitherConnection, message_id: str) -> str | None:
    """The case holding the first stored message with that Message-ID, among cases the team knows no ref of."""
    row = run(
        connection,
        "SELECT case_id FROM messages WHERE message_id = ? AND case_id NOT IN (SELECT case_id FROM team_cases) "
        "ORDER BY id LIMIT 1",
        (message_id,),
    ).fetchone()
    return str(row[0]) if row is not None else None


def case_exists(connection: EitherConnection, case_id: str) -> bool:
    """Whether a case here has that id."""
    return run(connection, "SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None


def linked_projects(connection: EitherConnection, case_id: str) -> list[str]:
    """The projects linked to the case (its stored impact cells)."""
    rows = run(connection, "SELECT project_id FROM impacts WHERE case_id = ?", (case_id,)).fetchall()
    return [str(row[0]) for row in rows]


def linked_projects_of(connection: EitherConnection, case_ids: Iterable[str]) -> dict[str, list[str]]:
    """The projects linked to each of the cases (their stored impact cells), one statement per 500 cases."""
    found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    for part in in_parts(sorted(found)):
        sql = f"SELECT case_id, project_id FROM impacts WHERE case_id IN ({placeholders(part)})"  # noqa: S608
        for case_id, project in run(connection, sql, part).fetchall():
            found[str(case_id)].append(str(project))
    return found


def shared_with(connection: EitherConnection, case_id: str) -> set[str]:
    """Who has been sent the case."""
    rows = run(connection, "SELECT fingerprint FROM team_shares WHERE case_id = ?", (case_id,)).fetchall()
    return {str(row[0]) for row in rows}


def cases_to_share(
    connection: EitherConnection, readers: Mapping[str, Iterable[str]], limit: int, *, deciders: Iterable[str]
) -> list[str]:
    """Up to `limit` cases (lowest id first) the team holds (shared with someone, or with a decision that left a
    coordinator's workstation) linked to a project one of whose `readers` (project -> fingerprints) has not been sent
    the case: one statement, answered from the links, the shares' key and the log's case index without reading any
    case. A case no decision has brought to the team yet (a report only linked at intake) waits for one, as before.

    `deciders`: the coordinators' keys. Only a decision sent from here or received from one of them brings a case to
    the team: a maintainer's event on a case (whose id they guessed) must never make this workstation share it.

    Once the store holds a roster, only links the case's readers may come from are looked at (`case_readers`: those a
    coordinator's team event made): a cell someone set (never one intake guessed) of a project some event of the case
    names. A superset, which the transport narrows to the link rule's answer, so a case whose guessed links alone
    were never sent is never found again (a sync with nothing to share stays this one statement)."""
    pairs = sorted({(project, fingerprint) for project, found in readers.items() for fingerprint in found})
    authors = sorted(set(deciders))
    if not pairs or limit <= 0:
        return []
    found: set[str] = set()
    # A few hundred (project, reader) pairs at most per statement: SQLite bounds the variables of one.
    for start in range(0, len(pairs), 400):
        part = pairs[start : start + 400]
        sql = (
            f"WITH readers (project, fingerprint) AS (VALUES {', '.join(['(?, ?)'] * len(part))}) "  # noqa: S608
            "SELECT DISTINCT i.case_id FROM impacts i JOIN readers r ON r.project = i.project_id "
            "WHERE NOT EXISTS (SELECT 1 FROM team_shares s WHERE s.case_id = i.case_id "
            "AND s.fingerprint = r.fingerprint) AND (EXISTS (SELECT 1 FROM team_shares s WHERE s.case_id = i.case_id) "
            "OR EXISTS (SELECT 1 FROM team_events e WHERE e.case_id = i.case_id AND e.status = 'applied' "
            f"AND ((e.origin = 'received' AND e.author IN ({placeholders(authors)})) OR e.sent = 1))) "
            "AND (NOT EXISTS (SELECT 1 FROM team_events x WHERE x.case_id = ? AND x.status = 'applied') "
            "OR (i.set_by IS NOT NULL AND EXISTS (SELECT 1 FROM team_events n WHERE n.case_id = i.case_id "
            "AND n.status = 'applied' AND instr(CAST(n.body AS TEXT), '\"' || i.project_id || '\"') > 0))) "
            "ORDER BY i.case_id LIMIT ?"
        )
        values = [value for pair in part for value in pair]
        rows = run(connection, sql, (*values, *authors, ROSTER_CASE, limit)).fetchall()
        found.update(str(row[0]) for row in rows)
    return sorted(found)[:limit]


def record_shares(connection: Connection, case_id: str, fingerprints: Iterable[str], now: datetime) -> None:
    """Keep that the case has been sent to these readers."""
    for fingerprint in fingerprints:
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO team_shares (case_id, fingerprint, shared_at) VALUES (?, ?, ?)",
            (case_id, fingerprint, now),
        )


def case_head(connection: EitherConnection, case_id: str) -> CaseHead:
    """The case's title, reporter and when it was received."""
    row = run(connection, "SELECT title, reporter, received_at FROM cases WHERE id = ?", (case_id,)).fetchone()
    return CaseHead(row[0], row[1], row[2])


def message_texts(connection: EitherConnection, case_id: str) -> list[MessageText]:
    """The case's messages' text, in the order they were received."""
    rows = run(
        connection,
        "SELECT sender_name, sent_at, subject, body FROM messages WHERE case_id = ? ORDER BY received_at, id",
        (case_id,),
    ).fetchall()
    return [MessageText(row[0], row[1], row[2], row[3]) for row in rows]


def claim_case_number(connection: Connection, wanted: str, year: int, number: int) -> int:
    """`number` (of `wanted`, case `number` of `year`) if no case here has `wanted`, else the next free number of
    its year; the year's counter is moved past it, so reports numbered here later never take it."""
    taken = connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (wanted,)).first() is not None
    if taken or not year:
        return next_case_number(connection, year)
    return _move_counter(connection, year, number)


def next_case_number(connection: Connection, year: int) -> int:
    """This workstation's next free number of `year` (as intake numbers reports here), claimed: the year's counter
    is moved to it."""
    last = connection.exec_driver_sql("SELECT last FROM case_counters WHERE year = ?", (year,)).scalar() or 0
    number = int(last) + 1
    while connection.exec_driver_sql("SELECT 1 FROM cases WHERE id = ?", (format_case_id(year, number),)).first():
        number += 1
    return _move_counter(connection, year, number)


def _move_counter(connection: Connection, year: int, number: int) -> int:
    """Move the year's counter to `number` (never back); returns `number`."""
    connection.exec_driver_sql(
        "INSERT INTO case_counters (year, last) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET "
        "last = max(last, excluded.last)",
        (year, number),
    )
    return number


def insert_shared_case(
    connection: Connection, case: Mapping[str, object], messages: Iterable[Mapping[str, object]]
) -> None:
    """A case shared with this workstation, and its messages (columns by name)."""
    from sqlalchemy import insert

    from triage_tui.store.tables import CASES, MESSAGES

    connection.execute(insert(CASES), dict(case))
    for message in messages:
        connection.execute(insert(MESSAGES), dict(message))


def link_project(connection: Connection, case_id: str, project: str, now: datetime) -> None:
    """Link the case to a project (an `unknown` cell); a cell already here stays as it is. A project this store does
    not know yet (a maintainer's workspace has no `[projects]`; a case may be linked to projects beyond theirs) is
    added by its id, so the shared case keeps its links."""
    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import IMPACTS, PROJECTS

    connection.execute(
        insert(PROJECTS).values(id=project, name=project).on_conflict_do_nothing(index_elements=[PROJECTS.c.id])
    )

    values = {"case_id": case_id, "project_id": project, "status": "unknown", "ranges": "[]", "fixed_version": None,
              "justification": None, "notes": "", "set_at": now}  # fmt: skip
    connection.execute(
        insert(IMPACTS).values(values).on_conflict_do_nothing(index_elements=[IMPACTS.c.case_id, IMPACTS.c.project_id])
    )
