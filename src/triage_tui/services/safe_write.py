"""Writes a file the user named: never replacing one silently, never through a symlink, private to the user."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_MODE = 0o600


class WriteError(Exception):
    """The file could not be written; the message says why and what to do."""


def write_new_file(destination: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write `data` to `destination` (mode 0600, no execute bit); refuse to replace a file unless `overwrite`.

    A replaced file is swapped for a new one written beside it, so it takes the new file's mode (never the old
    file's, which may let others read it) and is never left half-written.
    """
    target = destination.expanduser()
    if target.is_dir():
        raise WriteError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise WriteError(f"the folder {target.parent} does not exist")
    if not overwrite:
        _write_private(target, data)  # O_EXCL: never replace a file silently
        return target
    if target.is_symlink():
        raise WriteError(f"{target} is a symbolic link; give the path of a real file")
    if target.exists() and not target.is_file():
        raise WriteError(f"{target} is not a regular file; choose another name")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.new")
    _write_private(temporary, data)
    try:
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WriteError(f"cannot replace {target}: {error.strerror}") from None
    return target


def check_new_file(destination: Path) -> Path:
    """What `write_new_file(destination, ...)` would refuse, refused now (WriteError) so that a caller can check
    before it records anything: the name must be free, in an existing folder it may create files in."""
    target = destination.expanduser()
    if target.exists() or target.is_symlink():
        raise WriteError(f"{target} exists; choose another name (it is never replaced)")
    if not target.parent.is_dir():
        raise WriteError(f"the folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise WriteError(f"cannot write in the folder {target.parent}: permission denied")
    return target


def _write_private(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist) with mode 0600 whatever the umask, write `data`; removed if that fails."""
    try:
        # O_NOFOLLOW: never write through a symlink planted between the checks and the open.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_MODE)
    except FileExistsError:
        raise WriteError(f"{path} already exists; choose another name") from None
    except OSError as error:
        raise WriteError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)
            handle.write(data)
    except OSError as error:
        path.unlink(missing_ok=True)
        raise WriteError(f"cannot write {path}: {error.strerror}") from None


def export_folder(folder: Path) -> Path:
    """`folder`, created (0700) when missing: its parent must exist, and a symbolic link is never followed (one in
    its place is refused, so an export cannot be steered elsewhere); WriteError otherwise."""
    folder = folder.expanduser()
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except FileNotFoundError:
        raise WriteError(f"cannot create {folder}: its parent folder does not exist") from None
    except OSError as error:
        raise WriteError(f"cannot create {folder}: {error.strerror}") from None
    if folder.is_symlink() or not folder.is_dir():
        raise WriteError(f"{folder} is not a folder (a link or a file is in its place)")
    return folder
