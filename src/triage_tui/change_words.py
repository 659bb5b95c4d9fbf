"""Says a recorded change in words ("assignee alice → nobody", "embargo end none → 2026-12-07 10:00 UTC"), for the
timeline and the command line alike, so no user reads a field's internal name or a Python `None`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FIELD_WORDS = {
    "state": "state",
    "disposition": "disposition",
    "disposition_reason": "reason",
    "assignee": "assignee",
    "labels": "labels",
    "cvss_vector": "CVSS 3.1",
    "cvss4_vector": "CVSS 4.0",
    "embargo_until": "embargo end",
    "duplicate_of": "duplicate-of",
    "title": "title",
}
"""Each case field a decision changes, as a user reads it."""
EMPTY_WORDS = {"assignee": "nobody"}
"""What an unset field reads as, where "none" would not read well."""


def field_words(field: str) -> str:
    """The field's name in words; a field this version does not know, with its underscores as spaces."""
    return FIELD_WORDS.get(field, field.replace("_", " "))


def value_words(field: str, value: Any) -> str:
    """A field's value in words: "nobody" or "none" when unset, labels comma-separated, a time in UTC to the minute."""
    if value is None or value == "" or value == []:
        return EMPTY_WORDS.get(field, "none")
    if field == "labels":
        try:
            labels = json.loads(value) if isinstance(value, str) else list(value)
        except (ValueError, TypeError):
            return str(value)
        return ", ".join(str(label) for label in labels) if isinstance(labels, list) and labels else "none"
    if field == "embargo_until":
        return str(value)[:16].replace("T", " ") + " UTC"
    return str(value)


def change_pairs(payload: Mapping[str, Any]) -> dict[str, tuple[object, object]]:
    """The payload's `changes` as field → (old, new), skipping any entry not a pair."""
    raw = payload.get("changes") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(field): (pair[0], pair[1])
        for field, pair in raw.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    }


def change_words(field: str, old: object, new: object) -> str:
    """One change: "assignee alice → nobody"."""
    return f"{field_words(field)} {value_words(field, old)} → {value_words(field, new)}"
