"""Reads the impact matrix: the configured projects, the cells of a set of cases, and totals per project."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from triage_tui.store.case_detail import ImpactView
from triage_tui.store.case_filter import CaseFilter, filter_conditions
from triage_tui.store.case_summary import CaseSummary
from triage_tui.store.duplicate_reads import project_ids
from triage_tui.store.times import parse_time


@dataclass(frozen=True)
class Matrix:
    """Rows of cases over every configured project (the columns), and each project's package names."""

    projects: list[str]
    rows: list[MatrixRow]
    packages: dict[str, list[str]]


@dataclass(frozen=True)
class MatrixRow:
    """One case's row: its cells by project id. A configured project missing here was never checked (unknown)."""

    case: CaseSummary
    cells: dict[str, ImpactView]


def project_packages(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """Each project's package names (from the config), by project id."""
    return {row[0]: json.loads(row[1] or "[]") for row in connection.execute("SELECT id, packages FROM projects")}


def matrix_rows(connection: sqlite3.Connection, cases: Sequence[CaseSummary]) -> list[MatrixRow]:
    """The rows of `cases`, in their order, with every stored cell."""
    cells: dict[str, dict[str, ImpactView]] = {case.id: {} for case in cases}
    rows = connection.execute(
        "SELECT case_id, project_id, status, ranges, fixed_version, justification, notes, set_by, set_at "
        "FROM impacts WHERE case_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(cells)),),
    )
    for case_id, project, status, ranges, fixed, justification, notes, set_by, set_at in rows:
        cells[case_id][project] = ImpactView(
            project=project,
            status=status,
            ranges=tuple(json.loads(ranges or "[]")),
            fixed_version=fixed,
            justification=justification,
            notes=notes or "",
            set_by=set_by,
            set_at=parse_time(set_at),
        )
    return [MatrixRow(case, cells[case.id]) for case in cases]


def project_totals(
    connection: sqlite3.Connection, case_filter: CaseFilter | None = None, now: datetime | None = None
) -> dict[str, dict[str, int]]:
    """For each project, how many of the filter's cases have a stored cell in each status (a case with no cell for
    the project counts as neither: the caller knows the case count, and the rest are unknown)."""
    conditions, params = filter_conditions(case_filter or CaseFilter(), now)
    where = " AND ".join(conditions)
    selected = f"SELECT id FROM cases WHERE {where}" if where else None  # noqa: S608
    sql = "SELECT project_id, status, count(*) FROM impacts"
    if selected is not None:
        sql += f" WHERE case_id IN ({selected})"
    totals: dict[str, dict[str, int]] = {}
    for project, status, count in connection.execute(sql + " GROUP BY project_id, status", params):
        totals.setdefault(project, {})[status] = count
    return totals


def read_matrix(connection: sqlite3.Connection, cases: Sequence[CaseSummary]) -> Matrix:
    """The matrix of `cases`: the projects, the rows with their cells, the packages, from one snapshot."""
    return Matrix(project_ids(connection), matrix_rows(connection, cases), project_packages(connection))
