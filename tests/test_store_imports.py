"""Tests the store's place in the layers: it imports only what lies below it, and its modules import no cycle."""

from __future__ import annotations

import grimp

STORE = "triage_tui.store"
BELOW = ("triage_tui.intake", "triage_tui.sources", "triage_tui.config", "triage_tui.domain", "triage_tui.untrusted",
         "triage_tui.severity", "triage_tui.cvss_metrics")  # fmt: skip


def _store_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("triage_tui")  # imports inside functions count too
    modules = {m for m in graph.modules if m == STORE or m.startswith(STORE + ".")}
    return {m: {i for i in graph.find_modules_directly_imported_by(m) if i.startswith("triage_tui")} for m in modules}


def test_the_store_imports_only_the_layers_below_it() -> None:
    above = {
        f"{module} imports {imported}"
        for module, imported_modules in _store_graph().items()
        for imported in imported_modules
        if not imported.startswith(STORE) and not imported.startswith(BELOW)
    }
    assert above == set()


def test_no_import_cycle_among_the_store_modules() -> None:
    graph = _store_graph()
    done: set[str] = set()

    def cycle_from(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            if imported.startswith(STORE) and (found := cycle_from(imported, [*path, module])):
                return found
        done.add(module)
        return None

    cycles = [cycle for module in sorted(graph) if (cycle := cycle_from(module, []))]
    assert cycles == []
