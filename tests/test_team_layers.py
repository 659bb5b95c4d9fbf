"""The team package keeps to its layer: no SQL of its own, no database driver, nothing from sync or GitHub, and no
import cycle among its modules (imports inside functions count)."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

import triage_tui.team

TEAM = Path(triage_tui.team.__file__).parent
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s", re.IGNORECASE)
FORBIDDEN = ("sqlite3", "sqlalchemy", "sqlmodel", "sqlcipher3", "triage_tui.sync", "triage_tui.github")


def test_team_modules_hold_no_sql_text() -> None:
    with_sql = [path.name for path in TEAM.glob("*.py") if SQL.search(path.read_text(encoding="utf-8"))]
    assert with_sql == []


def test_team_imports_no_database_driver_nor_the_layers_above_it() -> None:
    graph = grimp.build_graph("triage_tui", include_external_packages=True)
    team = sorted(module for module in graph.modules if module.startswith("triage_tui.team"))
    found = {
        (module, imported)
        for module in team
        for imported in graph.find_modules_directly_imported_by(module)
        if imported == "triage_tui.sync" or imported.startswith(FORBIDDEN)
    }
    assert found == set()


def test_no_import_cycle_among_team_modules() -> None:
    graph = grimp.build_graph("triage_tui")
    team = sorted(module for module in graph.modules if module.startswith("triage_tui.team."))
    cycles = [(a, b) for a in team for b in team if a < b and graph.chain_exists(a, b) and graph.chain_exists(b, a)]
    assert cycles == []
