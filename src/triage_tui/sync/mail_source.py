"""Provides the sync of one mail source (IMAP or Maildir): its new items through intake into the store, with
decryption overlapping storage."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from threading import Event
from typing import Any

from triage_tui.config import Config, ImapSourceConfig, MaildirSourceConfig, SourceConfig
from triage_tui.intake.gnupg_batch import MAX_PLAINTEXT_PER_RUN, GpgUnavailable
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.sources.base import MAX_BATCH_BYTES, Batch, RawItem, Source, SourceError
from triage_tui.sources.imap import ImapSource
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem
from triage_tui.store.store import Store
from triage_tui.store.sync_reads import known_source_keys, load_cursors
from triage_tui.sync.intake_pool import WORKERS, IntakeWorkers
from triage_tui.sync.jobs import ProgressCallback, SourceReport, SyncProgress
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


class SyncCancelled(Exception):
    """The user stopped the sync; everything stored so far stays."""


@dataclass(frozen=True)
class MailSourceJob:
    """A configured IMAP or Maildir source as a sync job."""

    store: Store
    config: Config
    source: SourceConfig

    @property
    def name(self) -> str:
        return self.source.name

    def run(self, progress: ProgressCallback | None, cancel: Event | None) -> SourceReport:
        try:
            source = open_source(self.source)
        except SourceError as error:
            return SourceReport.failed(self.name, str(error))
        return sync_source(self.store, self.config, source, progress=progress, cancel=cancel)


def open_source(config: SourceConfig) -> Source:
    """Build the source object for a configured source."""
    if isinstance(config, MaildirSourceConfig):
        return MaildirSource(config.name, config.path)
    if isinstance(config, ImapSourceConfig):
        return ImapSource(config)
    raise SourceError(f"source '{config.name}': kind '{config.kind}' is not supported by this version of triage-tui")


class _State:
    """The sync state a source sees: stored cursors, known keys (read only when asked) and the progress total."""

    def __init__(self, store: Store, source: str, progress: SyncProgress, report: ProgressCallback | None):
        self._store = store
        self._source = source
        with store.read() as connection:
            self._cursors = load_cursors(connection, source)
        self._known: set[str] | None = None
        self._progress = progress
        self._report = report

    def cursor(self, scope: str) -> Mapping[str, Any] | None:
        return self._cursors.get(scope)

    def known_keys(self) -> set[str]:
        if self._known is None:
            with self._store.read() as connection:
                self._known = known_source_keys(connection, self._source)
        return self._known

    def expect(self, items: int) -> None:
        self._progress.total += items
        if self._report:
            self._report(self._progress)


def sync_source(
    store: Store,
    config: Config,
    source: Source,
    *,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> SourceReport:
    """Take in every batch `source` has since its stored cursors; one transaction per batch, in arrival order."""
    state = SyncProgress(source=source.name)
    writer = StoreWriter(store, list(config.projects.values()), team=lambda: team_senders(config, store))
    sync_state = _State(store, source.name, state, progress)
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
    return SourceReport(
        source.name, failure is None, state.messages, state.new_cases, state.failures, _seconds(state), failure
    )


def raw_bytes(items: list[RawItem]) -> int:
    """The raw bytes intake is handed in `items`."""
    return sum(len(item.data) for item in items)


def _seconds(state: SyncProgress) -> float:
    return time.monotonic() - state.started
