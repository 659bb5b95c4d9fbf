"""The UI's structure: the app owns navigation, so screens and widgets import no cycle, widgets import no screen, and
every UI module stays small."""

from __future__ import annotations

from pathlib import Path

import grimp

UI = ("triage_tui.app", "triage_tui.commands", "triage_tui.screens", "triage_tui.widgets")
SOURCE = Path(__file__).resolve().parent.parent / "src" / "triage_tui"


def ui_imports() -> dict[str, set[str]]:
    """Each UI module and the UI modules it imports (at module level, in functions or for type checking)."""
    graph = grimp.build_graph("triage_tui")
    modules = {m for m in graph.modules if m.startswith(UI)}
    return {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}


def cycles(imports: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_ui_modules() -> None:
    assert cycles(ui_imports()) == []


def test_widgets_import_no_screen_and_no_app() -> None:
    imports = ui_imports()
    offending = {
        (module, imported)
        for module, imported_modules in imports.items()
        if module.startswith("triage_tui.widgets")
        for imported in imported_modules
        if not imported.startswith("triage_tui.widgets")
    }
    assert offending == set()


def test_screens_import_no_app() -> None:
    imports = ui_imports()
    assert {
        m for m, imported in imports.items() if m.startswith("triage_tui.screens") and "triage_tui.app" in imported
    } == set()


def test_ui_modules_stay_small() -> None:
    paths = [
        SOURCE / "app.py",
        SOURCE / "commands.py",
        *(SOURCE / "screens").glob("*.py"),
        *(SOURCE / "widgets").glob("*.py"),
    ]
    assert {p.name: n for p in paths if (n := len(p.read_text().splitlines())) > 400} == {}
