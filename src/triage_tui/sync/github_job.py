"""Provides a GitHub source as a sync job: its advisories pulled and its queued draft updates pushed."""

from __future__ import annotations

from dataclasses import dataclass
from threading import Event

from triage_tui.config import Config, GithubSourceConfig
from triage_tui.store.store import Store
from triage_tui.sync.jobs import ProgressCallback, SourceReport


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
        from triage_tui.github.sync import sync_github

        try:
            return sync_github(self.store.path, self.config, self.source, progress=progress, cancel=cancel)
        except Exception as error:  # one source's bug is its own failed report: the other sources still sync
            return SourceReport.failed(self.name, f"internal error: {error!r}")
