"""Holds the text of every schema migration, in order: how a store of any earlier version reaches `tables.py`."""

from __future__ import annotations

from collections.abc import Sequence

from triage_tui.store.migration_scripts_later import LATER_MIGRATIONS

# Each entry upgrades the schema from version N to N+1. Never edit a released entry: append a new one.
MIGRATIONS: Sequence[str] = (  # noqa: RUF005  (the first fourteen stay as they were written)
    # 1: the domain tables.
    """
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        year INTEGER NOT NULL,
        number INTEGER NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'new',
        disposition TEXT,
        disposition_reason TEXT,
        cvss_vector TEXT,
        cvss4_vector TEXT,
        assignee TEXT,
        embargo_until TIMESTAMP,
        duplicate_of TEXT REFERENCES cases(id),
        labels TEXT NOT NULL DEFAULT '[]',
        reporter TEXT NOT NULL DEFAULT '',
        reporter_email TEXT NOT NULL DEFAULT '',
        reporter_fingerprint TEXT,
        signature TEXT NOT NULL DEFAULT 'unsigned',
        received_at TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0,
        UNIQUE (year, number)
    );
    CREATE TABLE case_counters (year INTEGER PRIMARY KEY, last INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        source TEXT NOT NULL,
        source_key TEXT NOT NULL,
        message_id TEXT,
        in_reply_to TEXT,
        subject TEXT NOT NULL DEFAULT '',
        sender_name TEXT NOT NULL DEFAULT '',
        sender_email TEXT NOT NULL DEFAULT '',
        sent_at TIMESTAMP,
        received_at TIMESTAMP NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        unauthenticated_text TEXT NOT NULL DEFAULT '',
        html_parts INTEGER NOT NULL DEFAULT 0,
        encrypted BOOLEAN NOT NULL DEFAULT 0,
        decryption TEXT NOT NULL DEFAULT 'not-encrypted',
        signature TEXT NOT NULL DEFAULT 'unsigned',
        signer_fingerprint TEXT,
        signer_uids TEXT NOT NULL DEFAULT '[]',
        signature_scope TEXT NOT NULL DEFAULT 'none',
        warnings TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        content_hash TEXT NOT NULL,
        gone BOOLEAN NOT NULL DEFAULT 0,
        UNIQUE (source, source_key)
    );
    CREATE INDEX ix_messages_case ON messages(case_id, sent_at);
    CREATE INDEX ix_messages_message_id ON messages(message_id);
    CREATE INDEX ix_messages_content_hash ON messages(content_hash);
    CREATE INDEX ix_messages_signer ON messages(signer_fingerprint);
    CREATE INDEX ix_messages_sender ON messages(sender_email);
    CREATE TABLE raw_messages (
        message_pk INTEGER PRIMARY KEY REFERENCES messages(id),
        raw BLOB NOT NULL
    );
    CREATE TABLE message_refs (
        message_pk INTEGER NOT NULL REFERENCES messages(id),
        ref TEXT NOT NULL,
        PRIMARY KEY (message_pk, ref)
    );
    CREATE INDEX ix_message_refs_ref ON message_refs(ref);
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_pk INTEGER NOT NULL REFERENCES messages(id),
        filename TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE INDEX ix_attachments_message ON attachments(message_pk);
    CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        packages TEXT NOT NULL DEFAULT '[]',
        repository TEXT,
        security_contact TEXT,
        maintainers TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE impacts (
        case_id TEXT NOT NULL REFERENCES cases(id),
        project_id TEXT NOT NULL REFERENCES projects(id),
        status TEXT NOT NULL DEFAULT 'unknown',
        ranges TEXT NOT NULL DEFAULT '[]',
        fixed_version TEXT,
        justification TEXT,
        notes TEXT NOT NULL DEFAULT '',
        set_by TEXT,
        set_at TIMESTAMP,
        PRIMARY KEY (case_id, project_id)
    );
    CREATE INDEX ix_impacts_project ON impacts(project_id, status);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        author TEXT NOT NULL,
        at TIMESTAMP NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX ix_events_case ON events(case_id, at);
    CREATE TABLE sync_state (
        source TEXT NOT NULL,
        scope TEXT NOT NULL,
        cursor TEXT NOT NULL DEFAULT '{}',
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, scope)
    );
    """,
    # 2: search and the inbox. FTS5 over case titles and message text, kept in step by triggers and filled from
    # what version 1 already held; a covering index so the inbox reads a page without touching the table; and a
    # place for items that could not be taken in at all.
    """
    CREATE VIRTUAL TABLE message_fts USING fts5(
        subject, body, content='messages', content_rowid='id', tokenize='unicode61'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, body ON messages BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
        INSERT INTO message_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
    END;
    INSERT INTO message_fts(message_fts) VALUES ('rebuild');
    CREATE VIRTUAL TABLE case_fts USING fts5(
        title, content='cases', content_rowid='rowid', tokenize='unicode61'
    );
    CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
        INSERT INTO case_fts(rowid, title) VALUES (new.rowid, new.title);
    END;
    CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
        INSERT INTO case_fts(case_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
    END;
    CREATE TRIGGER cases_fts_update AFTER UPDATE OF title ON cases BEGIN
        INSERT INTO case_fts(case_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
        INSERT INTO case_fts(rowid, title) VALUES (new.rowid, new.title);
    END;
    INSERT INTO case_fts(case_fts) VALUES ('rebuild');
    CREATE INDEX ix_cases_inbox ON cases(
        received_at DESC, id DESC, title, state, disposition, reporter, reporter_email, updated_at, signature,
        message_count, embargo_until, cvss_vector, cvss4_vector
    );
    CREATE INDEX ix_cases_state ON cases(state, received_at DESC);
    CREATE TABLE intake_failures (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        source_key TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw BLOB NOT NULL,
        at TIMESTAMP NOT NULL,
        UNIQUE (source, source_key)
    );
    """,
    # 3: the outbox of replies to reporters. `raw` is the encrypted message exactly as it goes on the wire;
    # `to_address` lists every envelope recipient, comma-separated, the reporter first.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        to_address TEXT NOT NULL,
        subject TEXT NOT NULL,
        raw BLOB NOT NULL,
        created_at TIMESTAMP NOT NULL,
        author TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TIMESTAMP
    );
    CREATE INDEX ix_outbox_state ON outbox(state, id);
    CREATE INDEX ix_outbox_case ON outbox(case_id);
    """,
    # 4: search over notes and the inbox's "updated" order. Notes are events of kind 'note' ({"text": ...}); their
    # text goes into an FTS5 table beside the case id, kept in step by triggers and filled from the notes already
    # recorded. A payload that is not JSON indexes as empty rather than failing the write.
    """
    CREATE VIRTUAL TABLE note_fts USING fts5(text, case_id UNINDEXED, tokenize='unicode61');
    CREATE TRIGGER events_note_fts_insert AFTER INSERT ON events WHEN new.kind = 'note' BEGIN
        INSERT INTO note_fts(rowid, text, case_id) VALUES (
            new.id,
            CASE WHEN json_valid(new.payload) THEN coalesce(json_extract(new.payload, '$.text'), '') ELSE '' END,
            new.case_id
        );
    END;
    CREATE TRIGGER events_note_fts_delete AFTER DELETE ON events WHEN old.kind = 'note' BEGIN
        DELETE FROM note_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER events_note_fts_update AFTER UPDATE OF case_id, payload, kind ON events BEGIN
        DELETE FROM note_fts WHERE rowid = old.id;
        INSERT INTO note_fts(rowid, text, case_id) SELECT
            new.id,
            CASE WHEN json_valid(new.payload) THEN coalesce(json_extract(new.payload, '$.text'), '') ELSE '' END,
            new.case_id
        WHERE new.kind = 'note';
    END;
    INSERT INTO note_fts(rowid, text, case_id)
        SELECT id, CASE WHEN json_valid(payload) THEN coalesce(json_extract(payload, '$.text'), '') ELSE '' END,
            case_id
        FROM events WHERE kind = 'note';
    CREATE INDEX ix_cases_updated ON cases(updated_at DESC, id DESC);
    """,
    # 5: a small full-text index of the newest messages (those with an id at or above search_window.floor), beside
    # the index of all of them. A search's first page walks matches newest first, and FTS5 gathers every match of a
    # prefix ("instal*") before handing out the first; over a few thousand messages that costs a fraction of a
    # millisecond instead of 6-20 ms over 100k (see store/search_walk.py). Ingest moves the floor up.
    """
    CREATE VIRTUAL TABLE recent_fts USING fts5(subject, body, tokenize='unicode61');
    CREATE TABLE search_window (floor INTEGER NOT NULL);
    INSERT INTO search_window (floor) SELECT coalesce(max(id), 0) - 4095 FROM messages;
    CREATE TRIGGER messages_recent_insert AFTER INSERT ON messages
    WHEN new.id >= (SELECT floor FROM search_window) BEGIN
        INSERT INTO recent_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
    END;
    CREATE TRIGGER messages_recent_delete AFTER DELETE ON messages BEGIN
        DELETE FROM recent_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER messages_recent_update AFTER UPDATE OF subject, body ON messages BEGIN
        UPDATE recent_fts SET subject = new.subject, body = new.body WHERE rowid = old.id;
    END;
    INSERT INTO recent_fts(rowid, subject, body)
        SELECT id, subject, body FROM messages WHERE id >= (SELECT floor FROM search_window);
    """,
    # 6: one advisory draft per case: the record as JSON (advisories/record.py), who saved it last and when.
    # Saving also records an 'advisory' event, in the same transaction, so the timeline shows it.
    """
    CREATE TABLE advisories (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        record TEXT NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        updated_by TEXT NOT NULL
    );
    """,
    # 7: the GitHub API source. `github_advisories` keeps each repository advisory as last synced (the whole object,
    # JSON), so a later sync can tell GitHub's changes from local ones; `advisory_pushes` is the outbox of draft
    # updates to send to each repository's advisory, retried until sent or refused.
    """
    CREATE TABLE github_advisories (
        source TEXT NOT NULL,
        ghsa_id TEXT NOT NULL,
        repository TEXT NOT NULL,
        case_id TEXT NOT NULL REFERENCES cases(id),
        remote TEXT NOT NULL,
        state TEXT NOT NULL,
        remote_updated_at TEXT,
        synced_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, ghsa_id)
    );
    CREATE INDEX ix_github_advisories_case ON github_advisories(case_id);
    CREATE TABLE advisory_pushes (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        source TEXT NOT NULL,
        repository TEXT NOT NULL,
        ghsa_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TIMESTAMP NOT NULL,
        author TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TIMESTAMP
    );
    CREATE INDEX ix_advisory_pushes_state ON advisory_pushes(state, id);
    """,
    # 8: team events (DESIGN section 5): every decision as the canonical bytes coordinators and maintainers exchange,
    # made here (`origin` local, `sent` once it has gone out) or received (applied, or rejected with the reason and
    # kept for the rejected-events view). The case's fields are recomputed from its applied events. `signed` is the
    # author's signed form, kept so the case's history can be re-encrypted to people it is shared with later;
    # `team_shares` says who has been sent a case (its report and history).
    """
    CREATE TABLE team_events (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        author TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        signed BLOB,
        origin TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        signer TEXT,
        sent INTEGER NOT NULL DEFAULT 0,
        received_at TIMESTAMP NOT NULL
    );
    CREATE INDEX ix_team_events_case ON team_events(case_id, status);
    CREATE INDEX ix_team_events_outgoing ON team_events(origin, sent);
    CREATE TABLE team_shares (
        case_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        shared_at TIMESTAMP NOT NULL,
        PRIMARY KEY (case_id, fingerprint)
    );
    """,
    # 9: signing keys pinned on first use: the first key that signs for an address (a reporter's From that the key's
    # UIDs name, a team member's key UID) is pinned; another key for it is a change, flagged until a coordinator
    # accepts it. Pins are seeded from the messages already here, oldest first; later keys among them are flagged.
    """
    CREATE TABLE key_pins (
        address TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        role TEXT NOT NULL,
        pinned_at TIMESTAMP NOT NULL
    );
    CREATE TABLE key_changes (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL,
        role TEXT NOT NULL,
        old_fingerprint TEXT NOT NULL,
        new_fingerprint TEXT NOT NULL,
        case_id TEXT,
        seen_at TIMESTAMP NOT NULL,
        accepted_by TEXT,
        accepted_at TIMESTAMP
    );
    CREATE UNIQUE INDEX ux_key_changes_pending ON key_changes(address, new_fingerprint) WHERE accepted_at IS NULL;
    INSERT OR IGNORE INTO key_pins (address, fingerprint, role, pinned_at)
        SELECT lower(sender_email), signer_fingerprint, 'reporter', received_at FROM messages
        WHERE signature = 'good' AND signer_fingerprint IS NOT NULL AND sender_email <> ''
            AND instr(lower(signer_uids), '<' || lower(sender_email) || '>') > 0
        ORDER BY coalesce(sent_at, received_at), id;
    INSERT OR IGNORE INTO key_changes (address, role, old_fingerprint, new_fingerprint, case_id, seen_at)
        SELECT p.address, 'reporter', p.fingerprint, m.signer_fingerprint, m.case_id, m.received_at
        FROM messages m JOIN key_pins p ON p.address = lower(m.sender_email)
        WHERE m.signature = 'good' AND m.signer_fingerprint <> p.fingerprint
            AND instr(lower(m.signer_uids), '<' || lower(m.sender_email) || '>') > 0
        ORDER BY coalesce(m.sent_at, m.received_at), m.id;
    """,
    # 10: what each case is to the team (`ref`: its first message's Message-ID or content hash), since each
    # workstation numbers its own cases; a received event's `case_id` is the case here it is about, or `?` and the
    # author's id while no case here is that report (its events wait until it is shared).
    """
    CREATE TABLE team_cases (
        ref TEXT PRIMARY KEY,
        case_id TEXT NOT NULL UNIQUE
    );
    ALTER TABLE team_events ADD COLUMN ref TEXT;
    CREATE INDEX ix_team_events_ref ON team_events(ref);
    """,
    # 11: the signed roster (issue 17): roster events are team events of the reserved case `roster` (never a case);
    # `rejection` names the rule that refused a received event (`envelope.Rejection`), so those refused by a rule the
    # roster decides (no role, a revoked key, a key not here yet) are judged again when the roster changes.
    """
    ALTER TABLE team_events ADD COLUMN rejection TEXT;
    CREATE INDEX ix_team_events_rejection ON team_events(rejection) WHERE rejection IS NOT NULL;
    """,
    # 12: recomputing a case reads its applied events' order (time, author, id) at every round of a team sync: the
    # index holds it, so those reads no longer visit the table's rows (which carry the events' bytes).
    """
    DROP INDEX ix_team_events_case;
    CREATE INDEX ix_team_events_case ON team_events(case_id, status, at, author, id);
    """,
    # 13: cases shared with this workstation before shared cases had their own verdict word were stored "unsigned";
    # a case every message of which came with a share (source `team`, keyed by the share event's id) reads "shared".
    """
    UPDATE cases SET signature = 'shared' WHERE signature = 'unsigned'
        AND EXISTS (SELECT 1 FROM messages m WHERE m.case_id = cases.id)
        AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.case_id = cases.id
            AND NOT (m.source = 'team'
                AND substr(m.source_key, 1, length(m.content_hash) + 1) = m.content_hash || ':'));
    """,
    # 14: the events by report are looked up only among those waiting for their case (`?`...), and the events by
    # origin only among the local ones (to send): each index holds those alone, so the thousands of events a sync
    # applies at once no longer each add an entry to them.
    """
    DROP INDEX ix_team_events_ref;
    CREATE INDEX ix_team_events_ref ON team_events(ref) WHERE substr(case_id, 1, 1) = '?';
    DROP INDEX ix_team_events_outgoing;
    CREATE INDEX ix_team_events_outgoing ON team_events(origin, sent) WHERE origin = 'local';
    """,
) + LATER_MIGRATIONS
