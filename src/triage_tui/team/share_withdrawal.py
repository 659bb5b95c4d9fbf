"""Withdraws a shared case whose share a roster change refused after it was applied (its author's key revoked from
before the share): a case that is here only because of that share is taken off this workstation, its events waiting
again for a good share of the report; a case holding this workstation's own work (an advisory, a queued reply)
stays, its refused share listed under `R`."""

from __future__ import annotations

from collections.abc import Sequence

from triage_tui.store import roster_store as rows
from triage_tui.store.case_drop import drop_case, only_shared
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.events import TeamEvent, decode
from triage_tui.team.refs import UNRESOLVED


def withdraw_refused_shares(connection: WriteConnection, case_id: str, refused: Sequence[TeamEvent]) -> bool:
    """Take the case off this workstation if refused shares brought it and no good share of it stands; whether it
    was taken off."""
    shares = {event.id for event in refused if event.share is not None}
    if not shares or rows.case_labels(connection, case_id) is None:
        return False
    if any(decode(body).share is not None for body in rows.applied_bodies(connection, case_id)):
        return False  # another share (a good one) keeps the case here
    if not only_shared(connection, case_id, shares):
        return False
    drop_case(connection, case_id, UNRESOLVED)
    return True
