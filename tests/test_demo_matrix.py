"""Tests that the demo's impact matrix looks like weeks of coordination: reports spanning 3-4 projects, each at its
own stage, among reports nobody has checked yet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from triage_tui.config import Project
from triage_tui.demo.matrix import PER_SCENARIO, SCENARIOS, fill_demo_matrix
from triage_tui.store.batches import IncomingItem
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.matrix_reads import matrix_rows
from triage_tui.store.queries import CaseFilter, list_cases
from triage_tui.store.store import Store
from ui_fixtures import BASE, message

DEMO_PROJECTS = ("conda", "hatch", "pdm", "pip", "poetry", "pypi", "setuptools", "twine", "uv")
TITLES = (
    "Path traversal in wheel extraction writes outside site-packages",
    "tarfile symlink escape when unpacking sdists",
    "Index credentials written to logs in verbose mode",
    "Dependency confusion via extra-index-url picks the public package",
    "Zip-slip in archive unpacking",
    "Version parsing backtracks for minutes on a long string",
)


def test_the_demo_matrix_spans_projects_in_every_stage(tmp_path: Path) -> None:
    database = tmp_path / "triage.db"
    store = Store(database)
    projects = [Project(id=p, name=p, packages=(p,)) for p in DEMO_PROJECTS]
    store.sync_projects(projects)
    messages = [message(n, f"pip: {TITLES[n % len(TITLES)]}", date=BASE + timedelta(hours=n)) for n in range(1, 31)]
    store_batch(store, [IncomingItem("t", str(i), m) for i, m in enumerate(messages)], projects)
    store.close()

    written = fill_demo_matrix(Store(database), "alex@example.org", DEMO_PROJECTS)
    assert written == PER_SCENARIO * sum(len(cells) for _keywords, cells in SCENARIOS)
    with reader(database) as connection:
        rows = matrix_rows(connection, list_cases(connection, CaseFilter(), limit=None))
    checked = [row for row in rows if any(cell.status != "unknown" for cell in row.cells.values())]
    assert len(checked) == PER_SCENARIO * len(SCENARIOS)
    assert all(3 <= sum(c.status != "unknown" for c in row.cells.values()) <= 4 for row in checked)
    statuses = {cell.status for row in checked for cell in row.cells.values()}
    assert statuses >= {"investigating", "affected", "not-affected", "fix-in-progress", "fixed", "wont-fix"}
    assert len(rows) > len(checked)  # plain new reports stay unknown
    # A second fill of the same store changes nothing.
    assert fill_demo_matrix(Store(database), "alex@example.org", DEMO_PROJECTS) == 0
