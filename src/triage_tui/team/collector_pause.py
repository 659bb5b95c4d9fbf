"""Pauses Python's cycle collector while one bounded batch of team events is applied: the batch allocates hundreds
of thousands of small objects (events, rows, cases' states), each allocation burst set off a full collection over
the whole process (the app's widgets included), and those passes cost a sixth of applying 10,000 events. Nothing
the batch makes is freed later than it would be: its objects are freed by reference counting, the collector only
finds cycles, and it runs again as soon as the batch is stored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the duration (nested and concurrent uses are counted: it is on again, if it was
    on, when the last one ends)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
