"""Provides `KeysFooter`: the screen's keys on one line, drawn by one widget.

Textual's `Footer` mounts a widget per key and draws each through Rich; on the case screen (a dozen keys) that was
the largest single cost of opening a case (14 ms of a 50 ms budget). This footer renders the same line as one
`Content`, follows the screen's bindings as they change (keymap, enabled state) and maps a click back to its key.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget

from triage_tui.widgets.offered_keys import offered

ESSENTIAL_ACTIONS = frozenset({"quit", "help", "export"})
"""Keys a narrow footer keeps when the line cannot hold every key: the rest drop from the end first (all of them stay
in the help screen and the command palette)."""
MORE = " … "
"""Ends a line that could not hold every key."""


class KeysFooter(Widget, can_focus=False):
    """The focused screen's shown bindings (key and description), the command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keys-footer--key", "keys-footer--description", "keys-footer--disabled"}
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom; height: 1; width: 1fr;
        color: $footer-foreground; background: $footer-background;
    }
    KeysFooter > .keys-footer--key { color: $footer-key-foreground; text-style: bold; }
    KeysFooter > .keys-footer--description { color: $footer-description-foreground; }
    KeysFooter > .keys-footer--disabled { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._keys: list[tuple[Binding, bool]] = []
        self._palette: Binding | None = None
        self._spans: list[tuple[int, int, str]] = []
        """Where each key sits on the last drawn line: (first cell, end cell, key to press)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._read_bindings(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self._read_bindings(screen)

    def _read_bindings(self, screen: Screen[object]) -> None:
        active = screen.active_bindings
        keys: list[tuple[Binding, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            # One entry per action, as Textual's footer shows it (its first key wins).
            if binding.show and binding.action not in seen and offered(screen, binding):
                seen.add(binding.action)
                keys.append((binding, enabled))
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        palette_binding = palette[1] if palette is not None else None
        # Bindings are re-announced on every focus change and every return to the screen (each case opened), but
        # seldom differ: redraw only when they do.
        if (keys, palette_binding) != (self._keys, self._palette):
            self._keys, self._palette = keys, palette_binding
            self.refresh()

    def _key_content(self, binding: Binding, enabled: bool, styles: tuple[Style, Style, Style]) -> Content:
        key_style, description_style, disabled_style = styles
        piece = Content.assemble(
            (f" {self.app.get_key_display(binding)} ", key_style), (f"{binding.description} ", description_style)
        )
        return piece if enabled else piece.stylize(disabled_style)

    def render(self) -> Content:
        width = self.size.width
        styles = (
            self.get_visual_style("keys-footer--key"),
            self.get_visual_style("keys-footer--description"),
            self.get_visual_style("keys-footer--disabled"),
        )
        palette = Content("")
        if self._palette is not None:
            palette = Content.assemble("▏", self._key_content(self._palette, True, styles))
        room = max(0, width - palette.cell_length)
        shown = [(binding, enabled, self._key_content(binding, enabled, styles)) for binding, enabled in self._keys]
        if sum(piece.cell_length for *_, piece in shown) > room:
            shown = _fitted(shown, room - len(MORE))
        spans: list[tuple[int, int, str]] = []
        pieces: list[Content] = []
        used = 0
        for binding, enabled, piece in shown:
            if enabled:
                spans.append((used, used + piece.cell_length, binding.key))
            pieces.append(piece)
            used += piece.cell_length
        if len(shown) < len(self._keys):
            pieces.append(Content(MORE))
            used += len(MORE)
        line = Content("").join(pieces)
        if self._palette is not None:
            start = width - palette.cell_length
            spans.append((start, width, self._palette.key))
            line = line.pad_right(max(0, start - used)) + palette
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key.split(",")[0])
                return


def _fitted(shown: list[tuple[Binding, bool, Content]], room: int) -> list[tuple[Binding, bool, Content]]:
    """The keys that fit in `room` cells, in their order: the essential ones first, then the others from the start."""
    used = sum(piece.cell_length for binding, _, piece in shown if binding.action in ESSENTIAL_ACTIONS)
    kept: set[int] = set()
    for index, (binding, _enabled, piece) in enumerate(shown):
        if binding.action in ESSENTIAL_ACTIONS:
            kept.add(index)
        elif used + piece.cell_length <= room:
            kept.add(index)
            used += piece.cell_length
    # Essentials alone may still be too wide on a tiny terminal: then they too drop from the end.
    fitted, total = [], 0
    for index, entry in enumerate(shown):
        if index in kept and total + entry[2].cell_length <= room:
            fitted.append(entry)
            total += entry[2].cell_length
    return fitted
