"""Provides a GitHub source as a sync job: its advisories pulled and its queued draft updates pushed."""

from __future__ import annotations

from dataclasses import dataclass
from threading import Event

from triage_tui.config import Config, GithubSourceConfig
from triage_tui.store.store import Store
from triage_tui.sync.jobs import ProgressCallback, SourceReport, SyncProgress


@dataclass(frozen=True)
class GithubJob:
    """One configured GitHub source."""

    store: Store
    config: Config
    source: GithubSourceConfig

    @property
    def name(self) -> str:
        return self.source.name

    def run(self, progress: ProgressCallback | None, cancel: Event | None) -> SourceReport:
        # Imported here: a sync of mail sources alone never loads the GitHub client or the advisory formats.
        from triage_tui.github.outcome import GithubProgress
        from triage_tui.github.sync import sync_github

        state = SyncProgress(source=self.name, total=len(self.source.repositories))

        def page_done(done: GithubProgress) -> None:
            if progress is not None:
                state.messages = done.changed
                progress(state)

        outcome = sync_github(self.store, self.config, self.source, progress=page_done, cancel=cancel)
        return SourceReport(
            self.name, outcome.ok, outcome.messages, outcome.new_cases, outcome.failures, outcome.seconds, outcome.error
        )
