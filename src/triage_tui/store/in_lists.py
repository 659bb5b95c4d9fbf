"""Provides IN (...) lists of any length: split into parts, each with its placeholders."""

from __future__ import annotations

from collections.abc import Sequence


def placeholders(values: Sequence[object]) -> str:
    """As many `?` as `values`, for an IN (...) list."""
    return ", ".join("?" * len(values))


def in_parts(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    """Split a long IN (...) list so no statement approaches SQLite's limit on bound variables."""
    return [values[i : i + size] for i in range(0, len(values), size)]
