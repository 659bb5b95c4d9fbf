"""Provides `KeysFooter`: Textual's `Footer`, without the style churn each of its keys causes when it is mounted.

A `FooterKey` starts out compact and is then bound to the footer's (not compact) setting, so every key toggles its
`-compact` class twice on mount and the stylesheet is applied to it three times; with the case screen's dozen keys
that was a third of opening a case. Here each key is created with its final setting (the footer's, or its own for
the command palette's key) and matching class already in place, so nothing changes on mount and it looks the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A `Footer` whose keys are mounted with their final look."""

    def compose(self) -> ComposeResult:
        # Keys inside a binding group pass through here too (compose puts them in the group as they are yielded).
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Keys bound to the footer's setting take it now; the command palette's key keeps its own.
                if "compact" in (widget._reactive_connect or {}):
                    widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(widget.compact, "-compact", update=False)
            yield widget
