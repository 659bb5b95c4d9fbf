"""Orders a CSAF document's keys as CSAF test 6.2.13 wants them: alphabetically, by Unicode's root collation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PUNCTUATION = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
"""ASCII's punctuation and symbols in the root collation's order (which is not their code points' order)."""


def _rank(char: str) -> tuple[int, str]:
    # The root collation (what the reference validator's Intl.Collator uses) puts punctuation and symbols before
    # digits and digits before letters, and compares letters ignoring case first: "product_id" < "products" and
    # "baseScore" < "baseSeverity", where a plain code point sort would put every capital before any small letter.
    if char.isalpha():
        return (2, char.casefold())
    if char.isdigit():
        return (1, char)
    place = PUNCTUATION.find(char)
    return (0, chr(place) if place >= 0 else char)


def collation_key(key: str) -> tuple[tuple[tuple[int, str], ...], tuple[bool, ...]]:
    """The sort key of an object key: letters compared without case first, then a small letter before its capital."""
    return tuple(_rank(char) for char in key), tuple(char.isupper() for char in key)


def sorted_keys(value: Any) -> Any:
    """`value` with the keys of every object in it sorted (arrays keep their order: 6.2.13 does not sort them)."""
    if isinstance(value, dict):
        return {key: sorted_keys(value[key]) for key in sorted(value, key=collation_key)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value


def unsorted_objects(value: Any, path: str = "") -> Iterator[str]:
    """The JSON path of every object in `value` whose keys are out of order ("" for the document itself)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from unsorted_objects(item, f"{path}/{i}")
    elif isinstance(value, dict):
        keys = list(value)
        if keys != sorted(keys, key=collation_key):
            yield path
        for key in keys:
            yield from unsorted_objects(value[key], f"{path}/{key}")
