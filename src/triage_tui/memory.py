"""Keeps the app's memory and its pauses down: malloc arenas per thread, large blocks, the garbage collector's passes.

glibc's malloc gives every thread that contends for it an arena of its own.
The UI reads the store from several threads at once (a page, its count, a snippet, the saved views' counts) and a
broad search makes SQLite allocate tens of megabytes in each; with an arena per thread that memory stays resident
after the read ends (at 100k cases: 195 MB peak with glibc's default, 124 MB with two arenas, 110 MB with one).
"""

from __future__ import annotations

import ctypes
import gc
import sys

M_ARENA_MAX = -8
"""glibc's mallopt() parameter for the most arenas malloc may create (from <malloc.h>)."""
UI_ARENAS = 2
"""The main thread's arena and one shared by the readers: one arena serialises every reader's allocations."""


M_MMAP_THRESHOLD = -3
"""glibc's mallopt() parameter for the size from which a block is mapped on its own (from <malloc.h>)."""
LARGE_BLOCK_BYTES = 1024 * 1024
"""Blocks from this size up are mapped on their own, so freeing one gives it back to the system at once."""


def _mallopt(parameter: int, value: int) -> bool:
    """glibc's mallopt(); False where that means nothing (not Linux, or a C library without mallopt, such as musl),
    or if glibc refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(parameter, value))


def limit_malloc_arenas(arenas: int = UI_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (call before threads start); False where that means nothing."""
    return _mallopt(M_ARENA_MAX, arenas)


def return_large_blocks() -> bool:
    """Give large blocks back to the system as soon as they are freed; False where that means nothing.

    glibc raises its mapping threshold to the largest block freed (up to 32 MB), so once a sync has freed one
    large message's buffers, the next one's come from the heap, where what is freed stays resident and is split up
    by other threads' allocations: four 24 MB mails in one sync peaked at 325 MB, 255 MB with the threshold held.
    Setting it also stops glibc raising it."""
    return _mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)


GC_THRESHOLDS = (50_000, 20, 20)
"""Allocations between young collections, and the older generations' ratios. Python's default (700, 10, 10) runs a
collection every few hundred objects a frame allocates, and a full one (walking every object, the cached pages
included) often enough to stall opening a case by 100 ms now and then. Freezing start-up's objects out of the
collector's sight (gc.freeze) was tried too: no faster here, and 20-30 MB more resident, since what it freezes is
never freed."""


def tune_garbage_collector() -> None:
    """Collect less often: the app makes little cyclic garbage, and each pass walks every young object."""
    gc.set_threshold(*GC_THRESHOLDS)
