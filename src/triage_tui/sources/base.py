"""Provides the small protocol every source kind implements: list what is new, fetch raw items."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


class SourceError(Exception):
    """A source could not be read; the message says what failed, where, and what to do."""


@dataclass(frozen=True)
class RawItem:
    """One item as the source holds it: a stable key and the untouched bytes (or why they could not be read)."""

    key: str
    data: bytes
    error: str | None = None


class Source(Protocol):
    """What the sync service needs from a source."""

    name: str

    def list_new(self, known: set[str]) -> Sequence[str]:
        """Keys of the items not in `known`, in arrival order."""
        ...

    def fetch(self, keys: Iterable[str]) -> Iterator[RawItem]:
        """The raw items for `keys`, in the same order."""
        ...
