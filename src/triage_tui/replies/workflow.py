"""Provides the two steps a reply screen runs in workers: read the case with its reporter's key, then compose
(sign and encrypt) and queue the reply. Each opens its own connections from the store, so it can run in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.config import Config
from triage_tui.replies.compose_reply import (
    RecipientKey,
    ReplyError,
    compose_reply,
    find_reporter_key,
    open_gpg,
    under_embargo,
)
from triage_tui.replies.templates import ReplyDraft
from triage_tui.store.outbox_store import queue_reply
from triage_tui.store.queries import CaseDetail, get_case

if TYPE_CHECKING:
    from triage_tui.store.store import Store


@dataclass(frozen=True)
class ReplyContext:
    """What a reply screen needs before the coordinator writes: the case, the reporter's key or why there is none."""

    detail: CaseDetail
    reporter_key: RecipientKey | None
    key_error: str | None
    embargoed: bool


@dataclass(frozen=True)
class QueuedReply:
    """A reply now in the outbox."""

    outbox_id: int
    recipients: tuple[str, ...]
    fingerprints: tuple[str, ...]


def author_of(config: Config) -> str:
    """How replies (and their events) name who wrote them."""
    return config.identity.email


def sender_of(config: Config) -> str:
    """The From address: the SMTP `from` if configured, else the identity's email."""
    return config.smtp.from_address if config.smtp is not None else config.identity.email


def _gnupg_home(config: Config) -> str | None:
    home = config.gnupg_home()
    return str(home) if home is not None else None


def load_reply_context(store: Store, case_id: str, config: Config, now: datetime) -> ReplyContext | None:
    """The case and its reporter's key (None if the case does not exist)."""
    with store.read() as connection:
        detail = get_case(connection, case_id)
    if detail is None:
        return None
    try:
        key: RecipientKey | None = find_reporter_key(open_gpg(_gnupg_home(config)), detail)
        error = None
    except ReplyError as problem:
        key, error = None, str(problem)
    return ReplyContext(detail, key, error, under_embargo(detail, now))


def queue_draft(store: Store, config: Config, detail: CaseDetail, draft: ReplyDraft, now: datetime) -> QueuedReply:
    """Sign, encrypt and queue `draft` (raises ReplyError and its kinds on refusal; nothing is queued then)."""
    reply = compose_reply(
        draft, detail, config.identity, open_gpg(_gnupg_home(config)), sender=sender_of(config), now=now
    )
    outbox_id = queue_reply(
        store,
        case_id=detail.summary.id,
        recipients=reply.recipients,
        subject=reply.subject,
        raw=reply.raw,
        author=author_of(config),
        template=draft.template_id,
        now=now,
    )
    return QueuedReply(outbox_id, reply.recipients, tuple(key.fingerprint for key in reply.keys))
