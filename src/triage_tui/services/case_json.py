"""Provides the JSON shapes of the command-line contract for `cases --json` and `show --json`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from triage_tui.domain import sharer
from triage_tui.severity import severity_of
from triage_tui.store.case_flags import signature_warning
from triage_tui.store.queries import CaseDetail, CaseSummary, MessageView


def iso(value: datetime | None) -> str | None:
    """UTC timestamp in ISO 8601 with a Z suffix."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _severity(summary: CaseSummary) -> dict[str, object] | None:
    for vector in (summary.cvss4_vector, summary.cvss_vector):
        severity = severity_of(vector)
        if severity is not None:
            return {"vector": severity.vector, "score": severity.score, "rating": severity.rating}
    return None


def case_summary_json(summary: CaseSummary, sources: tuple[str, ...]) -> dict[str, object]:
    """One entry of `cases --json`."""
    return {
        "id": summary.id,
        "title": summary.title,
        "state": summary.state,
        "disposition": summary.disposition,
        "severity": _severity(summary),
        "projects": [{"project": p.project, "status": p.status} for p in summary.projects],
        "reporter": summary.reporter,
        "reporter_email": summary.reporter_email,
        "received_at": iso(summary.received_at),
        "updated_at": iso(summary.updated_at),
        "embargo_until": iso(summary.embargo_until),
        "message_count": summary.message_count,
        "signature": summary.signature,
        "signature_warning": signature_warning(
            summary.signature, key_changed=summary.key_changed, signer_not_from=summary.signer_not_from
        ),
        "sources": list(sources),
    }


def _who(field: str, recorded: str | None, names: Mapping[str, str]) -> dict[str, str | None]:
    """`field` as shown: a member's key is their name, and the key goes in `{field}_fingerprint` (only then: an
    author recorded by name, as every decision made here is, prints as before)."""
    if recorded and recorded.upper() in names:
        return {field: names[recorded.upper()], f"{field}_fingerprint": recorded.upper()}
    return {field: recorded}


def _message_json(message: MessageView, names: Mapping[str, str]) -> dict[str, object]:
    shared = sharer(message.warnings) if message.source == "team" else None
    # A shared case's messages carry a name alone (a share holds no address): no empty "<>" after it.
    sender = " ".join(filter(None, (message.sender_name, f"<{message.sender_email}>" if message.sender_email else "")))
    sender = sender if message.sender_name else message.sender_email
    return {
        "from": sender,
        "date": iso(message.sent_at),
        "subject": message.subject,
        "body": message.body,
        "unauthenticated_text": message.unauthenticated_text,
        "message_id": message.message_id,
        "source": message.source,
        "encrypted": message.encrypted,
        "decryption": message.decryption,
        "signature": message.signature,
        "signer": message.signer_fingerprint,
        "signer_uids": list(message.signer_uids),
        "signature_scope": message.signature_scope,
        "warnings": list(message.warnings),
        "error": message.error,
        # A shared case's messages: who shared it (named by the roster when it knows the key) and their key.
        "shared_by": names.get(shared, shared) if shared else None,
        "shared_by_fingerprint": shared,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in message.attachments
        ],
    }


def case_detail_json(detail: CaseDetail, names: Mapping[str, str] | None = None) -> dict[str, object]:
    """The document `show --json` prints. `names`: the roster's members by key fingerprint: an author or a cell's
    setter that is a member's key is printed as their name, the key in its own `*_fingerprint` field (only then)."""
    known = names or {}
    document = case_summary_json(detail.summary, detail.sources)
    document["messages"] = [_message_json(m, known) for m in detail.messages]
    document["impacts"] = [
        {
            "project": i.project,
            "status": i.status,
            "ranges": list(i.ranges),
            "fixed_version": i.fixed_version,
            "justification": i.justification,
            "notes": i.notes,
            **_who("set_by", i.set_by, known),
            "set_at": iso(i.set_at),
        }
        for i in detail.impacts
    ]
    document["events"] = [
        {
            "id": e.id,
            **_who("author", e.author, known),
            "at": iso(e.at),
            "kind": e.kind,
            "payload": e.payload,
        }
        for e in detail.events
    ]
    return document
