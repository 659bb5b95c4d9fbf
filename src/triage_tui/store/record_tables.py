"""Declares the tables of kept advisory records (each record imported into a case, under its own id, and the ids it
is known by), beside the rest of the schema in `tables.py`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from triage_tui.store.columns import text_key


class AdvisoryRecordRow(SQLModel, table=True):
    """One record imported into a case, as the record's JSON, with the digest of the file it came from."""

    __tablename__ = "advisory_records"

    id: str = text_key()
    case_id: str = Field(foreign_key="cases.id")
    format: str
    record: str
    digest: str
    imported_at: datetime


class AdvisoryRecordIdRow(SQLModel, table=True):
    """One id a kept record is known by: its own id or one of its aliases."""

    __tablename__ = "advisory_record_ids"

    alias: str = Field(primary_key=True)
    record_id: str = Field(primary_key=True, foreign_key="advisory_records.id")


ADVISORY_RECORDS = AdvisoryRecordRow.__table__  # type: ignore[attr-defined]
ADVISORY_RECORD_IDS = AdvisoryRecordIdRow.__table__  # type: ignore[attr-defined]
Index("ix_advisory_records_case", ADVISORY_RECORDS.c.case_id)
Index("ix_advisory_records_digest", ADVISORY_RECORDS.c.digest)
Index("ix_advisory_record_ids_record", ADVISORY_RECORD_IDS.c.record_id)
