"""Declares the store's schema once: every table, column, type, default, key and index, as SQLModel classes.

The versioned migrations (`migration_scripts.py`) are how an existing store reaches this schema; the test
tests/test_schema_declaration.py builds one store each way and proves they are identical. The full-text tables and
their triggers are SQL text (`search_ddl.py`) attached to the same metadata. Importing this module imports
SQLAlchemy and SQLModel (about half a second), so the DB-API read path (the inbox at start, a no-change sync) never
imports it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Column, Index, Integer, Table, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from triage_tui.store.columns import blob, default, row_id, text_key
from triage_tui.store.search_ddl import SEARCH_DDL


class CaseRow(SQLModel, table=True):
    """One case: a report and everything that follows it."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: str = text_key()
    year: int
    number: int
    title: str
    state: str = default("new")
    disposition: str | None = None
    disposition_reason: str | None = None
    cvss_vector: str | None = None
    cvss4_vector: str | None = None
    assignee: str | None = None
    embargo_until: datetime | None = None
    duplicate_of: str | None = Field(default=None, foreign_key="cases.id")
    labels: str = default("[]")
    reporter: str = default("")
    reporter_email: str = default("")
    reporter_fingerprint: str | None = None
    signature: str = default("unsigned")
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    message_count: int = default(0)


class CaseCounterRow(SQLModel, table=True):
    """The last case number given out per year."""

    __tablename__ = "case_counters"

    year: int = Field(primary_key=True)
    last: int = default(0)


class MessageRow(SQLModel, table=True):
    """One message of a case's thread, with its crypto verdict."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: int = row_id()
    case_id: str = Field(foreign_key="cases.id")
    source: str
    source_key: str
    message_id: str | None = None
    in_reply_to: str | None = None
    subject: str = default("")
    sender_name: str = default("")
    sender_email: str = default("")
    sent_at: datetime | None = None
    received_at: datetime
    body: str = default("")
    unauthenticated_text: str = default("")
    html_parts: int = default(0)
    encrypted: bool = default(False)
    decryption: str = default("not-encrypted")
    signature: str = default("unsigned")
    signer_fingerprint: str | None = None
    signer_uids: str = default("[]")
    signature_scope: str = default("none")
    warnings: str = default("[]")
    error: str | None = None
    content_hash: str
    gone: bool = default(False)


class RawMessageRow(SQLModel, table=True):
    """The untouched bytes of a message, kept so it can be processed again when a key arrives."""

    __tablename__ = "raw_messages"

    message_pk: int = Field(primary_key=True, foreign_key="messages.id")
    raw: bytes = blob()


class MessageRefRow(SQLModel, table=True):
    """A Message-ID that a message points to (In-Reply-To or References), for threading."""

    __tablename__ = "message_refs"

    message_pk: int = Field(primary_key=True, foreign_key="messages.id")
    ref: str = Field(primary_key=True)


class AttachmentRow(SQLModel, table=True):
    """A file that came with a message: stored, never opened."""

    __tablename__ = "attachments"

    id: int = row_id()
    message_pk: int = Field(foreign_key="messages.id")
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes = blob()


class ProjectRow(SQLModel, table=True):
    """A packaging project from the config file."""

    __tablename__ = "projects"

    id: str = text_key()
    name: str
    packages: str = default("[]")
    repository: str | None = None
    security_contact: str | None = None
    maintainers: str = default("[]")


class ImpactRow(SQLModel, table=True):
    """One cell of the impact matrix: case x project."""

    __tablename__ = "impacts"

    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    project_id: str = Field(primary_key=True, foreign_key="projects.id")
    status: str = default("unknown")
    ranges: str = default("[]")
    fixed_version: str | None = None
    justification: str | None = None
    notes: str = default("")
    set_by: str | None = None
    set_at: datetime | None = None


class EventRow(SQLModel, table=True):
    """One triage decision: who, when, what; the case's audit log."""

    __tablename__ = "events"

    id: int = row_id()
    case_id: str = Field(foreign_key="cases.id")
    author: str
    at: datetime
    kind: str
    payload: str = default("{}")


