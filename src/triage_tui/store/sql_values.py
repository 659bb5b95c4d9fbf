"""Names the values SQLite binds to a statement's `?` parameters and stores in its columns."""

from __future__ import annotations

from typing import TypeAlias

SqlValue: TypeAlias = str | int | float | bytes | None
"""One parameter or column value: SQLite's five storage classes (TEXT, INTEGER, REAL, BLOB, NULL)."""
