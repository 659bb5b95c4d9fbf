"""Provides the reads behind duplicate candidates and a reporter's history, on a plain sqlite3 connection.

Each function returns plain values; ranking is done in `services.duplicates`. Every lookup goes through an index
(messages by sender and signer, impacts by project, the title FTS table), so they stay fast at 100k cases.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from triage_tui.domain import CASE_ID_PATTERN
from triage_tui.store.times import parse_time

PER_SIGNAL = 200
"""Most cases read for each signal (same reporter, same project, similar title)."""

STOP_WORDS = frozenset(
    "a an and are as at be by can for from has in into is it its of on or re fwd the to via when with without".split()
)
_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)


def title_words(title: str) -> set[str]:
    """The significant words of a title, lower-case (stop words and one-letter words left out)."""
    return {word for word in (w.lower() for w in _WORD.findall(title)) if word not in STOP_WORDS}


@dataclass(frozen=True)
class CaseBrief:
    """A case as a candidate or a history entry shows it."""

    id: str
    title: str
    state: str
    disposition: str | None
    received_at: datetime | None
    duplicate_of: str | None
    reporter_email: str
    reporter_fingerprint: str | None


@dataclass(frozen=True)
class CaseExtras:
    """The case fields the inbox row does not carry."""

    assignee: str | None
    labels: tuple[str, ...]
    disposition_reason: str | None
    duplicate_of: str | None
    reporter_fingerprint: str | None
    named_in_subject: tuple[str, ...] = ()
    """Cases here that the case's subjects name (`cases_named_by`): a hint the case view shows, never acted on."""


_BRIEF = (
    "cases.id, cases.title, cases.state, cases.disposition, cases.received_at, cases.duplicate_of, "
    "cases.reporter_email, cases.reporter_fingerprint"
)


def _brief(row: Sequence[object]) -> CaseBrief:
    return CaseBrief(
        id=str(row[0]),
        title=str(row[1]),
        state=str(row[2]),
        disposition=None if row[3] is None else str(row[3]),
        received_at=parse_time(None if row[4] is None else str(row[4])),
        duplicate_of=None if row[5] is None else str(row[5]),
        reporter_email=str(row[6] or ""),
        reporter_fingerprint=None if row[7] is None else str(row[7]),
    )


def case_brief(connection: sqlite3.Connection, case_id: str) -> CaseBrief | None:
    """One case's brief, or None."""
    row = connection.execute(f"SELECT {_BRIEF} FROM cases WHERE id = ?", (case_id,)).fetchone()  # noqa: S608
    return _brief(row) if row else None


