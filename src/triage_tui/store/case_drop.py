"""Takes off this workstation a case that was here only because a share brought it, once that share is refused (its
author's key revoked from before it): the case, its messages, cells and timeline go; the team events about it wait
again for their report, as events do before a share, so a good share of it later brings it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


def only_shared(connection: Connection, case_id: str, refused_shares: set[str]) -> bool:
    """Whether the case holds nothing but what the refused shares brought (every message came from one of them)
    and no work of this workstation's own beyond team events (an advisory, a reply waiting to go out)."""
    sources = connection.exec_driver_sql(
        "SELECT source, content_hash FROM messages WHERE case_id = ?", (case_id,)
    ).fetchall()
    if not all(str(source) == "team" and str(share) in refused_shares for source, share in sources):
        return False
    for table in ("outbox", "advisories", "github_advisories", "advisory_pushes"):
        held = connection.exec_driver_sql(f"SELECT 1 FROM {table} WHERE case_id = ? LIMIT 1", (case_id,))  # noqa: S608
        if held.fetchone() is not None:
            return False
    return True


def drop_case(connection: Connection, case_id: str, unresolved_prefix: str) -> None:
    """Remove the case and what is stored about it here; its team events go back to waiting for their report
    (their case `unresolved_prefix` + the author's case id), in the caller's transaction."""
    messages = "SELECT id FROM messages WHERE case_id = ?"
    for table in ("attachments", "message_refs", "raw_messages"):
        connection.exec_driver_sql(f"DELETE FROM {table} WHERE message_pk IN ({messages})", (case_id,))  # noqa: S608
    for table in ("messages", "impacts", "events", "team_shares", "team_cases"):
        connection.exec_driver_sql(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))  # noqa: S608
    connection.exec_driver_sql("UPDATE key_changes SET case_id = NULL WHERE case_id = ?", (case_id,))
    connection.exec_driver_sql("UPDATE cases SET duplicate_of = NULL WHERE duplicate_of = ?", (case_id,))
    connection.exec_driver_sql(
        "UPDATE team_events SET case_id = ? || json_extract(CAST(body AS TEXT), '$.case') WHERE case_id = ?",
        (unresolved_prefix, case_id),
    )
    connection.exec_driver_sql("DELETE FROM cases WHERE id = ?", (case_id,))
