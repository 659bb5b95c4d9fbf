"""Holds the text of the schema migrations after the fourteenth, in order (`migration_scripts.py` holds the first
fourteen and appends these)."""

from __future__ import annotations

# Each entry upgrades the schema from version N to N+1. Never edit a released entry: append a new one.
LATER_MIGRATIONS: tuple[str, ...] = (
    # 15: every record imported into a case is kept under its own id (issue 19): records of one flaw from several
    # databases or packages share an alias and join one case instead of being refused. `advisory_record_ids` holds
    # each kept record's own id and aliases, so the case of any of them is one index lookup.
    """
    CREATE TABLE advisory_records (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        format TEXT NOT NULL,
        record TEXT NOT NULL,
        digest TEXT NOT NULL,
        imported_at TIMESTAMP NOT NULL
    );
    CREATE INDEX ix_advisory_records_case ON advisory_records(case_id);
    CREATE INDEX ix_advisory_records_digest ON advisory_records(digest);
    CREATE TABLE advisory_record_ids (
        alias TEXT NOT NULL,
        record_id TEXT NOT NULL REFERENCES advisory_records(id),
        PRIMARY KEY (alias, record_id)
    );
    CREATE INDEX ix_advisory_record_ids_record ON advisory_record_ids(record_id);
    """,
)
