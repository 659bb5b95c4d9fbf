"""Provides naming what went wrong in the store from an error a command ended with: a full disk, a lock another
process held, or SQLite's own message, never the statement's bound values (decrypted reports)."""

from __future__ import annotations

import errno
import sqlite3
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


def store_failure(error: BaseException, database: Path) -> str | None:
    """One line naming the store's problem behind `error` (a command on the store at `database`); None if the
    store's driver and the disk had no part in it.

    Never SQLAlchemy's text, which quotes the statement's bound values; the driver's own message is SQLite's, which
    names no values."""
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
    return None
