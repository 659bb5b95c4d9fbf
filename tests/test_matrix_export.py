"""Tests for the impact matrix's reads and exports: JSON round-trips every field, CSV is one row per cell, Markdown
is safe to paste, `unknown` is never exported as not affected, and `triage-tui matrix` prints each format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from test_config import VALID
from triage_tui.cli import run
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell, cell_of
from triage_tui.services.matrix_export import CSV_COLUMNS, RANGE_SEPARATOR, export_matrix, markdown_text
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.duplicate_reads import project_ids
from triage_tui.store.matrix_reads import MatrixRow, matrix_rows, project_packages, project_totals
from triage_tui.store.queries import CaseFilter, list_cases
from triage_tui.store.store import Store
from ui_fixtures import BASE, HOSTILE, message, seeded_store, small_inbox

SET_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CELLS = {
    ("PSC-2026-0001", "pip"): ImpactCell(
        ImpactStatus.FIXED, ranges=(">=20.0,<24.1", ">=25.0"), fixed_version="25.0.1", notes="two lines\nof notes"
    ),
    ("PSC-2026-0001", "uv"): ImpactCell(
        ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT, notes="no tarfile in uv"
    ),
    ("PSC-2026-0001", "setuptools"): ImpactCell(ImpactStatus.INVESTIGATING),
    ("PSC-2026-0002", "uv"): ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.4.2",)),
    ("PSC-2026-0004", "setuptools"): ImpactCell(ImpactStatus.FIX_IN_PROGRESS, fixed_version="75.1"),
    ("PSC-2026-0005", "twine"): ImpactCell(ImpactStatus.WONT_FIX, notes="=cmd|' /C calc'!A0"),
}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    hostile = message(7, f"hostile | title {HOSTILE} [x](http://evil) *bold*", date=BASE + timedelta(days=9))
    messages = [*small_inbox(), hostile]
    database = seeded_store(tmp_path / "triage.db", messages)
    triage = TriageService(Store(database), "alex@example.org", clock=lambda: SET_AT)
    for (case_id, project), cell in CELLS.items():
        triage.set_impact(case_id, project, cell)
    triage.store.close()
    return database


def read(database: Path) -> tuple[list[str], list[MatrixRow]]:
    with reader(database) as connection:
        return project_ids(connection), matrix_rows(connection, list_cases(connection, CaseFilter(), limit=None))


def test_rows_hold_the_stored_cells_and_totals_count_them(database: Path) -> None:
    projects, rows = read(database)
    assert projects == ["pip", "setuptools", "twine", "uv"]
    assert [row.case.id for row in rows][:2] == ["PSC-2026-0007", "PSC-2026-0006"]
    first = next(row for row in rows if row.case.id == "PSC-2026-0001")
    assert cell_of(first.cells["pip"]) == ImpactCell(
        ImpactStatus.FIXED, ranges=("<24.1,>=20.0", ">=25.0"), fixed_version="25.0.1", notes="two lines\nof notes"
    )
    assert first.cells["pip"].set_by == "alex@example.org" and first.cells["pip"].set_at == SET_AT
    with reader(database) as connection:
        totals = project_totals(connection)
        narrowed = project_totals(connection, CaseFilter(search="tarfile"))
    assert totals["uv"] == {"not-affected": 1, "affected": 1, "unknown": 1}
    assert totals["setuptools"]["investigating"] == 1 and totals["setuptools"]["fix-in-progress"] == 1
    assert "twine" not in narrowed and narrowed["uv"] == {"not-affected": 1}


def test_json_carries_every_field_of_every_cell_and_round_trips(database: Path) -> None:
    projects, rows = read(database)
    with reader(database) as connection:
        packages = project_packages(connection)
    document = json.loads(export_matrix(projects, rows, "json", packages))
    assert document["projects"] == projects
    assert len(document["cases"]) == len(rows) == 7
    cells = {(case["id"], cell["project"]): cell for case in document["cases"] for cell in case["cells"]}
    assert len(cells) == 7 * 4  # every configured project in every row
    for (case_id, project), written in CELLS.items():
        exported = cells[(case_id, project)]
        assert ImpactCell.from_json(exported) == ImpactCell.from_json(written.to_json())
        assert exported["set_by"] == "alex@example.org" and exported["set_at"] == "2026-06-01T12:00:00Z"
    assert cells[("PSC-2026-0001", "pip")]["osv_events"] == [
        {"introduced": "20.0"},
        {"fixed": "24.1"},
        {"introduced": "25.0"},
        {"fixed": "25.0.1"},
    ]
    assert cells[("PSC-2026-0001", "pip")]["packages"] == [
        {"name": "pip", "osv_events": cells[("PSC-2026-0001", "pip")]["osv_events"]}
    ]
    never_checked = cells[("PSC-2026-0003", "twine")]
    assert never_checked["status"] == "unknown" and never_checked["osv_events"] == []
    assert never_checked["set_by"] is None and never_checked["justification"] is None


def test_csv_opens_in_the_csv_module_with_one_row_per_cell(database: Path) -> None:
    projects, rows = read(database)
    table = list(csv.DictReader(io.StringIO(export_matrix(projects, rows, "csv"))))
    assert len(table) == len(rows) * len(projects)
    assert tuple(table[0]) == CSV_COLUMNS
    by_cell = {(r["case_id"], r["project"]): r for r in table}
    pip = by_cell[("PSC-2026-0001", "pip")]
    assert pip["ranges"].split(RANGE_SEPARATOR) == ["<24.1,>=20.0", ">=25.0"]
    assert (pip["status"], pip["fixed_version"], pip["notes"]) == ("fixed", "25.0.1", "two lines\nof notes")
    assert json.loads(pip["osv_events"])[-1] == {"fixed": "25.0.1"}
    assert by_cell[("PSC-2026-0001", "uv")]["justification"] == "component_not_present"
    assert by_cell[("PSC-2026-0006", "pip")]["status"] == "unknown"
    # A note that a spreadsheet would run as a formula stays text.
    assert by_cell[("PSC-2026-0005", "twine")]["notes"].startswith("'=")
    hostile = by_cell[("PSC-2026-0007", "pip")]["title"]
    assert "\x1b" not in hostile and "\u202e" not in hostile


def test_markdown_is_a_table_with_words_beside_symbols_and_escapes_report_text(database: Path) -> None:
    projects, rows = read(database)
    text = export_matrix(projects, rows, "markdown")
    lines = text.splitlines()
    assert lines[0] == "| case | title | pip | setuptools | twine | uv |"
    table = [line for line in lines if line.startswith("| PSC-")]
    assert len(table) == 7 and all(line.count(" | ") == 5 for line in table)  # nothing broke out of its cell
    first = next(line for line in table if line.startswith("| PSC-2026-0001 "))
    assert r"\+ fixed 25.0.1" in first and "- not-affected" in first and r"\~ investigating" in first
    assert "? unknown" in next(line for line in table if line.startswith("| PSC-2026-0006 "))
    hostile = next(line for line in table if line.startswith("| PSC-2026-0007 "))
    assert "\x1b" not in hostile and r"\[x\]\(http://evil\)" in hostile and r"\*bold\*" in hostile
    assert r"hostile \| title" in hostile
    assert lines[-1].startswith("Legend: ? unknown") and "never checked" in lines[-1]


def test_markdown_text_neutralises_and_escapes() -> None:
    assert markdown_text("a|b\nc <script>") == r"a\|b c \<script\>"


@pytest.mark.parametrize("fmt", ["markdown", "csv", "json"])
def test_matrix_command_prints_each_format(
    database: Path, fmt: str, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = database.parent
    (home / "config.toml").write_text(with_identity(VALID, gpg_world.team))
    assert run(["--home", str(home), "matrix", "--format", fmt, "--project", "uv"]) == 0
    printed = capsys.readouterr().out
    projects, rows = read(database)
    with reader(database) as connection:
        uv_rows = matrix_rows(connection, list_cases(connection, CaseFilter(project="uv"), limit=None))
        packages = project_packages(connection)
    assert printed == export_matrix(projects, uv_rows, fmt, packages)
    assert len(uv_rows) < len(rows)
