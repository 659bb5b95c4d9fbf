"""Tests the shape of the code the issue 16 refactor set: no import cycles, no SQL outside the store, small modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "triage_tui"
MAX_MODULE_LINES = 400
SQL = re.compile(
    r"\b(SELECT\b[\s\S]+?\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX|UNIQUE\s+INDEX|VIRTUAL\s+TABLE|TRIGGER)|DROP\s+(TABLE|INDEX|TRIGGER)|PRAGMA\s+\w+"
    r"|BEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)|ALTER\s+TABLE)\b"
)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's, iterative: the graph has ~200 modules)."""
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for position in range(child, len(edges[node])):
                target = edges[node][position]
                if target not in index:
                    work.append((node, position + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycles_among_modules() -> None:
    # grimp counts imports inside functions and under TYPE_CHECKING too: a lazy import still ties two modules.
    assert _cycles(grimp.build_graph("triage_tui", cache_dir=None)) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]:
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_is_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def _strings(tree: ast.AST) -> list[str]:
    texts = []
    # An f-string's literal parts are Constant nodes too; it is read once, whole, with "?" for each value.
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            texts.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            texts.append("".join(str(part.value) if isinstance(part, ast.Constant) else "?" for part in node.values))
    return texts


def test_no_sql_text_outside_the_store() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {match.group(0)[:60]!r}"
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "store"
        for text in _strings(ast.parse(path.read_text()))
        if (match := SQL.search(text))
    ]
    assert offenders == []


def test_the_sql_finder_sees_sql() -> None:
    tree = ast.parse('x = "SELECT id FROM cases"\ny = f"UPDATE cases SET state = {s}"\nz = "PRAGMA user_version"')
    assert [bool(SQL.search(text)) for text in _strings(tree)] == [True, True, True]
    assert not SQL.search("SELECT INBOX")  # an IMAP command, not SQL
