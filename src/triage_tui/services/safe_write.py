"""Writes a file the user named: never replacing one silently, never through a symlink, private to the user."""

from __future__ import annotations

import os
from pathlib import Path


class WriteError(Exception):
    """The file could not be written; the message says why and what to do."""


def write_new_file(destination: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write `data` to `destination` (mode 0600, no execute bit); refuse to replace a file unless `overwrite`."""
    target = destination.expanduser()
    if target.is_dir():
        raise WriteError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise WriteError(f"the folder {target.parent} does not exist")
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        # O_EXCL: never replace a file silently; O_NOFOLLOW: never write through a planted symlink.
        descriptor = os.open(target, flags, 0o600)
    except FileExistsError:
        raise WriteError(f"{target} already exists; choose another name") from None
    except OSError as error:
        raise WriteError(f"cannot write {target}: {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return target
