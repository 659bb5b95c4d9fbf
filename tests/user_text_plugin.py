"""Fails any test whose app notifies the user with text that leaks Python: a repr, an enum's name, an object."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App

LEAKS = {
    "a tuple or list of tuples": re.compile(r"\[\(|\(\s*'[^']*',\s*'"),
    "a dict": re.compile(r"\{'[^']*':"),
    "an object's repr": re.compile(r"<[\w.]+ object at 0x|object at 0x[0-9a-f]+"),
    "an enum member's repr": re.compile(r"<[A-Z]\w+\.[A-Z_]+: "),
    "an enum member's name": re.compile(r"\b(?:Signature|Rejection|CaseState|Disposition|Role|Status)\.[A-Z_]{2,}\b"),
    "Python's None": re.compile(r"(?<![\w'\"])None(?![\w'\"])"),
    "a Python exception's name": re.compile(r"\b(?:Key|Type|Attribute|Index|Value)Error\b"),
}
"""What a sentence for a user never contains, each with what it gives away."""


def repr_leaks(text: str) -> list[str]:
    """What of Python shows through `text`, in words (empty when it reads as words)."""
    return [what for what, pattern in LEAKS.items() if pattern.search(text)]


@pytest.fixture(autouse=True)
def _notifications_read_as_sentences(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every notification any test's app shows is checked; a leak fails the test that made it."""
    leaked: list[str] = []
    original = App.notify

    def notify(self: App[Any], message: Any, *args: Any, **kwargs: Any) -> None:
        text = f"{kwargs.get('title', '')} {message}"
        found = repr_leaks(text)
        if found:
            leaked.append(f"{text!r} shows {', '.join(found)}")
        original(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", notify)
    yield
    assert not leaked, "a notification leaks Python to the user:\n" + "\n".join(leaked)
