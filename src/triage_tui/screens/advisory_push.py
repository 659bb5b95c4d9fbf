"""Provides the push of a saved advisory draft to the case's GitHub advisories: it names who can read each one and
asks for a deliberate yes; the push is queued, sent at the next sync, and never publishes an advisory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from triage_tui.screens.advisory_draft import pushes_line
from triage_tui.screens.questions import DeliberateConfirmModal
from triage_tui.screens.threads import in_thread

if TYPE_CHECKING:
    from triage_tui.services.advisory_drafts import AdvisoryDrafts


async def push_saved_draft(screen: Screen[None], drafts: AdvisoryDrafts, case_id: str) -> str | None:
    """Ask, then queue the saved draft of `case_id` for its GitHub advisories; returns the case's pushes as they
    stand now, or None if nothing was queued (the user was told why)."""
    from triage_tui.github.readers import push_targets

    name = "Reading the push targets"
    targets = await in_thread(screen, lambda: push_targets(drafts.store, case_id), name=name, group="save")
    if targets is None:
        return None
    if not targets:
        message = f"Not queued: {case_id} has no repository advisory on GitHub to update"
        screen.notify(message, title="Advisory", severity="error", timeout=8)
        return None
    where = "; ".join(f"{t.repository} {t.ghsa_id}, readable by {', '.join(t.readers)}" for t in targets)
    question = f"Push the saved draft to {where}? The advisory is never published."
    if not await screen.app.push_screen_wait(DeliberateConfirmModal(question)):
        return None
    name = "Queueing the GitHub push"
    queued = await in_thread(screen, lambda: _queue(drafts, case_id), name=name, group="save")
    if queued is None:
        return None
    said, pushes = queued
    screen.notify(said, title="Advisory", severity="error" if pushes is None else "information", timeout=8)
    return pushes


def _queue(drafts: AdvisoryDrafts, case_id: str) -> tuple[str, str | None]:
    """Queue the push (from a worker thread): what to tell the user, and the pushes line (None: refused)."""
    from triage_tui.github.push_queue import queue_advisory_push
    from triage_tui.services.advisory_drafts import DraftError

    try:
        queued = queue_advisory_push(drafts.store, drafts.config, case_id, drafts.author)
    except DraftError as error:
        return f"Not queued: {error}", None
    said = f"Queued for {', '.join(queued)}; sent at the next sync (s). The advisory is never published."
    return said, pushes_line(drafts.store, case_id)
