"""Provides the one protocol every sync job satisfies (a mail source, GitHub, the team folder, the outbox), with
the progress and the report they share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Event
from typing import Protocol


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
    note: str | None = None
    """What waits for something other than a failure (replies held for an unconfigured SMTP), said in one line."""

    @classmethod
    def failed(cls, source: str, error: str, seconds: float = 0.0) -> SourceReport:
        """A source that synced nothing, and why."""
        return cls(source, False, 0, 0, 0, seconds, error)


ProgressCallback = Callable[[SyncProgress], None]


class SyncJob(Protocol):
    """One step of a sync, run in turn with the others on the same store. What failed on the far side (a server
    offline, a refused token, a cancel) comes back in the report, so the jobs after it still run."""

    @property
    def name(self) -> str:
        """What the job's report is named after: the configured source, "team" or "outbox"."""
        ...

    def run(self, progress: ProgressCallback | None, cancel: Event | None) -> SourceReport | None:
        """Do the job's work; None when there was nothing to do and nothing to report."""
        ...
