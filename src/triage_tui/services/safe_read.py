"""Reads a file the user named, with a size bound: a regular file only (never a FIFO, device or folder), never more
than one byte past the bound, and never through a symlink where the caller says so."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Literal

Refusal = Literal["unreadable", "not-regular", "symlink", "too-big"]


class ReadRefused(Exception):
    """The file was not read: `kind` says which refusal (for the caller's own message), `reason` says it in the words
    of a system error ("No such file or directory", "Is a directory", "not a regular file: a FIFO")."""

    def __init__(self, kind: Refusal, reason: str) -> None:
        super().__init__(reason)
        self.kind: Refusal = kind
        self.reason = reason


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_bounded(path: Path, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; ReadRefused otherwise.

    Opened without blocking (a FIFO with no writer would otherwise hang the open) and checked on the open
    descriptor, so a file swapped for another kind between a check and the open is still refused; at most
    `limit` + 1 bytes are read, whatever the file's size says (a file may grow while it is read)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_symlinks:
            raise ReadRefused("symlink", "a symbolic link") from None
        raise ReadRefused("unreadable", error.strerror or str(error)) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise ReadRefused("not-regular", os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):
            raise ReadRefused(
                "not-regular", f"not a regular file: {_KINDS.get(stat.S_IFMT(mode), 'of an unknown kind')}"
            )
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise ReadRefused("unreadable", error.strerror or str(error)) from None
    finally:
        os.close(descriptor)
    if left <= 0:
        raise ReadRefused("too-big", f"over {limit} bytes")
    return b"".join(chunks)
