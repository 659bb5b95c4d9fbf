"""Declares the store's full-text search schema (FTS5 tables and the triggers keeping them in step) as SQL text.

SQLAlchemy cannot describe FTS5 virtual tables or triggers, so `tables.py` attaches these statements to the
declared metadata; the migrations that created them (2, 4, 5) keep their own text, and
tests/test_schema_declaration.py proves the two build the same schema.
"""

from __future__ import annotations

SEARCH_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "subject, body, content='messages', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO message_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, old.body); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, body ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, old.body); "
    "INSERT INTO message_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body); END",
    "CREATE VIRTUAL TABLE case_fts USING fts5(title, content='cases', content_rowid='rowid', tokenize='unicode61')",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO case_fts(rowid, title) VALUES (new.rowid, new.title); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO case_fts(case_fts, rowid, title) VALUES ('delete', old.rowid, old.title); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF title ON cases BEGIN "
    "INSERT INTO case_fts(case_fts, rowid, title) VALUES ('delete', old.rowid, old.title); "
    "INSERT INTO case_fts(rowid, title) VALUES (new.rowid, new.title); END",
    "CREATE VIRTUAL TABLE note_fts USING fts5(text, case_id UNINDEXED, tokenize='unicode61')",
    # A note's text; a payload that is not JSON indexes as empty rather than failing the write.
    "CREATE TRIGGER events_note_fts_insert AFTER INSERT ON events WHEN new.kind = 'note' BEGIN "
    "INSERT INTO note_fts(rowid, text, case_id) VALUES (new.id, "
    "CASE WHEN json_valid(new.payload) THEN coalesce(json_extract(new.payload, '$.text'), '') ELSE '' END, "
    "new.case_id); END",
    "CREATE TRIGGER events_note_fts_delete AFTER DELETE ON events WHEN old.kind = 'note' BEGIN "
    "DELETE FROM note_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER events_note_fts_update AFTER UPDATE OF case_id, payload, kind ON events BEGIN "
    "DELETE FROM note_fts WHERE rowid = old.id; "
    "INSERT INTO note_fts(rowid, text, case_id) SELECT new.id, "
    "CASE WHEN json_valid(new.payload) THEN coalesce(json_extract(new.payload, '$.text'), '') ELSE '' END, new.case_id "
    "WHERE new.kind = 'note'; END",
    # The newest messages' small index (see store/search_walk.py); ingest moves search_window.floor up.
    "CREATE VIRTUAL TABLE recent_fts USING fts5(subject, body, tokenize='unicode61')",
    "INSERT INTO search_window (floor) VALUES (-4095)",
    "CREATE TRIGGER messages_recent_insert AFTER INSERT ON messages "
    "WHEN new.id >= (SELECT floor FROM search_window) BEGIN "
    "INSERT INTO recent_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body); END",
    "CREATE TRIGGER messages_recent_delete AFTER DELETE ON messages BEGIN "
    "DELETE FROM recent_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER messages_recent_update AFTER UPDATE OF subject, body ON messages BEGIN "
    "UPDATE recent_fts SET subject = new.subject, body = new.body WHERE rowid = old.id; END",
)
"""Run in order after the declared tables are created."""
