"""Provides what an inbox row shows beyond the covering index: the assignee and the case's trust problems (a signer
key that changed since first use and is not accepted yet, a signer whose key does not carry the From address)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from triage_tui.domain import SIGNER_NOT_FROM, Signature
from triage_tui.store.in_lists import in_parts, placeholders


@dataclass(frozen=True)
class RowFlags:
    """One case's assignee and trust problems, as the inbox row shows them."""

    assignee: str | None = None
    key_changed: bool = False
    """A message of the case is signed by a key that replaced its address's pinned key, not accepted yet."""
    signer_not_from: bool = False
    """A message of the case is signed by a key none of whose UIDs carries its From address."""


NO_FLAGS = RowFlags()

KEY_CHANGED = "key-changed"
SIGNER_NOT_FROM_WARNING = "signer-not-from"
"""The words of `signature_warning` (`cases --json`'s field of that name)."""


def signature_warning(verdict: str, *, key_changed: bool, signer_not_from: bool) -> str | None:
    """Why a case's good signature is not shown as good (as the inbox's list does), or None: a changed key first,
    then a signer without the From address. Any other verdict speaks for itself."""
    if verdict != Signature.GOOD:
        return None
    if key_changed:
        return KEY_CHANGED
    return SIGNER_NOT_FROM_WARNING if signer_not_from else None


# The same test as the case view's "KEY CHANGED" line (case_detail.get_case): a pending change of the sender's
# address to the key that signed the message. The partial unique index on key_changes serves the lookup.
_TRUST_SQL = (
    "SELECT m.case_id, max(EXISTS (SELECT 1 FROM key_changes k WHERE k.accepted_at IS NULL "
    "AND k.address = lower(m.sender_email) AND k.new_fingerprint = m.signer_fingerprint)), "
    "max(instr(m.warnings, ?) > 0) FROM messages m WHERE m.case_id IN ({ids}) "
    "AND m.signer_fingerprint IS NOT NULL GROUP BY m.case_id"
)


def row_flags(connection: sqlite3.Connection, case_ids: Sequence[str]) -> dict[str, RowFlags]:
    """Each case's flags, by id (a case with no assignee and no trust problem is left out)."""
    assignees: dict[str, str] = {}
    trust: dict[str, tuple[bool, bool]] = {}
    for part in in_parts(list(case_ids)):
        marks = placeholders(part)
        rows = connection.execute(
            f"SELECT id, assignee FROM cases WHERE id IN ({marks}) AND assignee IS NOT NULL",  # noqa: S608
            list(part),
        ).fetchall()
        assignees.update({str(row[0]): str(row[1]) for row in rows})
        # A JSON-encoded warning list: the phrase is plain ASCII, so it appears in the JSON text as written.
        for row in connection.execute(_TRUST_SQL.format(ids=marks), [SIGNER_NOT_FROM, *part]).fetchall():
            if row[1] or row[2]:
                trust[str(row[0])] = (bool(row[1]), bool(row[2]))
    return {
        case_id: RowFlags(assignees.get(case_id), *trust.get(case_id, (False, False)))
        for case_id in assignees.keys() | trust.keys()
    }
