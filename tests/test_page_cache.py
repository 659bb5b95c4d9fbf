"""Tests for the virtual lists' page cache: a missing page is asked for once, old reads are dropped, LRU order."""

from __future__ import annotations

from triage_tui.widgets.page_cache import PageCache


def test_a_missing_page_is_named_once_and_rows_come_from_stored_pages() -> None:
    cache: PageCache[str] = PageCache(page_size=3, keep=2)
    cache.reset({0: ["a", "b", "c"]})
    assert cache.lookup(1) == ("b", None)
    assert cache.lookup(4) == (None, 1)
    assert cache.lookup(5) == (None, None)  # page 1 is on its way
    assert cache.store(cache.generation, 1, ["d", "e"])
    assert cache.lookup(4) == ("e", None)
    assert cache.lookup(5) == (None, None)  # past the end of a short last page


def test_a_page_read_for_an_earlier_generation_is_dropped() -> None:
    cache: PageCache[str] = PageCache(page_size=2, keep=4)
    cache.reset({})
    assert cache.lookup(2) == (None, 1)
    old = cache.generation
    cache.reset({0: ["x", "y"]})
    assert not cache.store(old, 1, ["stale", "stale"])
    assert cache.lookup(2) == (None, 1)  # asked for again, for the new generation


def test_the_least_recently_used_page_goes_first() -> None:
    cache: PageCache[int] = PageCache(page_size=1, keep=2)
    cache.reset({0: [0], 1: [1]})
    cache.lookup(0)  # page 0 is now the most recently used
    cache.store(cache.generation, 2, [2])
    assert cache.lookup(0) == (0, None)
    assert cache.lookup(1) == (None, 1)
