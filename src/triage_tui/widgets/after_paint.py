"""Provides `PaintAware`: a widget that can run callbacks once it has next been drawn.

Background reads that follow what a screen shows (an inbox count, a search snippet, a case's side panel) used to
start beside the paint of what they follow, and competed with it for the interpreter: that made the paint several
times slower now and then. Textual's `call_after_refresh` runs when the screen is idle, which can come before a
widget's repaint has even reached the screen, so the widget itself says when it has drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

MAX_PAINT_WAIT = 0.05
"""Seconds `call_after_paint` waits for a paint before running its callbacks anyway (the widget may be hidden)."""


class PaintAware(Widget):
    """Mix in before a widget class: `class CaseList(PaintAware, ScrollView)`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._after_paint: list[Callable[[], object]] = []

    def call_after_paint(self, callback: Callable[[], object]) -> None:
        """Run `callback` once this widget has next been drawn (or after `MAX_PAINT_WAIT` if it is not drawn)."""
        self._after_paint.append(callback)
        self.set_timer(MAX_PAINT_WAIT, self._run_after_paint)

    def _run_after_paint(self) -> None:
        callbacks, self._after_paint = self._after_paint, []
        for callback in callbacks:
            callback()

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._after_paint:
            self.call_later(self._run_after_paint)  # after this update is written out
        return lines
