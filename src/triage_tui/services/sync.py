"""Provides sync: new items from each source through intake into the store, with decryption overlapping storage."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from threading import Event

from sqlalchemy import Engine

from triage_tui.config import Config, MaildirSourceConfig, SourceConfig
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.services.intake_pool import WORKERS, IntakeWorkers
from triage_tui.sources.base import RawItem, Source, SourceError
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store.ingest import CursorUpdate, IncomingItem, known_source_keys, store_batch, sync_projects

# Each chunk is decrypted by one gpg process in a worker while the store writes the chunk before it.
CHUNK_SIZE = 48
# Chunks decrypted ahead of the store: bounds memory however large the source is.
MAX_IN_FLIGHT = 2 * WORKERS


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


def open_source(config: SourceConfig) -> Source:
    """Build the source object for a configured source."""
    if isinstance(config, MaildirSourceConfig):
        return MaildirSource(config.name, config.path)
    raise SourceError(f"source '{config.name}': kind '{config.kind}' is not supported by this version of triage-tui")


def sync_source(
    engine: Engine,
    config: Config,
    source: Source,
    *,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> SourceReport:
    """Take in every item of `source` not yet stored; one transaction per chunk, in arrival order."""
    state = SyncProgress(source=source.name)
    projects = list(config.projects.values())
    # Projects come from the config; the store must know them before cases can point at them.
    sync_projects(engine, projects)
    try:
        keys = source.list_new(known_source_keys(engine, source.name))
        state.total = len(keys)
        if progress:
            progress(state)
        chunks = [keys[i : i + CHUNK_SIZE] for i in range(0, len(keys), CHUNK_SIZE)]
        in_flight: deque[tuple[list[RawItem], Future[list[ParsedMessage | IntakeFailure]]]] = deque()
        with IntakeWorkers(config.gnupg_home()) as workers:

            def store_oldest() -> None:
                items, future = in_flight.popleft()
                results = future.result()
                stored = store_batch(
                    engine,
                    [IncomingItem(source.name, item.key, result) for item, result in zip(items, results, strict=True)],
                    projects,
                    [CursorUpdate(source.name, "items", {"last_key": items[-1].key})],
                )
                state.done += len(items)
                state.messages += stored.messages
                state.new_cases += len(stored.new_cases)
                state.failures += stored.failures + sum(
                    1 for r in results if isinstance(r, ParsedMessage) and r.verdict.error
                )
                if progress:
                    progress(state)

            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    raise SyncCancelled
                items = list(source.fetch(chunk))
                in_flight.append((items, workers.submit(items)))
                if len(in_flight) >= MAX_IN_FLIGHT:
                    store_oldest()
            while in_flight:
                store_oldest()
    except (SourceError, SyncCancelled) as error:
        message = str(error) or "cancelled"
        return SourceReport(
            source.name, False, state.messages, state.new_cases, state.failures, _seconds(state), message
        )
    return SourceReport(source.name, True, state.messages, state.new_cases, state.failures, _seconds(state))


def _seconds(state: SyncProgress) -> float:
    return time.monotonic() - state.started


def sync_all(
    engine: Engine,
    config: Config,
    *,
    only: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> list[SourceReport]:
    """Sync every configured source (or only the named one); a failing source never stops the others."""
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
        try:
            source = open_source(source_config)
        except SourceError as error:
            reports.append(SourceReport(name, False, 0, 0, 0, 0.0, str(error)))
            continue
        reports.append(sync_source(engine, config, source, progress=progress, cancel=cancel))
    return reports
