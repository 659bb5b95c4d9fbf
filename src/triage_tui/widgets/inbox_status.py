"""Provides the inbox's status line: changed keys waiting for a coordinator, replies waiting to be sent, embargoes
ending within 48 hours, and the last sync, each field set off by " · "."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from triage_tui.widgets.verdict import warning_style

if TYPE_CHECKING:
    from triage_tui.store.inbox_status import InboxStatus


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def status_line(status: InboxStatus, now: datetime, warning: str = "bold $warning") -> Content:
    """ "⚠ 2 changed keys (K) · outbox 1 · 3 embargoes due in 48 h · synced 5 min ago" (fits 80 columns)."""
    keys = _plural(status.changed_keys, "changed key", "changed keys")
    parts = [
        Content.styled(f"⚠ {keys} (K)", warning) if status.changed_keys else Content("no changed keys"),
        Content(f"outbox {status.queued_outbox}"),
        Content.styled(
            f"{status.embargoes_due} embargo{'' if status.embargoes_due == 1 else 'es'} due in 48 h",
            warning if status.embargoes_due else "",
        ),
        Content(f"synced {_ago(status.last_sync, now)}"),
    ]
    return Content(" · ").join(parts)


def _ago(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was, in its largest unit ("never" without one)."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


class InboxStatusLine(Static):
    """One line of what needs a coordinator's attention outside the list; empty until the first read."""

    DEFAULT_CSS = """
    InboxStatusLine { height: 1; padding: 0 1; color: $text-muted; }
    """

    _shown: tuple[InboxStatus, datetime] | None = None
    """The status last shown and its time, drawn again in the new colours when the theme changes."""

    def show(self, status: InboxStatus, now: datetime) -> None:
        """Show `status` as of `now` (one line high: no re-layout)."""
        self._shown = (status, now)
        line = status_line(status, now, warning_style(self.app.current_theme.dark))
        if line != self.content:
            self.update(line, layout=False)

    def on_mount(self) -> None:
        # The warning's colour is the theme's: a light theme needs a darker one (Textual's warning reads at 3:1).
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._show_again())

    def _show_again(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)
