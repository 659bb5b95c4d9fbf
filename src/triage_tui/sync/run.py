"""Provides a whole sync: every configured source, then the team folder and the outbox, run in turn as jobs on one
store, one sync per store at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event

from triage_tui.config import Config, GithubSourceConfig, SourceConfig
from triage_tui.services.failures import failure_line
from triage_tui.services.workspace_lock import LockBusy, lock_file_of, workspace_lock
from triage_tui.store.errors import store_failure
from triage_tui.store.store import Store
from triage_tui.sync.jobs import ProgressCallback, SourceReport, SyncJob
from triage_tui.sync.outbox_job import OutboxJob


class SyncBusy(Exception):
    """Another process is syncing this store; this sync did not start."""


def source_job(store: Store, config: Config, source: SourceConfig) -> SyncJob:
    """The job that syncs one configured source (its module imported only then: a GitHub sync never loads the
    mail and intake stack, a mail sync never the GitHub client)."""
    if isinstance(source, GithubSourceConfig):
        from triage_tui.sync.github_job import GithubJob

        return GithubJob(store, config, source)
    from triage_tui.sync.mail_source import MailSourceJob

    return MailSourceJob(store, config, source)


def sync_jobs(store: Store, config: Config, *, only: str | None = None) -> list[SyncJob]:
    """The jobs of one sync, in the order they run: each configured source (or only the one named), then, when
    every source syncs, the team folder (if there is a team) and the outbox."""
    names = [only] if only else list(config.sources)
    jobs = [source_job(store, config, config.sources[name]) for name in names]
    if only is None:
        if config.team is not None:
            from triage_tui.sync.team_job import TeamJob

            jobs.append(TeamJob(store, config))
        jobs.append(OutboxJob(store, config))
    return jobs


@contextmanager
def sync_turn(database: Path) -> Iterator[None]:
    """Hold the store's sync lock for the block: one sync runs on a store at a time (two would take in the same
    items and fight over its write lock). SyncBusy if another sync holds it."""
    try:
        with workspace_lock(lock_file_of(database, "sync"), wait=False):
            yield
    except LockBusy as busy:
        holder = f" (pid {busy.holder})" if busy.holder else ""
        raise SyncBusy(f"another sync is running{holder}; this one did not start") from None


def sync_all(
    store: Store,
    config: Config,
    *,
    only: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> list[SourceReport]:
    """Sync every configured source (or only the named one) into `store`, in its sync turn (SyncBusy if another
    sync has it).

    A failing source never stops the others; what a failing source synced before it failed is kept.
    """
    with sync_turn(store.path):
        return sync_in_turn(store, config, only=only, progress=progress, cancel=cancel)


def sync_in_turn(
    store: Store,
    config: Config,
    *,
    only: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> list[SourceReport]:
    """`sync_all` for a caller that holds the store's `sync_turn` already."""
    if only and only not in config.sources:
        known = ", ".join(config.sources) or "none configured"
        return [SourceReport.failed(only, f"no source named '{only}' in {config.path} (known: {known})")]
    reports = [_run_guarded(job, store, progress, cancel) for job in sync_jobs(store, config, only=only)]
    return [report for report in reports if report is not None]


def _run_guarded(
    job: SyncJob, store: Store, progress: ProgressCallback | None, cancel: Event | None
) -> SourceReport | None:
    """Run one job; its own bug is its own failed report, so the jobs after it still run. A failure of the store
    itself (a full disk, a lock held too long) would fail every job alike: it ends the sync, said in one line."""
    try:
        return job.run(progress, cancel)
    except Exception as error:
        if store_failure(error, store.path) is not None:
            raise
        return SourceReport.failed(job.name, failure_line(error, store.path))
