"""Provides sync: new items from each source through intake into the store, with decryption overlapping storage."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import Any

from triage_tui.config import Config, GithubSourceConfig, ImapSourceConfig, MaildirSourceConfig, SourceConfig
from triage_tui.intake.gnupg_batch import MAX_PLAINTEXT_PER_RUN, GpgUnavailable
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.services.workspace_lock import LockBusy, lock_file_of, workspace_lock
from triage_tui.sources.base import MAX_BATCH_BYTES, Batch, RawItem, Source, SourceError
from triage_tui.sources.imap import ImapSource
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem
from triage_tui.store.connection import prepare_database, reader
from triage_tui.store.sync_reads import known_source_keys, load_cursors, pending_outbox
from triage_tui.sync.intake_pool import WORKERS, IntakeWorkers
from triage_tui.sync.store_writer import StoreWriter
from triage_tui.team.senders import team_senders

# Each chunk is decrypted by one gpg process in a worker while the store writes the chunk before it.
CHUNK_SIZE = 48
# Chunks decrypted ahead of the store: bounds memory however large the source is.
MAX_IN_FLIGHT = 2 * WORKERS
MAX_BYTES_IN_FLIGHT = 2 * MAX_BATCH_BYTES
"""Raw bytes handed to intake and not yet stored, beside the count of chunks: parsing and storing hold several times
what they take in, so two workers each on a 24 MB mail passed 300 MB. A batch that would go past it waits until the
ones before it are stored (one larger than it goes alone); many small messages never come near it. The plaintext
of encrypted ones is bounded apart: each chunk's gpg run reads at most MAX_PLAINTEXT_PER_RUN of it in (the first
message always) and hands the rest of the chunk back, decrypted again once the part read is stored."""


@dataclass
class SyncProgress:
    """How far one source's sync has got."""

    source: str
    total: int = 0
    done: int = 0
    messages: int = 0
    new_cases: int = 0
    failures: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Items per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True)
class SourceReport:
    """The outcome of syncing one source; what synced before an error is kept."""

    source: str
    ok: bool
    messages: int
    new_cases: int
    failures: int
    seconds: float
    error: str | None = None


ProgressCallback = Callable[[SyncProgress], None]


class SyncCancelled(Exception):
    """The user stopped the sync; everything stored so far stays."""


class SyncBusy(Exception):
    """Another process is syncing this store; this sync did not start."""


def open_source(config: SourceConfig) -> Source:
    """Build the source object for a configured source."""
    if isinstance(config, MaildirSourceConfig):
        return MaildirSource(config.name, config.path)
    if isinstance(config, ImapSourceConfig):
        return ImapSource(config)
    raise SourceError(f"source '{config.name}': kind '{config.kind}' is not supported by this version of triage-tui")


class _State:
    """The sync state a source sees: stored cursors, known keys (read only when asked) and the progress total."""

    def __init__(self, database: Path, source: str, progress: SyncProgress, report: ProgressCallback | None):
        self._database = database
        self._source = source
        with reader(database) as connection:
            self._cursors = load_cursors(connection, source)
        self._known: set[str] | None = None
        self._progress = progress
        self._report = report

    def cursor(self, scope: str) -> Mapping[str, Any] | None:
        return self._cursors.get(scope)

    def known_keys(self) -> set[str]:
        if self._known is None:
            with reader(self._database) as connection:
                self._known = known_source_keys(connection, self._source)
        return self._known

    def expect(self, items: int) -> None:
        self._progress.total += items
        if self._report:
            self._report(self._progress)


