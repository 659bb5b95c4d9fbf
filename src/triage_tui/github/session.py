"""What the steps of one GitHub sync share: the store, the config, the services it records through, the items
already stored, the repositories whose pull failed and the tally."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from triage_tui.config import Config, GithubSourceConfig
from triage_tui.github.messages import author_of
from triage_tui.github.outcome import GithubSyncOutcome
from triage_tui.store.store import Store
from triage_tui.store.sync_reads import known_source_keys

if TYPE_CHECKING:
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.triage import TriageService
    from triage_tui.store.batches import IncomingItem, StoreResult


class SyncSession:
    """One sync of the GitHub source `source` into `store`."""

    def __init__(
        self, store: Store, config: Config, source: GithubSourceConfig, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.source = source
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outcome = GithubSyncOutcome(source.name, repositories=len(source.repositories))
        self.packages: Mapping[str, Sequence[str]] = {p.id: p.packages for p in config.projects.values()}
        self.failed: set[str] = set()
        """Repositories whose pull failed this sync: nothing is pushed to them (their state is not known now)."""
        self._services: tuple[TriageService, AdvisoryDrafts] | None = None
        self._keys: set[str] | None = None
        store.sync_projects(config.projects.values())  # cells name projects: the store must know them

    @property
    def author(self) -> str:
        """Who this sync's changes are recorded as."""
        return author_of(self.source.name)

    def services(self) -> tuple[TriageService, AdvisoryDrafts]:
        """The triage and draft services this sync records through, opened once."""
        if self._services is None:
            from triage_tui.services.advisory_drafts import AdvisoryDrafts
            from triage_tui.services.triage import TriageService

            self._services = (
                TriageService(self.store, self.author, clock=self.clock),
                AdvisoryDrafts(self.store, self.author, self.config, clock=self.clock),
            )
        return self._services

    def store_items(self, items: Sequence[IncomingItem]) -> StoreResult:
        """Thread and store advisories' messages (or failures) in one transaction."""
        from triage_tui.store.ingest import store_batch

        return store_batch(self.store, items, list(self.config.projects.values()))

    def stored(self, key: str) -> bool:
        """Whether an item of this source with `key` is already in the store (as a message or a failure)."""
        if self._keys is None:
            with self.store.read() as connection:
                self._keys = known_source_keys(connection, self.source.name)
        found = key in self._keys
        self._keys.add(key)
        return found

    def keep_failure(self, repository: str, remote: object, reason: str) -> None:
        """Keep an advisory that cannot be taken in (its JSON and why), as a bad mail is kept; the sync goes on."""
        from triage_tui.intake.records import IntakeFailure
        from triage_tui.store.batches import IncomingItem

        raw = json.dumps(remote, ensure_ascii=False, default=str).encode("utf-8")
        key = f"{repository}#{hashlib.sha256(raw).hexdigest()[:16]}"
        if self.stored(key):
            return  # the same bad advisory, listed again on a changed page: kept once
        self.store_items([IncomingItem(self.source.name, key, IntakeFailure(raw, f"{repository}: {reason}"))])
        self.outcome.failures += 1
