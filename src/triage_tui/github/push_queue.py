"""Queueing a case's saved draft for the repository advisory the case came from; the next sync sends it."""

from __future__ import annotations

from datetime import UTC, datetime

from triage_tui.config import Config
from triage_tui.github.push_body import advisory_body
from triage_tui.services.advisory_drafts import AdvisoryDrafts, DraftError
from triage_tui.store.github_store import advisories_of_case, queue_push, source_of_advisory
from triage_tui.store.store import Store


def queue_advisory_push(store: Store, config: Config, case_id: str, author: str) -> list[str]:
    """Queue the case's saved draft for the repository advisory the case came from (given its own project's
    packages; see `push_targets`); returns `owner/repo GHSA-...` for each. Sent at the next sync."""
    with store.read() as connection:
        targets = advisories_of_case(connection, case_id)
    if not targets:
        raise DraftError(f"{case_id} has no repository advisory on GitHub to update")
    draft = AdvisoryDrafts(store, author, config).load(case_id)
    if not draft.saved:
        raise DraftError(f"{case_id} has no saved advisory draft to push")
    queued: list[str] = []
    with store.write() as connection:
        for target in targets:
            source = source_of_advisory(connection, target.ghsa_id)
            try:
                body = advisory_body(draft.advisory, target.repository, target.remote, config)
            except ValueError as error:
                raise DraftError(f"{target.repository}: {error}") from None
            queue_push(connection, case_id, source, target.repository, target.ghsa_id, body, author, datetime.now(UTC))
            queued.append(f"{target.repository} {target.ghsa_id}")
    return queued
