"""Exports the impact matrix as Markdown (for a coordination mail), CSV (one row per cell) and JSON (every field).

Every configured project gets a cell in every case's row: one never checked is exported as `unknown`, never left
out, so a reader cannot take a missing cell for "not affected". Text from reports (titles) and from people (notes)
is neutralised, escaped for Markdown, and kept from being read as a spreadsheet formula in the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import TypedDict

from triage_tui.domain import ImpactStatus
from triage_tui.impact import STATUS_MARKS, CellJson, cell_of, mark, osv_events
from triage_tui.services.case_json import iso
from triage_tui.store.matrix_reads import MatrixRow
from triage_tui.store.queries import ImpactView
from triage_tui.untrusted import json_text, neutralise, neutralise_line

FORMATS = ("markdown", "csv", "json")
RANGE_SEPARATOR = " || "
"""Between a cell's ranges in the CSV and Markdown (PEP 440 specifier sets use commas themselves)."""
CSV_COLUMNS = (
    "case_id",
    "title",
    "project",
    "status",
    "ranges",
    "fixed_version",
    "justification",
    "notes",
    "set_by",
    "set_at",
    "osv_events",
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _PackageEvents(TypedDict):
    """One of the project's packages and its affected versions as OSV events."""

    name: str
    osv_events: list[dict[str, str]]


class _CellDocument(CellJson):
    """One cell of the matrix's JSON: the cell's fields, who set it when, and its versions as OSV events."""

    project: str
    set_by: str | None
    set_at: str | None
    osv_events: list[dict[str, str]]
    packages: list[_PackageEvents]


def _cell_json(project: str, view: ImpactView | None, packages: Sequence[str] = ()) -> _CellDocument:
    cell = cell_of(view)
    events = osv_events(cell)
    return {
        "project": project,
        **cell.to_json(),
        "set_by": view.set_by if view else None,
        "set_at": iso(view.set_at) if view else None,
        "osv_events": events,
        # The same events for each of the project's packages (the advisory picks each package's ecosystem).
        "packages": [{"name": name, "osv_events": events} for name in packages],
    }


def matrix_json(
    projects: Sequence[str], rows: Sequence[MatrixRow], packages: Mapping[str, Sequence[str]] | None = None
) -> dict[str, object]:
    """The whole matrix: every field of every cell, one cell per configured project per case, and the affected
    versions of each of a project's packages as OSV events."""
    names = packages or {}
    return {
        "projects": list(projects),
        "cases": [
            {
                "id": row.case.id,
                "title": row.case.title,
                "state": row.case.state,
                "embargo_until": iso(row.case.embargo_until),
                "cells": [_cell_json(p, row.cells.get(p), names.get(p, ())) for p in projects],
            }
            for row in rows
        ],
    }


def _spreadsheet_safe(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection); a leading
    # apostrophe keeps it text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def matrix_csv(projects: Sequence[str], rows: Sequence[MatrixRow]) -> str:
    """One row per cell, with a header row; lists are joined by RANGE_SEPARATOR, OSV events as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        for project in projects:
            cell = _cell_json(project, row.cells.get(project))
            writer.writerow(
                [
                    row.case.id,
                    _spreadsheet_safe(neutralise_line(row.case.title)),
                    project,
                    cell["status"],
                    RANGE_SEPARATOR.join(cell["ranges"]),
                    cell["fixed_version"] or "",
                    cell["justification"] or "",
                    _spreadsheet_safe(neutralise(cell["notes"])),
                    _spreadsheet_safe(neutralise_line(cell["set_by"] or "")),
                    cell["set_at"] or "",
                    json.dumps(cell["osv_events"]),
                ]
            )
    return buffer.getvalue()


def markdown_text(text: str) -> str:
    """Untrusted text as one line of Markdown that shows as typed (no links, emphasis, HTML or table breaks)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", neutralise_line(text))


def _markdown_cell(view: ImpactView | None) -> str:
    cell = cell_of(view)
    words = [mark(cell.status)]
    if cell.fixed_version:
        words.append(cell.fixed_version)
    elif cell.ranges:
        words.append(RANGE_SEPARATOR.join(cell.ranges))
    return markdown_text(" ".join(words))


def matrix_markdown(projects: Sequence[str], rows: Sequence[MatrixRow]) -> str:
    """A table of cases x projects, each cell its symbol and word (and fixed version or ranges), then a legend."""
    lines = [
        "| case | title | " + " | ".join(markdown_text(p) for p in projects) + " |",
        "|---|---|" + "---|" * len(projects),
    ]
    for row in rows:
        cells = " | ".join(_markdown_cell(row.cells.get(project)) for project in projects)
        lines.append(f"| {row.case.id} | {markdown_text(row.case.title)} | {cells} |")
    legend = " · ".join(markdown_text(f"{STATUS_MARKS[status]} {status}") for status in ImpactStatus)
    lines += ["", f"Legend: {legend} (unknown: never checked)"]
    return "\n".join(lines) + "\n"


def export_matrix(
    projects: Sequence[str],
    rows: Sequence[MatrixRow],
    fmt: str,
    packages: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The matrix in `fmt` (one of FORMATS); `packages` (each project's package names) adds per-package events to
    the JSON."""
    if fmt == "json":
        return json_text(matrix_json(projects, rows, packages)) + "\n"
    if fmt == "csv":
        return matrix_csv(projects, rows)
    if fmt == "markdown":
        return matrix_markdown(projects, rows)
    raise ValueError(f"unknown matrix format {fmt!r}; use one of {', '.join(FORMATS)}")
