"""Provides what the inbox reads off the UI thread and the messages that bring each read back; after the store
changed, the count and the pages on screen are read again with the cursor's case found again (so the cursor stays on
it as a sync adds cases above)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from triage_tui.store.inbox_status import InboxStatus
from triage_tui.store.queries import CaseFilter, CaseSummary
from triage_tui.store.reads import InboxCount, StoreReads
from triage_tui.widgets.case_list import PAGE_SIZE

ANCHOR_LOOKBACK = 50
"""Rows above the cursor searched for its case after a re-read (a reply can move a case up)."""
ANCHOR_WINDOW = 2000
"""Most rows read to find the cursor's case again; past that the cursor keeps its index."""


@dataclass(frozen=True)
class ListPosition:
    """Where the list stood before the re-read: the cursor's case and row, the row count, the view's top row and
    height."""

    anchor_id: str | None
    anchor: int
    old_count: int
    top: int
    height: int


@dataclass(frozen=True)
class Reread:
    """The filter read again: its count, the pages to show, and how far the cursor's case moved."""

    count: InboxCount
    pages: dict[int, list[CaseSummary]]
    shift: int


def reread(reads: StoreReads, case_filter: CaseFilter, position: ListPosition) -> Reread:
    """Read `case_filter` again around `position` (from a worker thread)."""
    count = reads.count(case_filter)
    shift = 0
    anchor, top = position.anchor, position.top
    # A cursor on the newest case with the view at the top follows the head of the list, so new cases appear
    # under it; anywhere else the cursor stays on its case as rows are added above it.
    if position.anchor_id is not None and (anchor, top) != (0, 0):
        # Sync only adds: the cursor's case is at most (new - old) rows further down, or a little up if a reply
        # moved it.
        start = max(0, anchor - ANCHOR_LOOKBACK)
        limit = min(ANCHOR_WINDOW, anchor - start + max(0, count.shown - position.old_count) + ANCHOR_LOOKBACK)
        window = reads.page(case_filter, start, limit)
        found = next((start + i for i, case in enumerate(window) if case.id == position.anchor_id), None)
        if found is not None:
            shift = found - anchor
    first_row = max(0, top + shift)
    wanted = {0} | set(range(first_row // PAGE_SIZE, (first_row + max(1, position.height)) // PAGE_SIZE + 1))
    pages = {
        page: reads.page(case_filter, page * PAGE_SIZE, PAGE_SIZE)
        for page in sorted(wanted)
        if page * PAGE_SIZE < count.shown
    }
    return Reread(count, pages, shift)


@dataclass
class FirstPageRead(Message):
    """A filter's first page has been read; `count` is set when it is known already (a short list)."""

    generation: int
    case_filter: CaseFilter
    count: InboxCount | None
    first_page: list[CaseSummary]


@dataclass
class CountRead(Message):
    """A filter's count has been read (after its first page was shown)."""

    generation: int
    count: InboxCount


@dataclass
class ListReread(Message):
    """The shown filter has been re-read after the store changed."""

    generation: int
    case_filter: CaseFilter
    reread: Reread


@dataclass
class ViewsCounted(Message):
    """Each saved view's count has been read."""

    counts: dict[str, int]


@dataclass
class SnippetRead(Message):
    """The search snippet of the case under the cursor."""

    case_id: str
    search: str
    snippet: str | None


@dataclass
class StatusRead(Message):
    """The status line's counts have been read."""

    status: InboxStatus