def briefs(connection: sqlite3.Connection, case_ids: Iterable[str]) -> dict[str, CaseBrief]:
    """The briefs of `case_ids` that exist."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[str, CaseBrief] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for row in connection.execute(f"SELECT {_BRIEF} FROM cases WHERE id IN ({marks})", part):  # noqa: S608
            brief = _brief(row)
            found[brief.id] = brief
    return found


def case_extras(connection: sqlite3.Connection, case_id: str) -> CaseExtras | None:
    """Assignee, labels, disposition reason, duplicate-of, reporter key and the cases its subjects name."""
    row = connection.execute(
        "SELECT assignee, labels, disposition_reason, duplicate_of, reporter_fingerprint FROM cases WHERE id = ?",
        (case_id,),
    ).fetchone()
    if row is None:
        return None
    try:
        labels = tuple(str(label) for label in json.loads(row[1] or "[]"))
    except ValueError:
        labels = ()
    return CaseExtras(row[0], labels, row[2], row[3], row[4], tuple(cases_named_by(connection, case_id)))


def same_reporter(
    connection: sqlite3.Connection, email: str, fingerprint: str | None, *, exclude: str, limit: int = PER_SIGNAL
) -> list[str]:
    """Cases with a message from `email` or signed by `fingerprint`, newest first (not `exclude`)."""
    clauses, params = [], []
    if email:
        clauses.append("messages.sender_email = ?")
        params.append(email)
    if fingerprint:
        clauses.append("messages.signer_fingerprint = ?")
        params.append(fingerprint)
    if not clauses:
        return []
    rows = connection.execute(
        "SELECT DISTINCT cases.id FROM messages JOIN cases ON cases.id = messages.case_id "  # noqa: S608
        f"WHERE ({' OR '.join(clauses)}) AND cases.id != ? ORDER BY cases.received_at DESC LIMIT ?",
        [*params, exclude, limit],
    ).fetchall()
    return [str(row[0]) for row in rows]


def cases_named_by(connection: sqlite3.Connection, case_id: str, *, limit: int = PER_SIGNAL) -> list[str]:
    """Other cases the case's messages name in their subjects (`Follow-up to PSC-2026-0001`), in the order named.

    A subject is the sender's to choose, so this never threads a message into a case: it is only offered as a
    duplicate-of candidate for the coordinator to decide."""
    named: dict[str, None] = {}
    subjects = connection.execute(
        "SELECT subject FROM messages WHERE case_id = ? ORDER BY id LIMIT ?", (case_id, limit)
    ).fetchall()
    for (subject,) in subjects:
        for match in CASE_ID_PATTERN.finditer(str(subject or "")):
            if match.group(0) != case_id:
                named.setdefault(match.group(0), None)
    ids = list(named)[:limit]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    held = {str(row[0]) for row in connection.execute(f"SELECT id FROM cases WHERE id IN ({marks})", ids)}  # noqa: S608
    return [i for i in ids if i in held]


def cases_replied_to(connection: sqlite3.Connection, case_id: str, *, limit: int = PER_SIGNAL) -> list[str]:
    """Other cases holding a message that the case's messages reply to: replies that did not join that case because
    their sender did not prove to be its reporter or on the team."""
    rows = connection.execute(
        "SELECT DISTINCT other.case_id FROM messages mine "
        "JOIN message_refs refs ON refs.message_pk = mine.id "
        "JOIN messages other ON other.message_id = refs.ref "
        "WHERE mine.case_id = ? AND other.case_id != ? LIMIT ?",
        (case_id, case_id, limit),
    ).fetchall()
    return [str(row[0]) for row in rows]


def projects_of(connection: sqlite3.Connection, case_id: str) -> list[str]:
    """The projects the case has an impact cell for."""
    rows = connection.execute("SELECT project_id FROM impacts WHERE case_id = ? ORDER BY project_id", (case_id,))
    return [str(row[0]) for row in rows]


def same_project(
    connection: sqlite3.Connection, projects: Sequence[str], *, exclude: str, limit: int = PER_SIGNAL
) -> dict[str, set[str]]:
    """The newest cases sharing a project with the case, each with the projects it shares."""
    if not projects:
        return {}
    marks = ", ".join("?" * len(projects))
    rows = connection.execute(
        "SELECT impacts.case_id, impacts.project_id FROM impacts JOIN cases ON cases.id = impacts.case_id "  # noqa: S608
        f"WHERE impacts.project_id IN ({marks}) AND impacts.case_id != ? "
        "ORDER BY cases.received_at DESC LIMIT ?",
        [*projects, exclude, limit],
    ).fetchall()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(str(row[0]), set()).add(str(row[1]))
    return found


def similar_titles(
    connection: sqlite3.Connection, words: Iterable[str], *, exclude: str, limit: int = PER_SIGNAL
) -> list[tuple[str, str]]:
    """Cases whose title shares any of `words` (best FTS rank first), as (id, title)."""
    terms = ['"' + word.replace('"', '""') + '"' for word in sorted(words)]
    if not terms:
        return []
    rows = connection.execute(
        "SELECT cases.id, cases.title FROM case_fts JOIN cases ON cases.rowid = case_fts.rowid "
        "WHERE case_fts MATCH ? AND cases.id != ? ORDER BY case_fts.rank LIMIT ?",
        (" OR ".join(terms), exclude, limit),
    ).fetchall()
    return [(str(row[0]), str(row[1])) for row in rows]


def reporter_history(connection: sqlite3.Connection, case_id: str, *, limit: int = 20) -> tuple[list[CaseBrief], int]:
    """Other cases from the same reporter address or key (newest first, at most `limit`) and how many in all."""
    brief = case_brief(connection, case_id)
    if brief is None:
        return [], 0
    ids = same_reporter(connection, brief.reporter_email, brief.reporter_fingerprint, exclude=case_id, limit=1000)
    found = briefs(connection, ids[:limit])
    return [found[i] for i in ids[:limit] if i in found], len(ids)


def project_ids(connection: sqlite3.Connection) -> list[str]:
    """Every project the store knows."""
    return [str(row[0]) for row in connection.execute("SELECT id FROM projects ORDER BY id")]