class SyncStateRow(SQLModel, table=True):
    """A source's cursor for one scope (a folder, a repository), saved with the items it covers."""

    __tablename__ = "sync_state"

    source: str = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    cursor: str = default("{}")
    updated_at: datetime


class IntakeFailureRow(SQLModel, table=True):
    """An item that could not be turned into a message, kept with its reason for inspection."""

    __tablename__ = "intake_failures"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: int = row_id()
    source: str
    source_key: str
    reason: str
    raw: bytes = blob()
    at: datetime


class OutboxRow(SQLModel, table=True):
    """A reply to a reporter, encrypted and signed, waiting for SMTP (queued), sent, or failed (retried)."""

    __tablename__ = "outbox"

    id: int = row_id()
    case_id: str = Field(foreign_key="cases.id")
    to_address: str
    subject: str
    raw: bytes = blob()
    created_at: datetime
    author: str
    state: str = default("queued")
    attempts: int = default(0)
    last_error: str | None = None
    sent_at: datetime | None = None


class AdvisoryRow(SQLModel, table=True):
    """The advisory draft of one case, as the record's JSON."""

    __tablename__ = "advisories"

    case_id: str = text_key(foreign_key="cases.id")
    record: str
    updated_at: datetime
    updated_by: str


class GithubAdvisoryRow(SQLModel, table=True):
    """A repository advisory as last synced from a GitHub source, and the case it belongs to."""

    __tablename__ = "github_advisories"

    source: str = Field(primary_key=True)
    ghsa_id: str = Field(primary_key=True)
    repository: str
    case_id: str = Field(foreign_key="cases.id")
    remote: str
    state: str
    remote_updated_at: str | None = None
    synced_at: datetime


class AdvisoryPushRow(SQLModel, table=True):
    """A draft update waiting to go to a repository advisory (the API outbox)."""

    __tablename__ = "advisory_pushes"

    id: int = row_id()
    case_id: str = Field(foreign_key="cases.id")
    source: str
    repository: str
    ghsa_id: str
    body: str
    created_at: datetime
    author: str
    state: str = default("queued")
    attempts: int = default(0)
    last_error: str | None = None
    sent_at: datetime | None = None


class TeamEventRow(SQLModel, table=True):
    """A team event made here or received: its canonical bytes, and whether it was applied or why not."""

    __tablename__ = "team_events"

    id: str = text_key()
    case_id: str
    author: str
    at: str
    kind: str
    body: bytes = blob()
    signed: bytes | None = blob(nullable=True)
    origin: str
    status: str
    reason: str | None = None
    signer: str | None = None
    sent: int = default(0)
    received_at: datetime
    ref: str | None = None
    rejection: str | None = None


class TeamShareRow(SQLModel, table=True):
    """Who a case (its report and history) has been shared with."""

    __tablename__ = "team_shares"

    case_id: str = Field(primary_key=True)
    fingerprint: str = Field(primary_key=True)
    shared_at: datetime


class TeamCaseRow(SQLModel, table=True):
    """What a case is to the team (`ref`: its first message's Message-ID or content hash), since each workstation
    numbers its own cases."""

    __tablename__ = "team_cases"

    ref: str = text_key()
    case_id: str = Field(unique=True)


class KeyPinRow(SQLModel, table=True):
    """The key an address is pinned to: the first seen signing for it."""

    __tablename__ = "key_pins"

    address: str = text_key()
    fingerprint: str
    role: str
    pinned_at: datetime


class KeyChangeRow(SQLModel, table=True):
    """Another key seen signing for a pinned address, flagged until a coordinator accepts it."""

    __tablename__ = "key_changes"

    id: int = row_id()
    address: str
    role: str
    old_fingerprint: str
    new_fingerprint: str
    case_id: str | None = None
    seen_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


