"""Provides the small protocol every source kind implements: batches of new raw items, each with its cursor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

MAX_MESSAGE_BYTES = 24 * 1024 * 1024
"""The largest message a source reads whole (a Maildir file, an IMAP message by its RFC822.SIZE): intake parses no
larger one (intake.pipeline.MAX_PARSED_BYTES; a sync holds several times a message's size). Of a larger one only
its first HEAD_BYTES are read, for its headers, and it is kept as too large; it stays in the source."""
HEAD_BYTES = 64 * 1024
"""How much of a message too large to take in is read, for its headers (who sent it, its subject): a few KB."""
MAX_BATCH_BYTES = 12 * 1024 * 1024
"""The most raw bytes one batch holds (a single larger message goes alone): parsing and storing hold several times
what they take in, so the sync keeps at most twice this in intake at once (services.sync.MAX_BYTES_IN_FLIGHT)
whatever the number of items; batches of small messages are cut by their count long before."""


_Key = TypeVar("_Key")


def read_size(size: int, max_message: int = MAX_MESSAGE_BYTES) -> int:
    """The bytes a source reads of a message of `size` bytes: all of it, or its head when it is too large."""
    return size if size <= max_message else HEAD_BYTES


def sized_groups(sized: Iterable[tuple[_Key, int]], max_items: int, max_bytes: int) -> Iterator[list[_Key]]:
    """Consecutive groups of the keys of (key, size) pairs, in order, each of at most `max_items` keys whose sizes
    add up to at most `max_bytes` (a single larger one alone)."""
    group: list[_Key] = []
    total = 0
    for key, size in sized:
        if group and (len(group) >= max_items or total + size > max_bytes):
            yield group
            group, total = [], 0
        group.append(key)
        total += size
    if group:
        yield group


class SourceError(Exception):
    """A source could not be read; the message says what failed, where, and what to do."""


@dataclass(frozen=True)
class RawItem:
    """One item as the source holds it: a stable key and the untouched bytes (or why they could not be read)."""

    key: str
    data: bytes
    error: str | None = None
    whole_size: int | None = None
    """Set when the item is too large to take in: its size; `data` then holds its head only (its headers, to find
    it by), or nothing."""


@dataclass(frozen=True)
class Batch:
    """What a source hands over at once; the store saves all of it in one transaction, in order.

    `cursors` maps a scope (a folder, "items") to the cursor that holds once this batch is stored, so an
    interrupted sync resumes after the last stored batch. `gone` names keys the source no longer holds (they stay
    in the store, marked). `relink` lists keys that may be an already-stored message under a new key (after an
    IMAP UIDVALIDITY change): the sync service matches them by content before taking them in as new.
    """

    items: Sequence[RawItem] = ()
    cursors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    gone: Sequence[str] = ()
    relink: bool = False


class SyncState(Protocol):
    """What a source may ask of the sync in progress."""

    def cursor(self, scope: str) -> Mapping[str, Any] | None:
        """The cursor stored for `scope` by an earlier sync, if any."""
        ...

    def known_keys(self) -> set[str]:
        """Every key of this source already in the store."""
        ...

    def expect(self, items: int) -> None:
        """Tell the progress display that `items` more items are coming."""
        ...


class Source(Protocol):
    """A place reports come from."""

    name: str

    def batches(self, state: SyncState, chunk_size: int) -> Iterator[Batch]:
        """Everything new since the stored cursors, in arrival order, at most `chunk_size` items a batch."""
        ...
