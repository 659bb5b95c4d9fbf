"""Provides what a sync reads before it writes: stored cursors and known item keys, on a plain sqlite3 connection.

A no-change sync needs only these, so it never imports SQLAlchemy (about half a second of start-up).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage_tui.config import Project


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


def projects_stored(connection: sqlite3.Connection, projects: Sequence[Project]) -> bool:
    """Whether every project of the config is in the store as it is configured (so there is nothing to write)."""
    rows = {
        row[0]: tuple(row[1:])
        for row in connection.execute(
            "SELECT id, name, packages, repository, security_contact, maintainers FROM projects"
        )
    }
    return all(
        rows.get(p.id)
        == (p.name, json.dumps(list(p.packages)), p.repository, p.security_contact, json.dumps(list(p.maintainers)))
        for p in projects
    )
