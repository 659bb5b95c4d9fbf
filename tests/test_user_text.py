"""Tests the check every test's notifications go through (user_text_plugin): what it calls a leak, what it lets be."""

from __future__ import annotations

import pytest

from user_text_plugin import repr_leaks


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("the matrix says affected [('introduced', '1.0'), ('fixed', '1.5')]", "a tuple or list of tuples"),
        ("could not save {'status': 'affected'}", "a dict"),
        ("<triage_tui.impact.ImpactCell object at 0x7f3a2c>", "an object's repr"),
        ("verdict <Signature.GOOD: 'good'>", "an enum member's repr"),
        ("verdict Signature.GOOD", "an enum member's name"),
        ("assigned to None", "Python's None"),
        ("KeyError: 'pip'", "a Python exception's name"),
    ],
)
def test_python_showing_through_is_named(text: str, leak: str) -> None:
    assert leak in repr_leaks(text)


@pytest.mark.parametrize(
    "text",
    [
        "'rita@example' is not a mail address",
        "Affected from 1.0, fixed in 1.5.",
        "3 cases closed as spam; press u to undo.",
        "none of pip, uv is linked",
        "Embargo until 2026-12-31 (in 25 days).",
    ],
)
def test_sentences_pass(text: str) -> None:
    assert repr_leaks(text) == []
