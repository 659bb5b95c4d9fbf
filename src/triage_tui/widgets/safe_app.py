"""Provides `SafeApp`: an app whose notifications and pasted text never carry markup or terminal escapes."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.app import App
from textual.notifications import SeverityLevel

from triage_tui.untrusted import neutralise
from triage_tui.widgets.safe_text import clean_block, clean_line

ReturnT = TypeVar("ReturnT")


class SafeApp(App[ReturnT]):
    """Textual's app, with what reaches the user from outside (pasted text, quoted in notifications) defused."""

    async def on_event(self, event: events.Event) -> None:
        # A bracketed paste hands the focused field whatever the clipboard held, ESC sequences and bidi overrides
        # included (a report's text copied from elsewhere), and Textual's inputs draw their value as it is. Every
        # paste is made visible here, before any field sees it (the command palette's too); typing cannot produce
        # such characters, and text the app puts into fields itself is neutralised where it comes from.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            cleaned = neutralise(event.text)
            if cleaned != event.text:
                event = events.Paste(cleaned)
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification; its text is never parsed as markup, since it often quotes untrusted data."""
        super().notify(clean_block(message), title=clean_line(title), severity=severity, timeout=timeout, markup=False)
