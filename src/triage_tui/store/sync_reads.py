"""Provides what a sync reads before it writes: stored cursors and known item keys, on a plain sqlite3 connection.

A no-change sync needs only these, so it never imports SQLAlchemy (about half a second of start-up).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def load_cursors(connection: sqlite3.Connection, source: str) -> dict[str, dict[str, Any]]:
    """Every stored cursor of `source`, by scope."""
    rows = connection.execute("SELECT scope, cursor FROM sync_state WHERE source = ?", (source,)).fetchall()
    return {scope: json.loads(cursor) for scope, cursor in rows}


def known_source_keys(connection: sqlite3.Connection, source: str) -> set[str]:
    """Every item key of `source` already stored as a message or a failure."""
    keys = {row[0] for row in connection.execute("SELECT source_key FROM messages WHERE source = ?", (source,))}
    keys.update(
        row[0] for row in connection.execute("SELECT source_key FROM intake_failures WHERE source = ?", (source,))
    )
    return keys


def pending_outbox(connection: sqlite3.Connection) -> int:
    """How many replies wait to be sent (queued, or failed last time and to be retried)."""
    row = connection.execute("SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'failed')").fetchone()
    return int(row[0])
