"""Decides which cases an impact matrix export holds: by default not the spam and not those closed as invalid, which
say nothing about a project's impact and would only lengthen a coordination mail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from triage_tui.domain import Disposition
from triage_tui.store.matrix_reads import Matrix

LEFT_OUT = frozenset({Disposition.SPAM, Disposition.INVALID})
"""The dispositions an export leaves out unless asked for every case."""
EXPORTS_FOLDER = "exports"
"""The folder beside the workspace's store where the app writes its exports (never the current folder)."""


def exports_folder(database: Path) -> Path:
    """Where the app suggests an export: the workspace's exports folder, beside its store."""
    return database.parent / EXPORTS_FOLDER


def exported(matrix: Matrix, *, every_case: bool = False) -> tuple[Matrix, int]:
    """The matrix as an export holds it, and how many cases it left out (spam, closed as invalid) unless
    `every_case`."""
    if every_case:
        return matrix, 0
    kept = [row for row in matrix.rows if row.case.disposition not in LEFT_OUT]
    return replace(matrix, rows=kept), len(matrix.rows) - len(kept)


def left_out_text(count: int) -> str:
    """'3 spam or invalid cases were left out', or '' when none was."""
    if not count:
        return ""
    return "1 spam or invalid case was left out" if count == 1 else f"{count} spam or invalid cases were left out"
