"""Provides the one line a command ends with when it fails: the problem named, never a traceback or bound values."""

from __future__ import annotations

import errno
import sqlite3
import traceback
from collections.abc import Iterator
from pathlib import Path

from triage_tui.store import cipher
from triage_tui.untrusted import neutralise_line

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, the driver's error SQLAlchemy wrapped (`orig`), and what each was raised from or during."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [
            cause
            for cause in (getattr(current, "orig", None), current.__cause__, current.__context__)
            if isinstance(cause, BaseException)
        ]


def failure_line(error: BaseException, database: Path) -> str:
    """One line saying what went wrong with a command on the store at `database`.

    Never the error's whole text: SQLAlchemy's quotes the statement's bound values (decrypted reports), and an
    unexpected error's may quote anything. The driver's own message is SQLite's, which names no values.
    """
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno in _NO_SPACE:
            where = cause.filename or database.parent
            return f"disk full: no space left for {neutralise_line(str(where))}; what was stored before is kept"
        if isinstance(cause, sqlite3.Error | cipher.dbapi.Error):
            said = str(cause)
            if "disk is full" in said:
                return f"disk full: no space left in {database.parent} for the store; what was stored before is kept"
            if "database is locked" in said:
                return f"{database} stayed locked by another triage-tui process; try again when it has finished"
            return f"store error ({database}): {neutralise_line(said)[:200]}"
    return f"internal error: {type(error).__name__} at {_where(error)} (details withheld: they may quote report text)"


def _where(error: BaseException) -> str:
    """The file and line `error` was raised at (never its text)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"
