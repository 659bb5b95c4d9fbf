"""Provides the statements of kept advisory records: every record imported into a case under its own id, the ids it
is known by, and the lookups an import makes first (the same bytes, the same record, a record of the same flaw)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.store.in_lists import in_parts

if TYPE_CHECKING:
    from sqlalchemy import Connection

IMPORT_SOURCE = "import"
"""The `source` of the message an imported file becomes (its `source_key` is the file's SHA-256)."""


@dataclass(frozen=True)
class KeptRecord:
    """A record kept in a case: its own id, the case, its format, its JSON and the digest of the file it came from."""

    id: str
    case_id: str
    format: str
    record: str
    digest: str


_COLUMNS = "id, case_id, format, record, digest"


def case_of_digest(connection: Connection, digest: str) -> str | None:
    """The case that holds a file with these exact bytes (as a kept record or as an imported message); None if none."""
    row = connection.exec_driver_sql(
        "SELECT case_id FROM advisory_records WHERE digest = ? UNION ALL "
        "SELECT case_id FROM messages WHERE source = ? AND source_key = ? LIMIT 1",
        (digest, IMPORT_SOURCE, digest),
    ).fetchone()
    return str(row[0]) if row is not None else None


def kept_record(connection: Connection, record_id: str) -> KeptRecord | None:
    """The kept record with this id; None if there is none."""
    row = connection.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM advisory_records WHERE id = ?",  # noqa: S608  (a constant list of columns)
        (record_id,),
    ).fetchone()
    return KeptRecord(*row) if row is not None else None


_OF_CASE = f"SELECT {_COLUMNS} FROM advisory_records WHERE case_id = ? ORDER BY rowid"  # noqa: S608  (constant)


def kept_records_of(connection: sqlite3.Connection, case_id: str) -> list[KeptRecord]:
    """The records kept in the case, in the order they were first imported (a reader's connection)."""
    return [KeptRecord(*row) for row in connection.execute(_OF_CASE, (case_id,)).fetchall()]


def kept_records_in(connection: Connection, case_id: str) -> list[KeptRecord]:
    """`kept_records_of` in a write transaction."""
    return [KeptRecord(*row) for row in connection.exec_driver_sql(_OF_CASE, (case_id,)).fetchall()]


def cases_sharing(connection: Connection, ids: Sequence[str]) -> list[str]:
    """The cases whose kept records are known by any of `ids`, oldest record first."""
    found: dict[str, int] = {}
    for part in in_parts(sorted(set(ids))):
        marks = ",".join("?" * len(part))
        rows = connection.exec_driver_sql(
            "SELECT r.case_id, min(r.rowid) FROM advisory_record_ids i JOIN advisory_records r "  # noqa: S608
            f"ON r.id = i.record_id WHERE i.alias IN ({marks}) GROUP BY r.case_id",  # placeholders only
            tuple(part),
        ).fetchall()
        for case_id, first in rows:
            found[str(case_id)] = min(int(first), found.get(str(case_id), int(first)))
    return sorted(found, key=found.__getitem__)


def case_of_draft_with(connection: Connection, ids: Sequence[str]) -> str | None:
    """A case without kept records (its draft written by hand, or imported before records were kept) whose draft
    carries one of `ids` as its own id or an alias; None if none does."""
    if not ids:
        return None
    marks = ",".join("?" * len(ids))
    row = connection.exec_driver_sql(
        "SELECT a.case_id FROM advisories a WHERE NOT EXISTS (SELECT 1 FROM advisory_records r "  # noqa: S608
        "WHERE r.case_id = a.case_id) AND (json_extract(a.record, '$.id') IN ("
        f"{marks}) OR EXISTS (SELECT 1 FROM json_each(a.record, '$.aliases') AS alias "
        f"WHERE alias.value IN ({marks}))) ORDER BY a.rowid LIMIT 1",  # placeholders only
        (*ids, *ids),
    ).fetchone()
    return str(row[0]) if row is not None else None


def keep_record(connection: Connection, record: KeptRecord, ids: Sequence[str], now: datetime) -> None:
    """Store the record (replacing an earlier version with its id, keeping its place in the case's order) and the
    ids it is known by."""
    connection.exec_driver_sql(
        "INSERT INTO advisory_records (id, case_id, format, record, digest, imported_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET format = excluded.format, record = excluded.record, "
        "digest = excluded.digest, imported_at = excluded.imported_at",
        (record.id, record.case_id, record.format, record.record, record.digest, now.strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    connection.exec_driver_sql("DELETE FROM advisory_record_ids WHERE record_id = ?", (record.id,))
    connection.exec_driver_sql(
        "INSERT OR IGNORE INTO advisory_record_ids (alias, record_id) VALUES (?, ?)",
        [(alias, record.id) for alias in dict.fromkeys((record.id, *ids))],
    )


def every_kept_record(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every kept record as (case id, record id), in the order they were imported."""
    rows = connection.execute("SELECT case_id, id FROM advisory_records ORDER BY rowid").fetchall()
    return [(str(case_id), str(record_id)) for case_id, record_id in rows]