def sync_source(
    database: Path,
    config: Config,
    source: Source,
    *,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> SourceReport:
    """Take in every batch `source` has since its stored cursors; one transaction per batch, in arrival order."""
    state = SyncProgress(source=source.name)
    writer = StoreWriter(database, list(config.projects.values()), team=lambda: team_senders(config))
    sync_state = _State(database, source.name, state, progress)
    pending: deque[tuple[Batch, list[RawItem], Future[list[ParsedMessage | IntakeFailure]] | None]] = deque()

    in_flight = 0  # raw bytes of the batches in `pending`

    def store_oldest() -> None:
        nonlocal in_flight
        batch, items, future = pending.popleft()
        try:
            results = future.result() if future is not None else []
        except GpgUnavailable as error:
            # No batch from here on is stored: a later one's cursor would pass messages never decrypted.
            pending.clear()
            in_flight = 0
            raise SourceError(f"{error}; nothing from here on was taken in, the next sync tries again") from None
        taken, rest = items[: len(results)], items[len(results) :]
        in_flight -= raw_bytes(taken)
        # The chunk's plaintext passed its budget: what was read is stored without the batch's cursor (which goes
        # with its last item), and the rest is decrypted once that is freed, still ahead of every later batch.
        last = not rest
        stored = writer.store(
            [IncomingItem(source.name, item.key, result) for item, result in zip(taken, results, strict=True)],
            [CursorUpdate(source.name, scope, cursor) for scope, cursor in batch.cursors.items()] if last else [],
            GoneItems(source.name, batch.gone) if batch.gone and last else None,
        )
        state.done += len(batch.items) if last else 0
        state.messages += stored.messages
        state.new_cases += len(stored.new_cases)
        state.failures += stored.failures + sum(1 for r in results if isinstance(r, ParsedMessage) and r.verdict.error)
        del results
        if rest:
            pending.appendleft((batch, rest, workers.submit(rest)))
        if progress:
            progress(state)

    failure: str | None = None
    with IntakeWorkers(config.gnupg_home(), plaintext_budget=MAX_PLAINTEXT_PER_RUN) as workers:
        try:
            for batch in source.batches(sync_state, CHUNK_SIZE):
                if cancel is not None and cancel.is_set():
                    raise SyncCancelled
                items = list(batch.items)
                if items:
                    known = sync_state.known_keys()
                    if batch.relink:
                        known.update(writer.relink(source.name, items))
                    # A key already stored (an earlier run died after its transaction) is never taken in twice.
                    items = [item for item in items if item.key not in known]
                    known.update(item.key for item in items)
                size = raw_bytes(items)
                while pending and in_flight + size > MAX_BYTES_IN_FLIGHT:
                    store_oldest()
                future = workers.submit(items) if items else None
                pending.append((batch, items, future))
                in_flight += size
                if len(pending) >= MAX_IN_FLIGHT:
                    store_oldest()
        except SourceError as error:
            failure = str(error)
        except SyncCancelled:
            failure = "cancelled; everything stored so far is kept"
            # Keep what is already decrypted, in order, but do not wait for chunks still in gpg: the user is waiting.
            try:
                while pending and (pending[0][2] is None or pending[0][2].done()):
                    store_oldest()
            except SourceError as error:
                failure = str(error)
            pending.clear()
        # Batches handed over before a failure are whole: store them, so a resumed sync starts after them.
        try:
            while pending:
                store_oldest()
        except SourceError as error:
            failure = failure or str(error)
    writer.close()
    return SourceReport(
        source.name, failure is None, state.messages, state.new_cases, state.failures, _seconds(state), failure
    )


def raw_bytes(items: list[RawItem]) -> int:
    """The raw bytes intake is handed in `items`."""
    return sum(len(item.data) for item in items)


def _seconds(state: SyncProgress) -> float:
    return time.monotonic() - state.started


def sync_all(
    database: Path,
    config: Config,
    *,
    only: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> list[SourceReport]:
    """Sync every configured source (or only the named one) into the store at `database`.

    A failing source never stops the others; what a failing source synced before it failed is kept. One sync runs
    on a store at a time (two would take in the same items and fight over its write lock): SyncBusy if one is.
    """
    try:
        with workspace_lock(lock_file_of(database, "sync"), wait=False):
            return _sync_all(database, config, only=only, progress=progress, cancel=cancel)
    except LockBusy as busy:
        holder = f" (pid {busy.holder})" if busy.holder else ""
        raise SyncBusy(f"another sync is running{holder}; this one did not start") from None


def _sync_all(
    database: Path, config: Config, *, only: str | None, progress: ProgressCallback | None, cancel: Event | None
) -> list[SourceReport]:
    prepare_database(database)
    names = [only] if only else list(config.sources)
    reports: list[SourceReport] = []
    for name in names:
        source_config = config.sources.get(name)
        if source_config is None:
            known = ", ".join(config.sources) or "none configured"
            reports.append(
                SourceReport(name, False, 0, 0, 0, 0.0, f"no source named '{name}' in {config.path} (known: {known})")
            )
            continue
        if isinstance(source_config, GithubSourceConfig):
            try:
                reports.append(_sync_github(database, config, source_config, progress, cancel))
            except Exception as error:
                reports.append(SourceReport(name, False, 0, 0, 0, 0.0, f"internal error: {error!r}"))
            continue
        try:
            source = open_source(source_config)
        except SourceError as error:
            reports.append(SourceReport(name, False, 0, 0, 0, 0.0, str(error)))
            continue
        reports.append(sync_source(database, config, source, progress=progress, cancel=cancel))
    if only is None and config.team is not None:
        from triage_tui.store.store import Store
        from triage_tui.team.transport import sync_team

        with Store(database) as store:
            team = sync_team(store, config)
        done = team.outcome.sent + team.outcome.applied
        reports.append(SourceReport("team", team.ok, done, 0, team.outcome.rejected, team.seconds, team.error))
    if only is None:
        outbox = send_outbox(database, config)
        if outbox is not None:
            reports.append(outbox)
    return reports


def _sync_github(
    database: Path,
    config: Config,
    source: GithubSourceConfig,
    progress: ProgressCallback | None,
    cancel: Event | None,
) -> SourceReport:
    """One GitHub source's sync, its progress and outcome told as a source's."""
    from triage_tui.github.outcome import GithubProgress
    from triage_tui.github.sync import sync_github
    from triage_tui.store.store import Store

    state = SyncProgress(source=source.name, total=len(source.repositories))

    def page_done(done: GithubProgress) -> None:
        if progress is not None:
            state.messages = done.changed
            progress(state)

    with Store(database) as store:
        outcome = sync_github(store, config, source, progress=page_done, cancel=cancel)
    return SourceReport(
        source.name, outcome.ok, outcome.messages, outcome.new_cases, outcome.failures, outcome.seconds, outcome.error
    )


def send_outbox(database: Path, config: Config) -> SourceReport | None:
    """Send queued replies to reporters (RFC 4549 pushes before it pulls; here they go once the pull is stored).

    None when nothing waits, which is checked without importing the mail or SQLAlchemy code.
    """
    with reader(database) as connection:
        if pending_outbox(connection) == 0:
            return None
    from triage_tui.replies.smtp_send import send_queued
    from triage_tui.store.store import Store

    started = time.monotonic()
    with Store(database) as store:
        sent = send_queued(store, config.smtp)
    error = sent.error
    if error is None and (sent.failed or sent.waiting):
        error = f"{len(sent.failed)} replies refused by the server, {len(sent.waiting)} still waiting"
    return SourceReport("outbox", sent.ok, len(sent.sent), 0, len(sent.failed), time.monotonic() - started, error)
