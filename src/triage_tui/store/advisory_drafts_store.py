"""Provides the statements of advisory drafts: a case's saved draft as the editor opens it, the draft row read and
written in a save's transaction, and the case's embargo as stored now."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.store.queries import parse_time

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection
    from triage_tui.store.tables import AdvisoryRow


@dataclass(frozen=True)
class SavedDraft:
    """A case's saved draft: the record's JSON, who saved it last and when, and when it was first saved."""

    record: str
    updated_at: datetime | None
    updated_by: str
    first_saved: datetime | None


@dataclass(frozen=True)
class CaseEmbargo:
    """A case's embargo end as stored (None: not under embargo)."""

    until: datetime | None


def saved_draft(connection: sqlite3.Connection, case_id: str) -> SavedDraft | None:
    """The case's saved draft; None if none was saved."""
    row = connection.execute(
        "SELECT record, updated_at, updated_by, (SELECT min(at) FROM events WHERE case_id = ? "
        "AND kind = 'advisory') FROM advisories WHERE case_id = ?",
        (case_id, case_id),
    ).fetchone()
    if row is None:
        return None
    return SavedDraft(row[0], parse_time(row[1]), row[2], parse_time(row[3]))


def case_embargo(connection: sqlite3.Connection, case_id: str) -> CaseEmbargo | None:
    """The case's embargo end; None if there is no such case."""
    row = connection.execute("SELECT embargo_until FROM cases WHERE id = ?", (case_id,)).fetchone()
    return CaseEmbargo(parse_time(row[0])) if row is not None else None


def draft_row(connection: WriteConnection, case_id: str) -> AdvisoryRow | None:
    """The case's draft row in a write transaction (to compare with what the editor read); None if none."""
    from sqlalchemy import select

    from triage_tui.store.tables import ADVISORIES, AdvisoryRow

    row = connection.execute(select(ADVISORIES).where(ADVISORIES.c.case_id == case_id)).mappings().first()
    return AdvisoryRow(**row) if row is not None else None


def upsert_draft(connection: WriteConnection, case_id: str, record: str, updated_at: datetime, author: str) -> None:
    """Store the case's draft (the record's JSON), replacing the one saved before."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from triage_tui.store.tables import ADVISORIES

    statement = sqlite_insert(ADVISORIES).values(
        case_id=case_id, record=record, updated_at=updated_at, updated_by=author
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[ADVISORIES.c.case_id],
            set_={"record": record, "updated_at": updated_at, "updated_by": author},
        )
    )
