"""Provides the Maildir source: reads new/ and cur/ without changing the folder, keyed by the unique file name."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from triage_tui.sources.base import (
    HEAD_BYTES,
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    Batch,
    RawItem,
    SourceError,
    SyncState,
    read_size,
    sized_groups,
)


def unique_name(filename: str) -> str:
    """The part of a Maildir file name that stays the same when a reader adds flags (`:2,S`)."""
    return filename.split(":", 1)[0]


class MaildirSource:
    """A local Maildir. It is only read: files are never moved or flagged, so other mail readers are unaffected."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._locations: dict[str, Path] = {}

    def _scan(self) -> dict[str, Path]:
        if not (self.path / "cur").is_dir() and not (self.path / "new").is_dir():
            raise SourceError(
                f"source '{self.name}': {self.path} is not a Maildir (no cur/ or new/ folder); "
                "check the path in config.toml"
            )
        found: dict[str, Path] = {}
        for folder in ("new", "cur"):
            directory = self.path / folder
            try:
                entries = os.scandir(directory)
            except FileNotFoundError:
                continue
            except OSError as error:
                raise SourceError(f"source '{self.name}': cannot list {directory}: {error.strerror}") from None
            with entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    found.setdefault(unique_name(entry.name), Path(entry.path))
        return found

    def list_new(self, known: set[str]) -> Sequence[str]:
        """Keys not yet stored, oldest first (Maildir names start with the delivery time)."""
        self._locations = self._scan()
        return sorted(key for key in self._locations if key not in known)

    def batches(self, state: SyncState, chunk_size: int) -> Iterator[Batch]:
        """The files not yet stored, oldest first, at most MAX_BATCH_BYTES of them a batch (a larger file alone);
        listing the folders is the whole cost of a no-change sync."""
        keys = self.list_new(state.known_keys())
        state.expect(len(keys))
        sized = ((key, read_size(self._size(key))) for key in keys)
        for chunk in sized_groups(sized, chunk_size, MAX_BATCH_BYTES):
            yield Batch(items=list(self.fetch(chunk)), cursors={"items": {"last_key": chunk[-1]}})

    def _size(self, key: str) -> int:
        """The size of a listed file, to cut batches by; 0 for one that cannot be looked at (its read says why)."""
        path = self._locations.get(key)
        try:
            return os.stat(path, follow_symlinks=False).st_size if path is not None else 0
        except OSError:
            return 0

    def fetch(self, keys: Iterable[str]) -> Iterator[RawItem]:
        """Read each file; a file that vanished or is not a regular file becomes an item with an error."""
        for key in keys:
            path = self._locations.get(key)
            if path is None:
                yield RawItem(key, b"", "not found in the Maildir")
                continue
            yield self._read(key, path)

    def _read(self, key: str, path: Path) -> RawItem:
        try:
            # Only a regular file is opened: opening a FIFO waits for a writer forever, a device may act on it.
            kind = _kind_of(os.lstat(path).st_mode)
            if kind is not None:
                return RawItem(key, b"", f"not a regular file ({kind}); it was not opened")
            # O_NOFOLLOW: a symlink planted in the Maildir must not make us read a file elsewhere. O_NONBLOCK: a file
            # swapped for a FIFO since the lstat cannot hold the open (fstat below refuses it).
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            # Another reader moved it from new/ to cur/ (adding flags) since we listed the folder.
            moved = self._scan().get(key)
            if moved is None or moved == path:
                return RawItem(key, b"", "the file disappeared before it could be read")
            return self._read(key, moved)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return RawItem(key, b"", "is a symbolic link, which is never followed")
            return RawItem(key, b"", f"cannot open: {error.strerror}")
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            kind = _kind_of(info.st_mode)
            if kind is not None:
                return RawItem(key, b"", f"not a regular file ({kind}); it was not read")
            if info.st_size > MAX_MESSAGE_BYTES:
                return RawItem(key, handle.read(HEAD_BYTES), whole_size=info.st_size)
            return RawItem(key, handle.read())


_KINDS = (
    (stat.S_ISLNK, "a symbolic link, which is never followed"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def _kind_of(mode: int) -> str | None:
    """What a Maildir entry that is not a regular file is ("a FIFO"); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "an unknown kind of file")
