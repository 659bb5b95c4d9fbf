"""Provides the inbox list's columns: which are shown at a width, how wide each is, and each cell's text.

The title gets the space first; the other columns shrink to a shorter form, then the least needed ones go, and what
is left over at wide sizes goes to the title and the projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.style import Style

from triage_tui.store.queries import CaseSummary, case_score, severity_band
from triage_tui.widgets.verdict import case_signature_look

GAP = 1
"""Cells between two columns."""
TITLE_FIRST = 30
"""Cells the title grows to before any other column grows past its shortest form."""
FLEX_SHARES = {"title": 3, "projects": 1}
"""How the space left once every column has its natural width is shared out: mostly to the title (at 200 columns a
title of 60 cells left long subjects cut with room to spare), the projects taking a quarter."""


@dataclass(frozen=True)
class Column:
    """One column: its heading (and a shorter one), its natural and shortest widths, and when it goes."""

    key: str
    heading: str
    short: str
    natural: int
    minimum: int
    drop: int = 0
    """The order in which columns go when even the shortest forms do not fit (1 goes first); 0 never goes."""


COLUMNS = (
    Column("id", "id", "id", 13, 9),
    Column("received", "received", "rcvd", 10, 5, drop=1),
    Column("reporter", "reporter", "from", 16, 8, drop=2),
    Column("title", "title", "title", 24, 24),
    Column("state", "state", "st", 11, 6),
    Column("severity", "severity", "sev", 13, 3),
    Column("signature", "signature", "sig", 13, 9),
    Column("assignee", "assignee", "asgn", 17, 6, drop=3),
    Column("embargo", "embargo", "emb", 10, 7),
    Column("projects", "projects", "proj", 10, 8),
)
GROWTH_ORDER = ("id", "signature", "embargo", "reporter", "severity", "state", "assignee", "received", "projects")
"""Which columns get back towards their natural width first, once the title has TITLE_FIRST cells."""


@dataclass(frozen=True)
class Layout:
    """The columns shown at one width, and the width of each."""

    columns: tuple[Column, ...]
    widths: tuple[int, ...]

    @property
    def width(self) -> int:
        """Cells the columns and the gaps between them take."""
        return sum(self.widths) + GAP * max(0, len(self.widths) - 1)

    def offsets(self) -> list[int]:
        """Where each column starts."""
        starts, at = [], 0
        for width in self.widths:
            starts.append(at)
            at += width + GAP
        return starts

    def headings(self) -> str:
        """The heading line: each heading (or its short form where the full one does not fit) in its column."""
        return " ".join(
            (c.heading if len(c.heading) <= w else c.short)[:w].ljust(w)
            for c, w in zip(self.columns, self.widths, strict=True)
        )


@lru_cache(maxsize=64)
def layout(total: int) -> Layout:
    """The columns for a list `total` cells wide."""
    shown = list(COLUMNS)
    for rank in sorted({c.drop for c in COLUMNS if c.drop}):
        if sum(c.minimum for c in shown) + GAP * (len(shown) - 1) <= total:
            break
        shown = [c for c in shown if c.drop != rank]
    widths = {c.key: c.minimum for c in shown}
    spare = total - sum(widths.values()) - GAP * (len(shown) - 1)

    def grow(key: str, up_to: int) -> None:
        nonlocal spare
        if key in widths and spare > 0:
            added = min(spare, max(0, up_to - widths[key]))
            widths[key] += added
            spare -= added

    grow("title", TITLE_FIRST)
    natural = {c.key: c.natural for c in shown}
    for key in GROWTH_ORDER:
        grow(key, natural.get(key, 0))
    if spare > 0:
        shares = {k: s for k, s in FLEX_SHARES.items() if k in widths}
        whole = sum(shares.values())
        given = 0
        for key, share in shares.items():
            widths[key] += spare * share // whole
            given += spare * share // whole
        widths["title"] += spare - given
    return Layout(tuple(shown), tuple(widths[c.key] for c in shown))


SHORT_WORDS = {
    "unknown-key": "unknown",
    "expired-key": "expired",
    "expired-sig": "exp-sig",
    "revoked-key": "revoked",
    "unsigned": "no-sig",
    "key-changed": "key-chg",
    "signer≠From": "From",
}
"""A shorter word for each verdict that does not fit a narrow signature column (its symbol stays)."""


def id_text(case: CaseSummary, width: int) -> str:
    """The case id; narrow, without the "PSC-" every id starts with."""
    return case.id if len(case.id) <= width else case.id.removeprefix("PSC-")


def verdict_text(symbol: str, word: str, width: int) -> str:
    """A verdict's symbol and word, the word shortened when the column is narrow."""
    label = f"{symbol} {word}"
    return label if len(label) <= width else f"{symbol} {SHORT_WORDS.get(word, word)}"


