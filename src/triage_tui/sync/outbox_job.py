"""Provides the outbox as a sync job: queued replies to reporters sent once the pull is stored (RFC 4549 pushes
before it pulls; here the pull's changes are in the store first)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Event

from triage_tui.config import Config
from triage_tui.store.store import Store
from triage_tui.store.sync_reads import pending_outbox
from triage_tui.sync.jobs import ProgressCallback, SourceReport


@dataclass(frozen=True)
class OutboxJob:
    """Every queued (or earlier refused) reply, over the config's `[smtp]`."""

    store: Store
    config: Config
    name: str = "outbox"

    def run(self, progress: ProgressCallback | None, cancel: Event | None) -> SourceReport | None:
        """None when nothing waits, which is checked without importing the mail or SQLAlchemy code."""
        with self.store.read() as connection:
            if pending_outbox(connection) == 0:
                return None
        from triage_tui.replies.smtp_send import send_queued

        started = time.monotonic()
        sent = send_queued(self.store, self.config.smtp)
        if sent.unconfigured:
            # Not a failed source: nothing was tried, and every sync until [smtp] is written would say it again.
            count = len(sent.waiting)
            waits = "1 reply waits" if count == 1 else f"{count} replies wait"
            note = f"{waits} in the outbox: {sent.error}"
            return SourceReport(self.name, True, 0, 0, 0, time.monotonic() - started, None, note)
        error = sent.error
        if error is None and (sent.failed or sent.waiting):
            error = f"{len(sent.failed)} replies refused by the server, {len(sent.waiting)} still waiting"
        return SourceReport(self.name, sent.ok, len(sent.sent), 0, len(sent.failed), time.monotonic() - started, error)
