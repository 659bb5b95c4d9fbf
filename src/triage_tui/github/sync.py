"""Syncs a GitHub source: each repository's advisories (conditional list pages) become cases, later changes on
GitHub become events (or conflicts, when the same field was changed here too), and queued draft updates are pushed
to each repository's advisory. Nothing of a repository that fails stops the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from threading import Event

from triage_tui.config import Config, GithubSourceConfig
from triage_tui.github.outcome import GithubProgressCallback, GithubSyncOutcome
from triage_tui.github.pull import pull_repositories
from triage_tui.github.push import push_queued
from triage_tui.github.session import SyncSession
from triage_tui.sources.base import SourceError
from triage_tui.sources.credentials import secret_from
from triage_tui.sources.github_api import GitHubClient
from triage_tui.store.store import Store


class GithubSync:
    """One sync of one GitHub source into `store`: its pull, then its push."""

    def __init__(
        self,
        store: Store,
        config: Config,
        source: GithubSourceConfig,
        client: GitHubClient,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.session = SyncSession(store, config, source, clock)
        self.client = client

    @property
    def outcome(self) -> GithubSyncOutcome:
        """What the sync did so far."""
        return self.session.outcome

    def pull(self, cancel: Event | None = None, progress: GithubProgressCallback | None = None) -> None:
        """Every repository's changed list pages, applied; an offline API stops the pull, any other error only
        its repository."""
        pull_repositories(self.session, self.client, cancel, progress)

    def push(self) -> None:
        """Send each queued draft update, built from the draft as it is now, to the repositories whose pull
        worked; a refusal is kept with GitHub's reason, a failure to reach it is retried at the next sync."""
        push_queued(self.session, self.client)


def sync_github(
    store: Store,
    config: Config,
    source: GithubSourceConfig,
    *,
    client: GitHubClient | None = None,
    progress: GithubProgressCallback | None = None,
    cancel: Event | None = None,
) -> GithubSyncOutcome:
    """Pull every repository of `source`, then push its queued draft updates; one outcome for the source."""
    started = time.monotonic()
    try:
        api = client or GitHubClient(
            source.api_url,
            secret_from(source.name, command=source.token_command, env=source.token_env, what="token"),
        )
    except SourceError as error:
        return GithubSyncOutcome(source.name, errors=[str(error)])
    sync = GithubSync(store, config, source, api)
    try:
        sync.pull(cancel, progress)
        sync.push()  # to the repositories whose pull worked (none when offline, limited or cancelled)
    finally:
        if client is None:
            api.close()
    sync.outcome.seconds = time.monotonic() - started
    return sync.outcome
