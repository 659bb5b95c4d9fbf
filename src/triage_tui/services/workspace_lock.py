"""Provides locks kept in the workspace (`flock` on a file beside the store), so processes on one store take turns."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    """Another process holds the lock; `holder` is its pid when it could be read."""

    def __init__(self, holder: int | None) -> None:
        super().__init__(f"held by pid {holder}" if holder else "held by another process")
        self.holder = holder


def lock_file_of(database: Path, purpose: str) -> Path:
    """The lock file for `purpose` ("setup", "sync") of the store at `database`."""
    return database.with_name(f"{database.name}.{purpose}.lock")


def _holder(descriptor: int) -> int | None:
    """The pid the lock's holder wrote into the lock file, None if there is none to read."""
    text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


@contextmanager
def workspace_lock(path: Path, *, wait: bool, on_wait: Callable[[int | None], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock `path` for the block; it is released when the process ends, however it ends.

    With `wait`, a held lock is waited for (`on_wait` is told the holder's pid first); without, LockBusy is raised.
    The file is never deleted: a process waiting on a deleted file's lock would take a lock nobody else sees.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            if not wait:
                raise LockBusy(holder) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        # The holder's pid, for the message of whoever waits or is refused next.
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)  # closing the last descriptor releases the lock
