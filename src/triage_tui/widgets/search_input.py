"""Provides the inbox's search box: a Textual `Input` whose keystrokes repaint the box alone."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchInput(Input):
    """An `Input` that does not re-lay out the screen as its text grows.

    Textual's `Input` sets its virtual size (the scrollable width of its text) on every change, and on a widget
    that is a layout reactive: each keystroke re-arranged the whole inbox, 3-5 ms of every search keystroke's
    budget. The box's own size never depends on its text (its width comes from the screen, its height is fixed),
    and horizontal scrolling to the cursor reads the virtual size directly, so a repaint is enough.
    """

    virtual_size = Reactive(Size(0, 0), layout=False)
