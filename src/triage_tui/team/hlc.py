"""A hybrid logical clock (Kulkarni et al., 2014): timestamps that follow wall time, never go backwards on one
workstation, and always come after every timestamp that workstation has seen, so events made offline on laptops
with skewed clocks still order after what their authors had read."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache


@dataclass(frozen=True, order=True)
class Timestamp:
    """Milliseconds of wall time, then a counter for events within the same millisecond (or behind a clock that
    lags what was received)."""

    wall_ms: int
    counter: int = 0

    def text(self) -> str:
        """A fixed-width, sortable form: `0001763800000000-00000003`."""
        return f"{self.wall_ms:016d}-{self.counter:08d}"

    def moment(self) -> datetime:
        """The wall time, in UTC (the counter orders events within it, it is no time)."""
        return datetime.fromtimestamp(self.wall_ms / 1000, UTC)

    def iso(self) -> str:
        """The wall time as a reader reads it, ISO 8601 in UTC to the millisecond: `2026-06-01T12:00:00.000Z` (the
        counter orders events, it tells a reader nothing)."""
        return self.moment().strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.wall_ms % 1000:03d}Z"

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        """The timestamp `text()` wrote; ValueError for anything else."""
        wall, _, counter = text.partition("-")
        if len(wall) != 16 or not wall.isdigit() or len(counter) != 8 or not counter.isdigit():
            raise ValueError(f"{text!r} is not a hybrid logical clock timestamp")
        return cls(int(wall), int(counter))


CLOCK_TEXT = re.compile(r"\b(\d{16})-(\d{8})\b")
"""A timestamp's `text()` inside a message (a refusal's reason names the time a key is revoked since)."""


def readable_times(message: str) -> str:
    """`message` with each clock text in it shown as ISO 8601 UTC: a raw clock value tells a reader nothing."""
    return CLOCK_TEXT.sub(lambda found: Timestamp(int(found[1]), int(found[2])).iso(), message)


MAX_AHEAD_MS = 10 * 60 * 1000
"""How far ahead of this workstation's wall clock a received event may be: further, and it is refused, since a time
far in the future would win every last-writer-wins contest from then on."""


def too_far_ahead(moment: Timestamp, wall: float | None = None) -> bool:
    """Whether `moment` is further ahead of the wall clock than any honest clock skew."""
    # `moment > latest_acceptable(wall)` as plain numbers: a sync judges thousands of events.
    latest_ms = int((time.time() if wall is None else wall) * 1000) + MAX_AHEAD_MS
    return (moment.wall_ms, moment.counter) > (latest_ms, _LATEST_COUNTER)


def latest_acceptable(wall: float | None = None) -> Timestamp:
    """The latest time a received event may carry at the wall clock `wall` (default now): later ones wait."""
    return _latest_at(int((time.time() if wall is None else wall) * 1000))


_LATEST_COUNTER = 99_999_999
"""The latest counter of the latest acceptable millisecond (the counter's text is eight digits)."""


@lru_cache(maxsize=8)
def _latest_at(now_ms: int) -> Timestamp:
    # One per instant: a sync's round judges thousands of events at one `wall`.
    return Timestamp(now_ms + MAX_AHEAD_MS, _LATEST_COUNTER)


def due_text(moment: Timestamp) -> str:
    """When (UTC, to the second) an event dated `moment` stops being too far ahead of this workstation's clock."""
    try:
        due = datetime.fromtimestamp((moment.wall_ms - MAX_AHEAD_MS) / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # a sender's claim beyond what a date can say
        return "after the year 9999"
    return due.strftime("%Y-%m-%d %H:%M:%S UTC")


class HybridClock:
    """One workstation's clock: `now()` for an event made here, `observe()` for one received."""

    def __init__(self, wall: Callable[[], float] = time.time, last: Timestamp | None = None) -> None:
        self._wall = wall
        self._last = last or Timestamp(0, 0)
        self._lock = threading.Lock()

    def now(self) -> Timestamp:
        """A timestamp later than every one made or observed here."""
        with self._lock:
            wall = int(self._wall() * 1000)
            if wall > self._last.wall_ms:
                self._last = Timestamp(wall, 0)
            else:
                self._last = Timestamp(self._last.wall_ms, self._last.counter + 1)
            return self._last

    def observe(self, seen: Timestamp) -> None:
        """Take in a received event's timestamp, so the next `now()` comes after it."""
        with self._lock:
            if seen > self._last:
                self._last = seen

    @property
    def last(self) -> Timestamp:
        """The latest timestamp made or observed (to persist between runs)."""
        return self._last
