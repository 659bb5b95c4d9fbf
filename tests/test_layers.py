"""Tests that the layers of DESIGN section 1 hold: data flows one way and only the UI imports Textual."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "triage_tui"
UI = {"app", "screens", "widgets", "commands"}
# Each layer may import only the layers to its left (and the shared vocabulary modules).
ORDER = ["sources", "intake", "store", "replies", "services"]
# DESIGN puts advisory compilation and validation in the services layer; it lives in a package of its own.
SAME_LAYER = {"advisories": "services"}
SHARED = {
    "domain",
    "untrusted",
    "untrusted_json",
    "config",
    "workspace",
    "severity",
    "compose",
    "cvss_metrics",
    "impact",  # the rules of one impact-matrix cell, which the store's readers, advisories and services all apply
    "impact_words",  # a cell said in words and a new cell's fixed version checked: impact's rules, beside it
    "memory",  # process-wide malloc and GC settings, importing nothing of the project: the app's and the sync's
    "__init__",
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def layer_of(path: Path) -> str:
    name = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    return SAME_LAYER.get(name, name)


def test_nothing_below_the_ui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if layer_of(path) not in UI and layer_of(path) != "cli"
        and any(name == "textual" or name.startswith("textual.") for name in imports_of(path))
    ]  # fmt: skip
    assert offenders == []


def test_layers_only_import_to_their_left() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        layer = layer_of(path)
        if layer not in ORDER:
            continue
        allowed = set(ORDER[: ORDER.index(layer) + 1]) | SHARED
        for name in imports_of(path):
            if name.startswith("triage_tui."):
                target = SAME_LAYER.get(name.split(".")[1], name.split(".")[1])
                if target not in allowed:
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []
