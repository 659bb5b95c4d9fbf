"""Provides the team folder as a sync job: events from the other workstations taken in, this one's sent."""

from __future__ import annotations

from dataclasses import dataclass
from threading import Event

from triage_tui.config import Config
from triage_tui.store.store import Store
from triage_tui.sync.jobs import ProgressCallback, SourceReport


@dataclass(frozen=True)
class TeamJob:
    """The team sync of the config's `[team]` table, over its IMAP source."""

    store: Store
    config: Config
    name: str = "team"

    def run(self, progress: ProgressCallback | None, cancel: Event | None) -> SourceReport:
        # Imported here: only a workspace with a team loads the event log and its crypto.
        from triage_tui.team.transport import sync_team

        team = sync_team(self.store, self.config)
        done = team.outcome.sent + team.outcome.applied
        # Events waiting on a reader's key make the sync unfinished, as replies waiting in the outbox do; the
        # line names each key and why, and what could go went.
        waiting = team.outcome.waiting_line()
        # A folder the server refused (not there, not to be read, an APPEND refused) is named in one line; the other
        # folders synced, and what could not be appended waits in the log.
        lines = [line for line in (team.outcome.identity, team.outcome.folders_line(), waiting) if line]
        ok = team.ok and not lines
        return SourceReport(
            self.name,
            ok,
            done,
            team.outcome.new_cases,
            team.outcome.rejected,
            team.seconds,
            team.error or "; ".join(lines) or None,
        )
