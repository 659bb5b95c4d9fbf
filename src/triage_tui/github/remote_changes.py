"""A change made on GitHub to an advisory already here: merged into the case's draft field by field, recorded on
the case's timeline (as an update, or as conflicts where the field was changed here too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from triage_tui.advisories.ghsa_reader import from_ghsa
from triage_tui.github.draft_merge import merge_into_draft, printable_changes, printable_conflict
from triage_tui.github.messages import message_of
from triage_tui.github.session import SyncSession
from triage_tui.store.batches import IncomingItem
from triage_tui.store.github_store import KnownAdvisory, record_event, save_remote


def apply_remote_change(session: SyncSession, before: KnownAdvisory, remote: Mapping[str, Any]) -> KnownAdvisory:
    """Apply what changed on GitHub since the last sync, field by field: taken where nobody changed the field
    here, recorded as a conflict where somebody did. Returns the advisory as known now."""
    case_id, source = before.case_id, session.source.name
    author, now = session.author, session.clock()
    if not before.own:
        # Threaded into another case by an older version: its author's edits never reach that case's draft.
        with session.store.write() as connection:
            save_remote(connection, source, before.repository, case_id, remote, now)
        return replace(before, remote=remote)
    try:
        old = from_ghsa(before.remote, case_id, session.packages)
        new = from_ghsa(remote, case_id, session.packages)
    except ValueError as error:
        session.keep_failure(before.repository, remote, str(error))
        return before
    _triage, drafts = session.services()
    draft = drafts.load(case_id)
    merge = merge_into_draft(draft.advisory if draft.saved else None, old, new)
    if merge.draft is not None:
        drafts.save(merge.draft)
    if remote.get("description") != before.remote.get("description"):
        _append_description(session, case_id, remote)
    state_change = before.remote.get("state") != remote.get("state")
    with session.store.write() as connection:
        payload: dict[str, object] = {"ghsa": remote.get("ghsa_id"), "changes": printable_changes(merge.changes)}
        if state_change:
            payload["state"] = [before.remote.get("state"), remote.get("state")]
        if merge.changes or state_change:
            record_event(connection, case_id, author, "github-update", payload, now)
        for conflict in merge.conflicts:
            record_event(connection, case_id, author, "github-conflict", printable_conflict(conflict, remote), now)
        save_remote(connection, source, before.repository, case_id, remote, now)
    session.outcome.updated += 1
    session.outcome.conflicts += len(merge.conflicts)
    return KnownAdvisory(before.ghsa_id, before.repository, case_id, remote)


def _append_description(session: SyncSession, case_id: str, remote: Mapping[str, Any]) -> None:
    """The edited description joins the advisory's own case (by what GitHub says, not by a Message-ID a mail
    could also carry)."""
    key, message = message_of(remote, first=False)
    if not session.stored(key):  # an earlier run may have stored it, then died before saving the snapshot
        session.store_items([IncomingItem(session.source.name, key, message, case_id=case_id)])
