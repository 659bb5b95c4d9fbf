"""Tests that no key means two things on one screen: a screen's bindings, its parents' included (a later feature
once took `K` on the case screen from next/previous case without a word)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

from textual.binding import Binding
from textual.screen import Screen

import triage_tui.screens as screens

DELIBERATE_OVERRIDES = {("DeliberateConfirmModal", "enter")}
"""A subclass that rebinds a key of its parent on purpose: (the subclass, the key). A yes/no question that must be
answered with y makes enter mean no."""


def screen_classes() -> list[type[Screen[object]]]:
    found = []
    for module_info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"{screens.__name__}.{module_info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def conflicts(cls: type[Screen[object]]) -> list[str]:
    """Keys bound to more than one action by the screen's own classes (Textual's bases left out)."""
    bound: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for klass in cls.__mro__:
        if not klass.__module__.startswith("triage_tui."):
            continue
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    bound[key.strip()].append((klass.__name__, binding.action))
    found = []
    for key, uses in bound.items():
        if len({action for _klass, action in uses}) > 1 and (uses[0][0], key) not in DELIBERATE_OVERRIDES:
            found.append(f"{cls.__name__}: {key!r} is bound to {uses}")
    return found


def test_screens_are_found() -> None:
    names = {cls.__name__ for cls in screen_classes()}
    assert {"InboxScreen", "CaseScreen", "MatrixScreen", "FilterModal", "CvssScreen"} <= names


def test_no_key_means_two_things_on_a_screen() -> None:
    found = [problem for cls in screen_classes() for problem in conflicts(cls)]
    assert not found, "\n".join(found)
