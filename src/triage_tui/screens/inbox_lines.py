"""Provides the inbox's lines of text: the count line above the list (what is shown and how many) and the search
snippet under it, with the filters and saved views they describe."""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual.binding import Binding
from textual.content import Content

from triage_tui.config import SavedView
from triage_tui.store.case_filter import case_id_prefix
from triage_tui.store.queries import UNASSIGNED, CaseFilter
from triage_tui.store.reads import InboxCount
from triage_tui.untrusted import neutralise
from triage_tui.widgets.safe_text import safe_template

MATCH_STYLE = "bold reverse $warning"
"""How a search match inside a snippet is shown."""

FILTER_FIELDS = ("state", "disposition", "project", "severity", "assignee", "signature", "embargo_due_days")
"""The filter fields the filter modal sets, in its order (search and sort have keys of their own)."""


def view_filter(view: SavedView, sort: str = "received") -> CaseFilter:
    """The filter a saved view stands for."""
    return CaseFilter(
        state=view.state,
        disposition=view.disposition,
        project=view.project,
        severity=view.severity,
        assignee=view.assignee,
        signature=view.signature,
        embargo_due_days=view.embargo_due_days,
        search=view.search,
        sort=sort,
    )


def filter_words(case_filter: CaseFilter) -> str:
    """The filter fields that are set, as "state=new, project=pip" (search and sort are said elsewhere)."""
    words = []
    for name in FILTER_FIELDS:
        value = getattr(case_filter, name)
        if value is None:
            continue
        if name == "embargo_due_days":
            words.append(f"embargo due ≤ {value} d")
        elif name == "assignee" and value == UNASSIGNED:
            words.append("unassigned")
        else:
            words.append(f"{name}={value}")
    return ", ".join(words)


def count_line(
    count: InboxCount | None, case_filter: CaseFilter, view: str | None = None, selected: int = 0
) -> Content:
    """The line above the list: "412 cases", "17 of 412 · view: mine", "2 of 6 matching 'tarfile'", then how many
    closed cases are hidden and how many are selected, each field set off by " · "."""
    if count is None:
        head = safe_template("[b]counting…[/b]")
    elif not case_filter.narrows_more:
        noun = "case" if count.shown == 1 else "cases"
        head = safe_template(f"[b]$shown[/b] {noun}", shown=str(count.shown))
    else:
        head = safe_template("[b]$shown[/b] of $total", shown=str(count.shown), total=str(count.total))
    parts = [head]
    if case_filter.search:
        parts.append(safe_template(" matching [b]'$search'[/b]", search=case_filter.search))
    if view is not None:
        parts.append(safe_template(" · view: [b]$view[/b]", view=view))
    elif words := filter_words(case_filter):
        parts.append(safe_template(" · $words", words=words))
    if case_filter.sort != "received":
        parts.append(safe_template(" · sorted by $sort", sort=case_filter.sort))
    if case_filter.hides_closed and count is not None and count.hidden_closed:
        # Said only when some are hidden: with none closed, there is nothing the list leaves out.
        parts.append(safe_template(" · $hidden closed hidden (c shows them)", hidden=str(count.hidden_closed)))
    elif case_filter.closed:
        parts.append(Content(" · closed shown (c hides them)"))
    if selected:
        # Short enough for 80 columns after a sort: the footer names x, a and l in full.
        parts.append(safe_template(" · [b]$selected selected[/b] (x, a, l act on them)", selected=str(selected)))
    return Content("").join(parts)


_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\u0085]+")


def _flat(text: str) -> str:
    # One line, spaces kept at the edges: a piece of a snippet sits between matches.
    return neutralise(_BREAKS.sub(" ", text))


def snippet_content(snippet: str, marks: tuple[str, str]) -> Content:
    """An FTS5 snippet as one line of `Content`: untrusted text stays literal, only our marks become highlights.

    `marks` are fresh random strings, so text in a message cannot pose as a match; each piece is neutralised and
    inserted as plain text, never parsed as markup.
    """
    pieces: list[tuple[str, str] | str] = []
    for index, chunk in enumerate(snippet.split(marks[0])):
        if index == 0:
            pieces.append(_flat(chunk))
            continue
        matched, _, rest = chunk.partition(marks[1])
        pieces.append((_flat(matched), MATCH_STYLE))
        pieces.append(_flat(rest))
    return Content.assemble(*pieces)


def saved_view_bindings(
    views: Iterable[tuple[str, SavedView]], taken: set[str]
) -> tuple[list[Binding], list[tuple[str, str]]]:
    """A binding (with an id, so the keymap can move it) for each saved view with a key, and the views whose key
    one of `taken` already holds, as (view, key): the inbox's own key wins, and the user is told."""
    bindings: list[Binding] = []
    shadowed: list[tuple[str, str]] = []
    for index, (name, view) in enumerate(views):
        if view.key:
            binding = Binding(
                view.key, f"show_view({index})", name, show=False, id=f"view.{name}", tooltip=f"Saved view {name}"
            )
            for single in Binding.make_bindings([binding]):
                if single.key in taken:
                    shadowed.append((name, single.key))
                bindings.append(single)
    return bindings, shadowed


def no_snippet_words(case_id: str, search: str) -> str:
    """What the snippet line says of a case the search found with no message text to quote."""
    prefix = case_id_prefix(search)
    if prefix is not None and case_id.startswith(prefix):
        return "its id matches"
    return "matches the title or a note"
