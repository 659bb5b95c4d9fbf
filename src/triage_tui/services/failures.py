"""Provides the one line a command ends with when it fails: the problem named, never a traceback or bound values."""

from __future__ import annotations

import traceback
from pathlib import Path

from triage_tui.store.errors import store_failure


def failure_line(error: BaseException, database: Path) -> str:
    """One line saying what went wrong with a command on the store at `database`.

    Never the error's whole text: SQLAlchemy's quotes the statement's bound values (decrypted reports), and an
    unexpected error's may quote anything.
    """
    said = store_failure(error, database)
    if said is not None:
        return said
    return f"internal error: {type(error).__name__} at {_where(error)} (details withheld: they may quote report text)"


def _where(error: BaseException) -> str:
    """The file and line `error` was raised at (never its text)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"
