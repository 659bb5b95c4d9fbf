"""Provides `offered`: whether the footer and the palette offer a screen's binding (a screen may leave out keys its
user may not use, which still answer when pressed, to say why)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.binding import Binding


@runtime_checkable
class OffersKeys(Protocol):
    """A screen that says which of its bindings the footer and the palette offer."""

    def offers(self, binding: Binding) -> bool:
        """Whether `binding` is offered (answered once read, with no query: asked on every change of keys)."""
        ...


def offered(screen: object, binding: Binding) -> bool:
    """Whether the footer and the palette offer `binding` on `screen` (every binding, unless the screen says)."""
    return not isinstance(screen, OffersKeys) or screen.offers(binding)
