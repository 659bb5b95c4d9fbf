"""Tests that the schema is declared once: a store built by the migrations is exactly the SQLModel declaration."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from triage_tui.store import tables
from triage_tui.store.migrations import migrate

Schema = dict[tuple[str, str], Any]


def _normalised(sql: str) -> str:
    """SQL text compared without its layout: runs of blanks are one space, none next to punctuation."""
    flat = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r" ?([(),;]) ?", r"\1", flat)


def _indexes(connection: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    """Each index of `table`: explicit ones by name, SQLite's own (keys, UNIQUE) by what they cover."""
    found = []
    for _seq, name, unique, origin, partial in connection.execute(f"PRAGMA index_list('{table}')"):
        columns = [
            (column, desc, collation)
            for _n, _cid, column, desc, collation, key in connection.execute(f"PRAGMA index_xinfo('{name}')")
            if key
        ]
        where = ""
        if partial:
            sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
            where = _normalised(sql.partition(" WHERE ")[2])
        found.append((name if origin == "c" else origin, unique, partial, columns, where))
    return sorted(found, key=repr)


def schema_of(path: Path) -> Schema:
    """Everything a store's schema holds: for each table its columns (name, type, NOT NULL, default, key), foreign
    keys and indexes; for virtual tables and triggers their SQL."""
    connection = sqlite3.connect(path)
    try:
        schema: Schema = {}
        for kind, name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"):
            if kind == "table" and not sql.startswith("CREATE VIRTUAL"):
                columns = [row[1:] for row in connection.execute(f"PRAGMA table_info('{name}')")]
                keys = sorted(row[2:] for row in connection.execute(f"PRAGMA foreign_key_list('{name}')"))
                schema[kind, name] = (columns, keys, _indexes(connection, name))
            elif kind != "index":  # indexes are compared with their table
                schema[kind, name] = _normalised(sql)
        return schema
    finally:
        connection.close()


def migrated_store(path: Path) -> Path:
    connection = sqlite3.connect(path)
    migrate(connection)
    connection.close()
    return path


def declared_store(path: Path) -> Path:
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return path


def test_the_migrations_build_exactly_the_declared_schema(tmp_path: Path) -> None:
    migrated = schema_of(migrated_store(tmp_path / "migrated.db"))
    declared = schema_of(declared_store(tmp_path / "declared.db"))
    assert sorted(migrated) == sorted(declared)
    for item, shape in migrated.items():
        assert shape == declared[item], item


def test_every_table_of_the_store_is_declared(tmp_path: Path) -> None:
    migrated = schema_of(migrated_store(tmp_path / "migrated.db"))
    shadow = re.compile(r"_(data|idx|docsize|config|content)$")
    stored = {name for kind, name in migrated if kind == "table" and not shadow.search(name)}
    virtual = {name for kind, name in migrated if kind == "table" and isinstance(migrated[kind, name], str)}
    assert stored - virtual == set(SQLModel.metadata.tables)
    assert tables.KEY_CHANGES.name in stored


def test_a_drift_on_either_side_is_caught(tmp_path: Path) -> None:
    """The comparison notices one changed default, one more column, one missing index."""
    declared = schema_of(declared_store(tmp_path / "declared.db"))
    for number, drift in enumerate(
        (
            "ALTER TABLE cases ADD COLUMN severity TEXT",
            "DROP INDEX ix_cases_updated",
            "DROP TRIGGER messages_recent_update",
            "CREATE INDEX ix_extra ON outbox(subject)",
        )
    ):
        path = migrated_store(tmp_path / f"drifted-{number}.db")
        connection = sqlite3.connect(path)
        connection.execute(drift)
        connection.commit()
        connection.close()
        assert schema_of(path) != declared, drift
