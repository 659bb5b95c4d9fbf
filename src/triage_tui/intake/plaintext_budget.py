"""Provides the bounds on decrypted plaintext held at once: per gpg run, and across the intake workers of a sync."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class PlaintextAllowance:
    """Plaintext the intake workers of one sync have read in and not yet parsed, shared by them: a worker's first
    plaintext waits until the others' fit beside it (or they hold none), so large ones are parsed one at a time
    instead of one per worker at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held = 0
        self._changed = threading.Condition()

    def take(self, size: int, *, wait: bool) -> bool:
        """Count `size` bytes as held; without `wait`, False (nothing taken) when they do not fit now. Waiting never
        deadlocks: whoever holds bytes is parsing and gives them back when done, waiting for no one."""
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._held == 0 or self._held + size <= self.limit)
            elif self._held and self._held + size > self.limit:
                return False
            self._held += size
            return True

    def give_back(self, size: int) -> None:
        with self._changed:
            self._held -= size
            self._changed.notify_all()

    @contextmanager
    def lease(self) -> Iterator[PlaintextLease]:
        """A lease for one chunk's intake; what it took is given back when the chunk is parsed (or failed)."""
        lease = PlaintextLease(self.limit, self)
        try:
            yield lease
        finally:
            self.give_back(lease.taken)


class PlaintextLease:
    """How much plaintext one chunk's decryption may read in: at most `limit` (None: no bound), within the shared
    allowance when there is one, and its first plaintext always (so every run makes progress). Once one plaintext
    is refused, none after it is read: the rest of the chunk is handed back, in order."""

    def __init__(self, limit: int | None, shared: PlaintextAllowance | None = None) -> None:
        self.limit = limit
        self.taken = 0
        self._shared = shared
        self._read_any = False
        self.exhausted = False

    def admits(self, size: int) -> bool:
        """Whether a plaintext of `size` bytes may be read in; if so, it is counted as taken."""
        if self.exhausted:
            return False
        first = not self._read_any
        over = self.limit is not None and self.taken + size > self.limit
        if (over and not first) or (self._shared is not None and not self._shared.take(size, wait=first)):
            self.exhausted = True
            return False
        self._read_any = True
        self.taken += size
        return True
