"""Provides the messages screens post to the app, which owns navigation and refresh: open a case, the inbox is up,
and the mixin of screens the app re-reads when cases change."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenCase(Message):
    """Show this case on the case screen, over the inbox (the app closes the screens between)."""

    case_id: str


class InboxShown(Message):
    """The inbox has drawn its first list: what opening a case needs can load now without delaying start-up."""


class ShowsCases:
    """A screen that shows cases; the app calls `cases_changed` on each one in its stack after a triage action."""

    def cases_changed(self) -> None:
        """Read again what the screen shows."""
        raise NotImplementedError
