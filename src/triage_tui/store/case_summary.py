"""Provides the inbox's row of a case (`CaseSummary`) and how it is read from the `cases` table."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from triage_tui.store.case_flags import NO_FLAGS, RowFlags
from triage_tui.store.in_lists import placeholders
from triage_tui.store.times import EPOCH, parse_time


@dataclass(frozen=True)
class ImpactBrief:
    """A project and the case's status for it."""

    project: str
    status: str


@dataclass(frozen=True)
class CaseSummary:
    """One inbox row."""

    id: str
    title: str
    state: str
    disposition: str | None
    reporter: str
    reporter_email: str
    received_at: datetime
    updated_at: datetime
    signature: str
    message_count: int
    embargo_until: datetime | None = None
    cvss_vector: str | None = None
    cvss4_vector: str | None = None
    projects: tuple[ImpactBrief, ...] = ()
    assignee: str | None = None
    """Read for the inbox's rows only (`list_cases(flags=True)`), like the two trust flags."""
    key_changed: bool = False
    """A message is signed by a changed key no coordinator has accepted yet."""
    signer_not_from: bool = False
    """A message is signed by a key that does not carry its From address."""


SUMMARY_COLUMNS = (
    "cases.id, cases.title, cases.state, cases.disposition, cases.reporter, cases.reporter_email, "
    "cases.received_at, cases.updated_at, cases.signature, cases.message_count, cases.embargo_until, "
    "cases.cvss_vector, cases.cvss4_vector"
)


def projects_for(connection: sqlite3.Connection, case_ids: Sequence[str]) -> dict[str, tuple[ImpactBrief, ...]]:
    """Each case's projects and statuses, by case id (cases without any are left out)."""
    if not case_ids:
        return {}
    rows = connection.execute(
        f"SELECT case_id, project_id, status FROM impacts WHERE case_id IN ({placeholders(case_ids)}) "  # noqa: S608
        "ORDER BY case_id, project_id",
        list(case_ids),
    ).fetchall()
    found: dict[str, list[ImpactBrief]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(ImpactBrief(row[1], row[2]))
    return {case_id: tuple(items) for case_id, items in found.items()}


def summary_of(row: sqlite3.Row, projects: tuple[ImpactBrief, ...], flags: RowFlags = NO_FLAGS) -> CaseSummary:
    """The summary of a row of SUMMARY_COLUMNS."""
    return CaseSummary(
        id=row[0],
        title=row[1],
        state=row[2],
        disposition=row[3],
        reporter=row[4],
        reporter_email=row[5],
        received_at=parse_time(row[6]) or EPOCH,
        updated_at=parse_time(row[7]) or EPOCH,
        signature=row[8],
        message_count=row[9],
        embargo_until=parse_time(row[10]),
        cvss_vector=row[11],
        cvss4_vector=row[12],
        projects=projects,
        assignee=flags.assignee,
        key_changed=flags.key_changed,
        signer_not_from=flags.signer_not_from,
    )
