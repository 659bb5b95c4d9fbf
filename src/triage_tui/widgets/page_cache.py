"""Provides `PageCache`: the rows of a virtual list, read from the store a page at a time and kept in an LRU.

A list asks it for a row; it answers with the row if its page is in, and otherwise says which page to read (once:
a page already asked for is not asked for again). A generation number ties each read to the list it was asked for,
so a page read for an earlier filter is dropped when it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from textual.cache import LRUCache

Row = TypeVar("Row")


class PageCache(Generic[Row]):
    """Pages of `page_size` rows, at most `keep` of them, the least recently used dropped first."""

    def __init__(self, page_size: int, keep: int) -> None:
        self.page_size = page_size
        self.keep = keep
        self.generation = 0
        """Raised by `reset`; a page read for an older generation is not stored."""
        self._pages: LRUCache[int, list[Row]] = LRUCache(keep)
        self._requested: set[int] = set()

    def reset(self, pages: Mapping[int, list[Row]]) -> None:
        """Start over (a new filter, or a fresh read of it) with the pages already read."""
        self.generation += 1
        self._pages = LRUCache(self.keep)
        for page, rows in pages.items():
            self._pages.set(page, rows)
        self._requested.clear()

    def lookup(self, index: int) -> tuple[Row | None, int | None]:
        """(the row at `index` or None, the page to read for it or None): a page is named once until it arrives."""
        page, within = divmod(index, self.page_size)
        rows = self._pages.get(page)  # marks the page as the most recently used
        if rows is None:
            if page in self._requested:
                return None, None
            self._requested.add(page)
            return None, page
        return (rows[within] if within < len(rows) else None), None

    def loaded_index(self, wanted: Callable[[Row], bool]) -> int | None:
        """The index of the first row already read that is `wanted` (None if none is; nothing is read for it)."""
        for page in sorted(self._pages.keys()):
            rows = self._pages.get(page) or []
            found = next((i for i, row in enumerate(rows) if wanted(row)), None)
            if found is not None:
                return page * self.page_size + found
        return None

    def store(self, generation: int, page: int, rows: list[Row]) -> bool:
        """Keep a page that was read; False (and nothing kept) if it was read for an earlier generation."""
        if generation != self.generation:
            return False
        self._requested.discard(page)
        self._pages.set(page, rows)  # the least recently used page goes past `keep`
        return True