def embargo_text(countdown: str, width: int) -> str:
    """An embargo countdown ("12d 4h", "overdue 2d"); narrow, "overdue" becomes "late"."""
    if len(countdown) > width and countdown.startswith("overdue "):
        return "late " + countdown.removeprefix("overdue ")
    return countdown


def received_text(case: CaseSummary, width: int) -> str:
    """The received date: in full, or month and day when narrow."""
    return case.received_at.strftime("%Y-%m-%d" if width >= 10 else "%m-%d")


SHORT_STATES = {"accepted": "accept", "published": "publ'd"}
"""Shorter words for the states longer than a narrow state column."""


def state_text(case: CaseSummary, width: int) -> str:
    """The state; a closed case says so with a mark, and how it closed (spam, duplicate, ...)."""
    if case.state == "closed":
        return f"⊘ {case.disposition or 'closed'}"
    text = case.disposition or case.state
    return text if len(text) <= width else SHORT_STATES.get(text, text)


SEVERITY_COLOURS = {"critical": "#ff6b6b", "high": "#ff9f43", "medium": "#e5b84b", "low": "#8fb8de"}
"""The colour of each rating's score, so a narrow column (the score alone) still shows the rating."""


def severity_colour(case: CaseSummary) -> str | None:
    """The colour of the case's rating (None when unscored or rated none)."""
    if case.cvss4_vector is None and case.cvss_vector is None:
        return None
    return SEVERITY_COLOURS.get(severity_band(case_score(case.cvss4_vector, case.cvss_vector)))


def severity_text(case: CaseSummary, width: int) -> str:
    """ "9.8 critical" (the score and its CVSS rating), shortened to "9.8 crit" or "9.8" when narrow; "–" unscored."""
    if case.cvss4_vector is None and case.cvss_vector is None:
        return "–"
    score = case_score(case.cvss4_vector, case.cvss_vector)
    if score is None:
        return "? bad vector" if width >= 12 else "?"
    rating = severity_band(score)
    full = f"{score:.1f} {rating}"
    if len(full) <= width:
        return full
    short = f"{score:.1f} {rating[:4]}"
    return short if len(short) <= width else f"{score:.1f}"


def projects_text(case: CaseSummary) -> str:
    """The projects the case is linked to, comma-separated."""
    return ",".join(p.project for p in case.projects) or "–"


def cell(key: str, case: CaseSummary, width: int, base: Style) -> tuple[str, Style]:
    """One cell's text (untrusted: the caller neutralises it) and style; the embargo's countdown is the list's own,
    since it depends on the clock."""
    if key == "id":
        return id_text(case, width), base
    if key == "received":
        return received_text(case, width), base
    if key == "reporter":
        return case.reporter, base
    if key == "title":
        return case.title, base
    if key == "state":
        return state_text(case, width), base
    if key == "severity":
        colour = severity_colour(case)
        return severity_text(case, width), base + Style(color=colour, bold=True) if colour else base
    if key == "signature":
        look = case_signature_look(case.signature, key_changed=case.key_changed, signer_not_from=case.signer_not_from)
        return verdict_text(look.symbol, look.word, width), base + Style(color=look.colour, bold=not look.good)
    if key == "assignee":
        return case.assignee or "–", base
    return projects_text(case), base
