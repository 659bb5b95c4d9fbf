"""Provides writing the config's projects into the store (the matrix's columns and the packages they cover)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from triage_tui.config import Project
from triage_tui.store.tables import PROJECTS


def write_projects(connection: Connection, projects: Iterable[Project]) -> None:
    """Make the projects table match the config (projects are defined there, not in the store), in the caller's
    transaction."""
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "packages": json.dumps(list(p.packages)),
            "repository": p.repository,
            "security_contact": p.security_contact,
            "maintainers": json.dumps(list(p.maintainers)),
        }
        for p in projects
    ]
    if not rows:
        return
    statement = sqlite_insert(PROJECTS)
    statement = statement.on_conflict_do_update(
        index_elements=[PROJECTS.c.id],
        set_={c: statement.excluded[c] for c in ("name", "packages", "repository", "security_contact", "maintainers")},
    )
    connection.execute(statement, rows)
