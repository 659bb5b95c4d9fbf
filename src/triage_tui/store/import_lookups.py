"""Provides what importing an advisory looks up first, so a file is never imported twice: the case holding a file's
exact bytes, a case by its id, and a case whose draft carries one of an advisory's ids."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


def case_of_message(connection: sqlite3.Connection, source: str, source_key: str) -> str | None:
    """The case holding the message `source_key` of `source` (an imported file's digest); None if none does."""
    row = connection.execute(
        "SELECT case_id FROM messages WHERE source = ? AND source_key = ?", (source, source_key)
    ).fetchone()
    return str(row[0]) if row else None


def existing_case(connection: sqlite3.Connection, case_id: str) -> str | None:
    """`case_id` if the store holds that case, else None."""
    row = connection.execute("SELECT id FROM cases WHERE id = ?", (case_id,)).fetchone()
    return str(row[0]) if row is not None else None


def case_with_alias(connection: sqlite3.Connection, aliases: Sequence[str]) -> str | None:
    """A case whose advisory draft carries one of `aliases` (CVE, GHSA, PYSEC ids) as its own id or an alias; None
    if none does."""
    if not aliases:
        return None
    marks = ",".join("?" * len(aliases))
    row = connection.execute(
        "SELECT advisories.case_id FROM advisories, json_each(advisories.record, '$.aliases') AS alias "  # noqa: S608
        f"WHERE alias.value IN ({marks}) "  # placeholders only
        "UNION ALL SELECT case_id FROM advisories "
        f"WHERE json_extract(record, '$.id') IN ({marks}) LIMIT 1",
        (*aliases, *aliases),
    ).fetchone()
    return str(row[0]) if row is not None else None
