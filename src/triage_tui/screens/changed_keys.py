"""Provides the changed-keys view (`K` from the inbox): addresses whose signing key is not the one pinned on first
use, until a coordinator accepts the new key (`a`)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.screens.context import AppContext
from triage_tui.store.tables import KeyChangeRow as KeyChange
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line
from triage_tui.widgets.verdict import format_fingerprint


def change_content(change: KeyChange) -> Content:
    """One change: who, where it was seen, and the pinned and new keys (all neutralised)."""
    seen = change.seen_at.strftime("%Y-%m-%d %H:%M") if change.seen_at else "?"
    where = f" on {change.case_id}" if change.case_id else ""
    return Content.assemble(
        safe_line(change.address).stylize("bold"),
        f"  ({change.role}, seen {seen}{where})\n",
        ("    pinned ", "dim"),
        format_fingerprint(change.old_fingerprint),
        "\n",
        ("    now    ", "bold $warning"),
        format_fingerprint(change.new_fingerprint),
    )


class ChangedKeysScreen(Screen[None]):
    """Every changed key no coordinator has accepted, newest first."""

    DEFAULT_CSS = """
    ChangedKeysScreen #keys-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    ChangedKeysScreen #keys-help { height: auto; padding: 0 1; color: $text-muted; }
    ChangedKeysScreen OptionList { height: 1fr; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept key", id="keys.accept", tooltip="Pin the address to its new key"),
        Binding("escape,K", "back", "Back", id="keys.back", tooltip="Back to the inbox"),
    ]

    def __init__(self, context: AppContext, *, may_accept: bool | None = None) -> None:
        super().__init__(id="changed-keys")
        self.context = context
        if may_accept is None:
            from triage_tui.team.key_trust import may_accept_keys

            with context.store.read() as connection:  # the roster, once there is one, decides who is a coordinator
                may_accept = may_accept_keys(context.config, connection)
        self.may_accept = may_accept
        """Whether this user's acceptance counts (a coordinator): the view offers `a` only then."""
        self.changes: list[KeyChange] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Changed signing keys: not trusted until a coordinator accepts them"), id="keys-title")
        yield Static(Content(self._help()), id="keys-help")
        yield OptionList(id="keys-list")
        yield KeysFooter()

    def _help(self) -> str:
        if self.may_accept:
            return "Check the new key with its owner out of band (a call, a signed note from the old key), then a."
        return "A coordinator accepts changed keys; until then messages and events signed by them are flagged."

    def on_mount(self) -> None:
        self.refresh_changes()

    def refresh_changes(self) -> None:
        """Read the pending changes again, off the UI thread."""
        self.run_worker(self._read, thread=True, name="Reading changed keys", exit_on_error=False, group="read")

    def _read(self) -> None:
        from triage_tui.store.key_pins import pending_changes

        with self.context.store.read() as connection:
            changes = pending_changes(connection)
        self.app.call_from_thread(self._show, changes)

    def _show(self, changes: list[KeyChange]) -> None:
        self.changes = changes
        options = self.query_one(OptionList)
        options.clear_options()
        if not changes:
            options.add_option(Option(Content.styled("No changed key is waiting.", "$text-muted"), disabled=True))
            return
        options.add_options(Option(change_content(change), id=str(change.id)) for change in changes)
        options.highlighted = 0

    def action_accept(self) -> None:
        """Accept the highlighted change (coordinators only)."""
        if not self.may_accept:
            self.notify("Only a coordinator can accept a changed key.", severity="warning")
            return
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.changes:
            return
        change = self.changes[options.highlighted]
        self.run_worker(lambda: self._accept(change), thread=True, name="Accepting a key", exit_on_error=False)

    def _accept(self, change: KeyChange) -> None:
        accepted = self.context.triage().accept_key_change(change.id)
        text = (
            f"{change.address} is now pinned to {format_fingerprint(change.new_fingerprint)}"
            if accepted
            else "That change was already accepted."
        )
        self.app.call_from_thread(lambda: self.notify(text, markup=False))  # the address is a stranger's text
        self.app.call_from_thread(self.refresh_changes)

    def action_back(self) -> None:
        self.dismiss(None)
