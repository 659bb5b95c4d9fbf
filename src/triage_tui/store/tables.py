"""Provides the SQLModel tables; their DDL lives in `migrations.py`, and a test keeps the two in step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Table
from sqlmodel import Field, SQLModel


class CaseRow(SQLModel, table=True):
    """One case: a report and everything that follows it."""

    __tablename__ = "cases"

    id: str = Field(primary_key=True)
    year: int
    number: int
    title: str
    state: str = "new"
    disposition: str | None = None
    disposition_reason: str | None = None
    cvss_vector: str | None = None
    cvss4_vector: str | None = None
    assignee: str | None = None
    embargo_until: datetime | None = None
    duplicate_of: str | None = None
    labels: str = "[]"
    reporter: str = ""
    reporter_email: str = ""
    reporter_fingerprint: str | None = None
    signature: str = "unsigned"
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    message_count: int = 0


class MessageRow(SQLModel, table=True):
    """One message of a case's thread, with its crypto verdict."""

    __tablename__ = "messages"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    source: str
    source_key: str
    message_id: str | None = None
    in_reply_to: str | None = None
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    sent_at: datetime | None = None
    received_at: datetime
    body: str = ""
    unauthenticated_text: str = ""
    html_parts: int = 0
    encrypted: bool = False
    decryption: str = "not-encrypted"
    signature: str = "unsigned"
    signer_fingerprint: str | None = None
    signer_uids: str = "[]"
    signature_scope: str = "none"
    warnings: str = "[]"
    error: str | None = None
    content_hash: str
    gone: bool = False


class RawMessageRow(SQLModel, table=True):
    """The untouched bytes of a message, kept so it can be processed again when a key arrives."""

    __tablename__ = "raw_messages"

    message_pk: int = Field(primary_key=True, foreign_key="messages.id")
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MessageRefRow(SQLModel, table=True):
    """A Message-ID that a message points to (In-Reply-To or References), for threading."""

    __tablename__ = "message_refs"

    message_pk: int = Field(primary_key=True, foreign_key="messages.id")
    ref: str = Field(primary_key=True)


class AttachmentRow(SQLModel, table=True):
    """A file that came with a message: stored, never opened."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id")
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ProjectRow(SQLModel, table=True):
    """A packaging project from the config file."""

    __tablename__ = "projects"

    id: str = Field(primary_key=True)
    name: str
    packages: str = "[]"
    repository: str | None = None
    security_contact: str | None = None
    maintainers: str = "[]"


class ImpactRow(SQLModel, table=True):
    """One cell of the impact matrix: case x project."""

    __tablename__ = "impacts"

    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    project_id: str = Field(primary_key=True, foreign_key="projects.id")
    status: str = "unknown"
    ranges: str = "[]"
    fixed_version: str | None = None
    justification: str | None = None
    notes: str = ""
    set_by: str | None = None
    set_at: datetime | None = None


class EventRow(SQLModel, table=True):
    """One triage decision: who, when, what; the case's audit log."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    author: str
    at: datetime
    kind: str
    payload: str = "{}"


class SyncStateRow(SQLModel, table=True):
    """A source's cursor for one scope (a folder, a repository), saved with the items it covers."""

    __tablename__ = "sync_state"

    source: str = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    cursor: str = "{}"
    updated_at: datetime


class IntakeFailureRow(SQLModel, table=True):
    """An item that could not be turned into a message, kept with its reason for inspection."""

    __tablename__ = "intake_failures"

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_key: str
    reason: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at: datetime


class CaseCounterRow(SQLModel, table=True):
    """The last case number given out per year."""

    __tablename__ = "case_counters"

    year: int = Field(primary_key=True)
    last: int = 0


class OutboxRow(SQLModel, table=True):
    """A reply to a reporter, encrypted and signed, waiting for SMTP (queued), sent, or failed (retried)."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    to_address: str
    subject: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime
    author: str
    state: str = "queued"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class AdvisoryRow(SQLModel, table=True):
    """The advisory draft of one case, as the record's JSON."""

    __tablename__ = "advisories"

    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    record: str
    updated_at: datetime
    updated_by: str


class GithubAdvisoryRow(SQLModel, table=True):
    """A repository advisory as last synced from a GitHub source, and the case it belongs to."""

    __tablename__ = "github_advisories"

    source: str = Field(primary_key=True)
    ghsa_id: str = Field(primary_key=True)
    repository: str
    case_id: str = Field(foreign_key="cases.id", index=True)
    remote: str
    state: str
    remote_updated_at: str | None = None
    synced_at: datetime


class AdvisoryPushRow(SQLModel, table=True):
    """A draft update waiting to go to a repository advisory (the API outbox)."""

    __tablename__ = "advisory_pushes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    source: str
    repository: str
    ghsa_id: str
    body: str
    created_at: datetime
    author: str
    state: str = "queued"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class TeamEventRow(SQLModel, table=True):
    """A team event made here or received: its canonical bytes, and whether it was applied or why not."""

    __tablename__ = "team_events"

    id: str = Field(primary_key=True)
    case_id: str
    author: str
    at: str
    kind: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    origin: str
    status: str
    reason: str | None = None
    signer: str | None = None
    sent: int = 0
    received_at: datetime
    ref: str | None = None


class TeamShareRow(SQLModel, table=True):
    """Who a case (its report and history) has been shared with."""

    __tablename__ = "team_shares"

    case_id: str = Field(primary_key=True)
    fingerprint: str = Field(primary_key=True)
    shared_at: datetime


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
