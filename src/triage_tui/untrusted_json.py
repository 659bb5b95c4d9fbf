"""Parses JSON from outside within bounds: nesting depth and number length, each refused with a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NoReturn

MAX_DEPTH = 64
"""Advisories, API answers and team events nest under 10 levels; 64 leaves room and stays far below Python's
recursion limit, so no later walk over the document can overflow the stack."""
MAX_NUMBER_CHARS = 100
"""No real field holds a number this long; a longer one (5,000 digits) costs quadratic time to convert to int and
trips Python's int-conversion guard with a ValueError."""


class UntrustedJsonError(ValueError):
    """Text that is not JSON, or JSON beyond the bounds; the message says which."""


def _number(text: str) -> str:
    """`text`, a JSON number, if it is short enough to convert; UntrustedJsonError if not."""
    if len(text) > MAX_NUMBER_CHARS:
        raise UntrustedJsonError(f"a JSON number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    return text


def _int(text: str) -> int:
    return int(_number(text))


def _float(text: str) -> float:
    return float(_number(text))


def _constant(name: str) -> NoReturn:
    """Refuse NaN and Infinity, which Python's json takes but JSON has not."""
    raise UntrustedJsonError(f"not valid JSON ({name} is not a JSON value)")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are each given once; UntrustedJsonError naming a repeated key (the last would win)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise UntrustedJsonError(f"the key {key[:80]!r} is given twice in one JSON object")
        document[key] = value
    return document


def loads(text: str | bytes, *, unique_keys: bool = False) -> Any:
    """The document in `text`; UntrustedJsonError if it is not JSON, nests deeper than MAX_DEPTH, holds a number
    longer than MAX_NUMBER_CHARS or (with `unique_keys`) gives a key twice in one object."""
    hook = _unique if unique_keys else None
    try:
        document = json.loads(
            text, parse_int=_int, parse_float=_float, parse_constant=_constant, object_pairs_hook=hook
        )
    except RecursionError:
        raise UntrustedJsonError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UntrustedJsonError(f"not valid JSON ({error})") from None
    check_depth(document)
    return document


def check_depth(document: object, limit: int = MAX_DEPTH) -> None:
    """UntrustedJsonError if lists and objects in `document` nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise UntrustedJsonError(f"JSON nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)
