"""Provides the command palette's entries: one per binding active on the current screen, namespaced by binding id.

Bindings are the one list of commands: the footer, the help screen and the palette all read them, so a key added to
a screen appears in all three ("inbox: open case", "case: back", "app: quit").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Protocol, runtime_checkable

from textual.binding import ActiveBinding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from triage_tui.widgets.offered_keys import offered

PALETTE_TITLES = {
    "app.sync": "sync: all sources",
    "app.cancel_sync": "sync: cancel",
}
"""Titles that read better than "namespace: description" (the footer says "Sync"; the palette groups sync's actions)."""


def palette_title(active: ActiveBinding) -> str | None:
    """The palette title of a binding ("inbox: open case"), or None if it has no id namespace."""
    binding = active.binding
    if not binding.id or "." not in binding.id or not binding.description:
        return None
    if binding.id.startswith("view."):
        return None  # saved views have their own entries, with counts (ViewCommands)
    if binding.id in PALETTE_TITLES:
        return PALETTE_TITLES[binding.id]
    namespace = binding.id.split(".", 1)[0]
    return f"{namespace}: {binding.description.lower()}"


class BindingCommands(Provider):
    """Offers every enabled, namespaced binding of the screen the palette was opened over that the screen offers (a
    maintainer's palette holds no coordinator's decision)."""

    def _commands(self) -> Iterator[tuple[str, str, ActiveBinding]]:
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            title = palette_title(active)
            if title is None or title in seen or not active.enabled or not offered(self.screen, active.binding):
                continue
            seen.add(title)
            yield title, active.binding.tooltip, active

    def _run(self, active: ActiveBinding) -> None:
        self.app.call_later(self.app.run_action, active.binding.action, active.node)

    async def discover(self) -> Hits:
        for title, help_text, active in sorted(self._commands(), key=lambda item: item[0]):
            yield DiscoveryHit(title, partial(self._run, active), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, active in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, active), help=help_text)


@runtime_checkable
class ViewScreen(Protocol):
    """A screen that shows saved views (the inbox)."""

    views: Mapping[str, object]
    view_counts: Mapping[str, int]

    def show_view(self, name: str) -> None: ...


def view_title(name: str, counts: Mapping[str, int]) -> str:
    """The palette title of a saved view: "view: mine (17)", or "view: mine" until its count is read."""
    count = counts.get(name)
    return f"view: {name}" if count is None else f"view: {name} ({count})"


class ViewCommands(Provider):
    """Offers "view: NAME (count)" for every saved view of the config, over the inbox."""

    def _views(self) -> Iterator[tuple[str, str, ViewScreen]]:
        screen = self.screen
        if not isinstance(screen, ViewScreen):
            return
        for name in screen.views:
            yield view_title(name, screen.view_counts), name, screen

    def _run(self, screen: ViewScreen, name: str) -> None:
        self.app.call_later(screen.show_view, name)

    async def discover(self) -> Hits:
        for title, name, screen in self._views():
            yield DiscoveryHit(title, partial(self._run, screen, name), help=f"Show the saved view {name}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name, screen in self._views():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, screen, name), help=f"Show {name}")
