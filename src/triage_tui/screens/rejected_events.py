"""Provides the rejected-events view (`R` from the inbox): team events this workstation refused, with who sent
them, about which case, and why; kept for inspection, never applied."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from triage_tui.team.log import rejected_item
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line
from triage_tui.widgets.verdict import format_fingerprint

if TYPE_CHECKING:
    from triage_tui.store.store import Store


def rejected_lines(
    rows: list[tuple[str, str, str, str, str | None]], names: Mapping[str, str] | None = None
) -> Content:
    """One block per refused event: case, kind and author (the roster's name for a key it knows; an unsigned event
    only names an author, it proves nothing), then the reason (all neutralised)."""
    if not rows:
        return Content.styled("No team event has been refused.", "$text-muted")
    blocks: list[Content] = []
    for item in (rejected_item(row, names or {}) for row in rows):
        if item.message:  # a message of the team folders that held no event: no case, author or kind
            blocks.append(Content.styled("a message holding no team event", "bold"))
            blocks.append(safe_line(f"    {item.reason}").stylize("$error"))
            continue
        who = _key_shown(item.author or "", item.author_name)
        by = Content.assemble("  by ", who) if item.signer else Content.assemble("  unsigned, naming ", who)
        blocks.append(
            Content.assemble(safe_line(item.case or "").stylize("bold"), "  ", safe_line(item.kind or ""), by)
        )
        blocks.append(safe_line(f"    {item.reason}").stylize("$error"))
        if item.signer and item.signer != item.author:
            blocks.append(
                Content.assemble("    signed by ", _key_shown(item.signer, (names or {}).get(item.signer.upper())))
            )
    return Content("\n").join(blocks)


def _key_shown(fingerprint: str, name: str | None) -> Content:
    shown = format_fingerprint(fingerprint)
    return safe_line(f"{name} ({shown})" if name else shown)


class RejectedEventsScreen(Screen[None]):
    """Every refused team event, newest first."""

    DEFAULT_CSS = """
    RejectedEventsScreen #rejected-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    RejectedEventsScreen #rejected-list { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,R", "back", "Back", id="rejected.back", tooltip="Back to the inbox"),
    ]

    def __init__(self, store: Store, names_of: Callable[[], dict[str, str]] | None = None) -> None:
        super().__init__(id="rejected-events")
        self.store = store
        self.names_of = names_of
        """The roster's member names by key (read in the worker): who sent each event, by name."""

    def compose(self) -> ComposeResult:
        yield Static(Content("Rejected team events: kept for inspection, never applied"), id="rejected-title")
        with VerticalScroll():
            yield Static(Content("reading…"), id="rejected-list")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.run_worker(self._read, thread=True, name="Reading rejected events", exit_on_error=False)

    def _read(self) -> None:
        from triage_tui.team.log import rejected

        with self.store.read() as connection:
            rows = rejected(connection)
        names = self.names_of() if self.names_of is not None else {}
        self.app.call_from_thread(self.query_one("#rejected-list", Static).update, rejected_lines(rows, names))

    def action_back(self) -> None:
        self.dismiss(None)
