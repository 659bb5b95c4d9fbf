"""Declares how the store's columns are spelled, so the SQLModel declaration renders the migrations' exact DDL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Integer, LargeBinary, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.compiler import DDLCompiler, TypeCompiler
from sqlmodel import AutoString, Field


@compiles(AutoString, "sqlite")
def _text_type(_type: AutoString, _compiler: TypeCompiler, **_options: object) -> str:
    return "TEXT"  # as the migrations declare text columns (SQLModel's default would say VARCHAR)


@compiles(DateTime, "sqlite")
def _timestamp_type(_type: DateTime, _compiler: TypeCompiler, **_options: object) -> str:
    return "TIMESTAMP"  # as the migrations declare times; SQLAlchemy stores them as naive UTC text either way


# The field factories return Any, as `sqlmodel.Field` does, so a model can declare `state: str = default("new")`.
def default(value: str | int) -> Any:
    """A default the database applies itself (DEFAULT in its DDL), and the model too."""
    server = text(str(int(value))) if isinstance(value, int) else value
    return Field(default=value, sa_column_kwargs={"server_default": server})


@compiles(CreateColumn, "sqlite")
def _rowid_column(create: CreateColumn, compiler: DDLCompiler, **options: object) -> str:
    spec: str = compiler.visit_create_column(create, **options)  # type: ignore[no-untyped-call]
    column = create.element
    if column.primary_key and isinstance(column.type, Integer) and len(column.table.primary_key.columns) == 1:
        # An INTEGER PRIMARY KEY is SQLite's rowid, never NULL: the migrations declare it without NOT NULL.
        return spec.replace(" NOT NULL", "")
    return spec


def row_id() -> Any:
    """An INTEGER PRIMARY KEY (SQLite's rowid), given by the database on insert: every stored row has one, so the
    field is typed `int` though it is None on a row not inserted yet."""
    return Field(default=None, primary_key=True)


def text_key(**options: Any) -> Any:
    """A TEXT PRIMARY KEY declared as the migrations do, without NOT NULL (SQLite then allows NULL in it)."""
    return Field(primary_key=True, nullable=True, **options)


def blob(*, nullable: bool = False) -> Any:
    """Bytes kept as a BLOB."""
    return Field(default=None if nullable else ..., sa_column=Column(LargeBinary, nullable=nullable))
