"""Provides the one place untrusted text becomes something Textual displays.

Everything from a source (subjects, names, bodies, filenames) is neutralised again here, even though intake already
did it, so a row written by an older intake or by another tool cannot put escape sequences on the terminal. Text is
wrapped in `Content`, `Text` or a `Segment`, never parsed as markup, so `[/]` or `[@click=...]` show as typed.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.content import Content

from triage_tui.untrusted import neutralise, neutralise_line

ELLIPSIS = "…"


def safe_block(text: str) -> Content:
    """A multi-line untrusted text (a body) as plain `Content`."""
    return Content(neutralise(text).expandtabs(4))


def safe_line(text: str) -> Content:
    """A one-line untrusted text (a subject, name or filename) as plain `Content`."""
    return Content(neutralise_line(text))


def clean_line(text: str) -> str:
    """A one-line untrusted text neutralised, for APIs that treat `str` literally (Input values, `markup=False`)."""
    return neutralise_line(text)


def safe_template(template: str, **values: str) -> Content:
    """Fill a trusted markup `template` with untrusted `values`; Textual inserts `$name` variables literally."""
    return Content.from_markup(template, **{name: neutralise_line(value) for name, value in values.items()})


def fit(text: str, width: int) -> str:
    """Crop or pad already-safe text to exactly `width` cells, marking a cut with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ELLIPSIS


def safe_cell(text: str, width: int, style: Style | None = None) -> Segment:
    """One untrusted table cell as a `Segment` of exactly `width` cells (Line API rows are built from these)."""
    return Segment(fit(neutralise_line(text), width), style)


def clean_block(text: str) -> str:
    """A multi-line untrusted text neutralised, for APIs that treat `str` literally (`notify(markup=False)`)."""
    return neutralise(text)