# Core table objects for bulk inserts and hand-shaped queries.
CASES = _table(CaseRow)
MESSAGES = _table(MessageRow)
RAW_MESSAGES = _table(RawMessageRow)
MESSAGE_REFS = _table(MessageRefRow)
ATTACHMENTS = _table(AttachmentRow)
PROJECTS = _table(ProjectRow)
IMPACTS = _table(ImpactRow)
EVENTS = _table(EventRow)
SYNC_STATE = _table(SyncStateRow)
INTAKE_FAILURES = _table(IntakeFailureRow)
CASE_COUNTERS = _table(CaseCounterRow)
OUTBOX = _table(OutboxRow)
ADVISORIES = _table(AdvisoryRow)
GITHUB_ADVISORIES = _table(GithubAdvisoryRow)
ADVISORY_PUSHES = _table(AdvisoryPushRow)
TEAM_EVENTS = _table(TeamEventRow)
TEAM_SHARES = _table(TeamShareRow)
TEAM_CASES = _table(TeamCaseRow)
KEY_PINS = _table(KeyPinRow)
KEY_CHANGES = _table(KeyChangeRow)
SEARCH_WINDOW = Table("search_window", SQLModel.metadata, Column("floor", Integer, nullable=False))
"""The lowest message id the small search index (recent_fts) holds; one row, no key."""

# Indexes: the inbox's covering index and its other orders, and each lookup a read or a sync makes.
Index(
    "ix_cases_inbox",
    CASES.c.received_at.desc(), CASES.c.id.desc(), CASES.c.title, CASES.c.state, CASES.c.disposition,
    CASES.c.reporter, CASES.c.reporter_email, CASES.c.updated_at, CASES.c.signature, CASES.c.message_count,
    CASES.c.embargo_until, CASES.c.cvss_vector, CASES.c.cvss4_vector,
)  # fmt: skip
Index("ix_cases_state", CASES.c.state, CASES.c.received_at.desc())
Index("ix_cases_updated", CASES.c.updated_at.desc(), CASES.c.id.desc())
Index("ix_messages_case", MESSAGES.c.case_id, MESSAGES.c.sent_at)
Index("ix_messages_message_id", MESSAGES.c.message_id)
Index("ix_messages_content_hash", MESSAGES.c.content_hash)
Index("ix_messages_signer", MESSAGES.c.signer_fingerprint)
Index("ix_messages_sender", MESSAGES.c.sender_email)
Index("ix_message_refs_ref", MESSAGE_REFS.c.ref)
Index("ix_attachments_message", ATTACHMENTS.c.message_pk)
Index("ix_impacts_project", IMPACTS.c.project_id, IMPACTS.c.status)
Index("ix_events_case", EVENTS.c.case_id, EVENTS.c.at)
Index("ix_outbox_state", OUTBOX.c.state, OUTBOX.c.id)
Index("ix_outbox_case", OUTBOX.c.case_id)
Index("ix_github_advisories_case", GITHUB_ADVISORIES.c.case_id)
Index("ix_advisory_pushes_state", ADVISORY_PUSHES.c.state, ADVISORY_PUSHES.c.id)
Index(
    "ix_team_events_case",
    TEAM_EVENTS.c.case_id,
    TEAM_EVENTS.c.status,
    TEAM_EVENTS.c.at,
    TEAM_EVENTS.c.author,
    TEAM_EVENTS.c.id,
)
Index("ix_team_events_outgoing", TEAM_EVENTS.c.origin, TEAM_EVENTS.c.sent, sqlite_where=text("origin = 'local'"))
Index("ix_team_events_ref", TEAM_EVENTS.c.ref, sqlite_where=text("substr(case_id, 1, 1) = '?'"))
Index("ix_team_events_rejection", TEAM_EVENTS.c.rejection, sqlite_where=TEAM_EVENTS.c.rejection.isnot(None))
Index(
    "ux_key_changes_pending",
    KEY_CHANGES.c.address,
    KEY_CHANGES.c.new_fingerprint,
    unique=True,
    sqlite_where=KEY_CHANGES.c.accepted_at.is_(None),
)

for _statement in SEARCH_DDL:
    event.listen(SQLModel.metadata, "after_create", DDL(_statement))  # type: ignore[no-untyped-call]

# The kept advisory records are declared in their own module; importing it here puts them in the same metadata.
from triage_tui.store import record_tables as _record_tables  # noqa: E402, F401
