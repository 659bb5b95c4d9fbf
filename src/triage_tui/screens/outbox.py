"""Provides the outbox screen (`O`): what waits to be sent (replies to reporters, draft updates to GitHub) and what
failed, with why; r queues an item again, x cancels it. `triage-tui outbox` lists the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from triage_tui.store.outbox_entries import OutboxEntry, OutboxRefusal, cancel_entry, outbox_entries, retry_entry
from triage_tui.untrusted import neutralise_line
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_block, safe_line

if TYPE_CHECKING:
    from textual.app import App

    from triage_tui.config import Config
    from triage_tui.store.store import Store

COLUMNS = (("Item", 8), ("Kind", 11), ("Case", 13), ("To", 0), ("State", 6), ("Tries", 5), ("Why", None))
"""Each column and its width: fixed but To's and the last; the highlighted item is shown in full below."""
WHY_FROM = 100
"""Narrower screens leave out the Why column (it would scroll sideways): the item below says why."""


def to_width(screen_width: int) -> int:
    """The To column's width: 22 cells on 80 columns, up to 44 on a wide screen, the rest left to Why."""
    return max(22, min(44, screen_width - 117))


def layout(screen_width: int) -> tuple[int, bool]:
    """(the To column's width, whether there is a Why column) on a screen this wide."""
    return to_width(screen_width), screen_width >= WHY_FROM


EMPTY = "The outbox is empty: nothing waits to be sent."


def entry_row(entry: OutboxEntry) -> tuple[Text, ...]:
    """One table row; every cell plain `Text` (a DataTable parses a `str` as markup), its outside text neutralised."""
    cells = (
        entry.id, entry.kind, entry.case_id, entry.target, entry.state, str(entry.attempts), entry.reason or "",
    )  # fmt: skip
    return tuple(Text(neutralise_line(cell), no_wrap=True, overflow="ellipsis") for cell in cells)


def entry_detail(entry: OutboxEntry) -> Content:
    """The highlighted item in full: what it is, to whom, and why it waits or failed (all outside text safe)."""
    lines = [
        safe_line(f"{entry.id}: {entry.subject}").stylize("bold"),
        safe_line(f"to {entry.target} · case {entry.case_id} · {entry.progress}"),
    ]
    if entry.reason:
        lines.append(safe_block(entry.reason).stylize("$error" if entry.state == "failed" else "$warning"))
    return Content("\n").join(lines)


class OutboxScreen(Screen[None]):
    """Every item that waits to be sent or failed, oldest first, with the highlighted one in full below."""

    DEFAULT_CSS = """
    OutboxScreen #outbox-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    OutboxScreen #outbox-table { height: 1fr; }
    OutboxScreen #outbox-detail { height: auto; max-height: 8; padding: 0 1; border-top: solid $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id="outbox.retry", tooltip="Queue the item again; the next sync sends it"),
        Binding("x", "cancel_item", "Cancel item", id="outbox.cancel", tooltip="Take the item out; it is never sent"),
        Binding("escape,O", "back", "Back", id="outbox.back", tooltip="Back to where you were"),
        Binding("j", "move(1)", "Down", show=False, id="outbox.down", tooltip="The next item"),
        Binding("k", "move(-1)", "Up", show=False, id="outbox.up", tooltip="The item before"),
    ]

    def __init__(self, store: Store, author: str) -> None:
        super().__init__(id="outbox")
        self.store = store
        self.author = author
        """Who retries and cancels are recorded as, on each item's case."""
        self.entries: list[OutboxEntry] = []
        self._layout = (0, False)

    def compose(self) -> ComposeResult:
        yield Static(Content("Outbox: what waits to be sent, and what failed"), id="outbox-title")
        table: DataTable[Text] = DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
        self._add_columns(table, layout(self.app.size.width))
        yield table
        yield Static(Content("reading…"), id="outbox-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refresh_entries()
        self.watch(self.app, "sync_line", self._sync_line_changed, init=False)

    def _sync_line_changed(self, line: object) -> None:
        # A sync (s works here too) sends or keeps items: once it has ended, the list is read again.
        if line is not None and getattr(self.app, "sync_cancel", None) is None:
            self.refresh_entries()

    @work(thread=True, exclusive=True, group="outbox-read", exit_on_error=False, name="Reading the outbox")
    def refresh_entries(self) -> None:
        """Read the outbox again (in a thread) and show it."""
        with self.store.read() as connection:
            entries = outbox_entries(connection)
        self.app.call_from_thread(self._show, entries)

    def _add_columns(self, table: DataTable[Text], layout_now: tuple[int, bool]) -> None:
        self._layout = layout_now
        width, why = layout_now
        for label, fixed in COLUMNS[: None if why else -1]:
            table.add_column(label, width=width if label == "To" else fixed)

    def on_resize(self) -> None:
        now = layout(self.size.width)
        if now != self._layout:  # the columns again, for the new width, with the rows they had
            table = self.query_one(DataTable)
            row = table.cursor_row
            table.clear(columns=True)
            self._add_columns(table, now)
            self._show(self.entries, row)

    def _show(self, entries: list[OutboxEntry], row: int | None = None) -> None:
        self.entries = entries
        table = self.query_one(DataTable)
        row = table.cursor_row if row is None else row
        table.clear()
        columns = len(table.columns)
        for entry in entries:
            table.add_row(*entry_row(entry)[:columns], key=entry.id)
        if entries:
            table.move_cursor(row=min(row, len(entries) - 1))
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        entry = self.selected()
        detail = self.query_one("#outbox-detail", Static)
        detail.update(entry_detail(entry) if entry is not None else Content.styled(EMPTY, "$text-muted"))

    def selected(self) -> OutboxEntry | None:
        """The highlighted item, if any."""
        row = self.query_one(DataTable).cursor_row
        return self.entries[row] if self.entries and 0 <= row < len(self.entries) else None

    def action_move(self, step: int) -> None:
        """j and k move as in the inbox (the table's own keys are the arrows)."""
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_retry(self) -> None:
        """Queue the highlighted item again, its tries counted from zero."""
        entry = self.selected()
        if entry is None:
            self.notify(EMPTY, title="Outbox")
            return
        self._act(entry.id, retry=True)

    def action_cancel_item(self) -> None:
        """Cancel the highlighted item, once confirmed: it stays listed in its case's timeline, never sent."""
        from triage_tui.screens.questions import ConfirmModal

        entry = self.selected()
        if entry is None:
            self.notify(EMPTY, title="Outbox")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(entry.id, retry=False)

        question = f"Cancel {entry.id} to {entry.target}? It will never be sent."
        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exclusive=True, group="outbox-write", exit_on_error=False, name="Changing the outbox")
    def _act(self, entry_id: str, *, retry: bool) -> None:
        act = retry_entry if retry else cancel_entry
        try:
            act(self.store, entry_id, self.author, datetime.now(UTC))
        except OutboxRefusal as refusal:
            self.app.call_from_thread(self.notify, str(refusal), title="Outbox", severity="warning", markup=False)
            return
        done = "is queued again; the next sync (s) sends it" if retry else "is cancelled; it will never be sent"
        self.app.call_from_thread(self.notify, f"{entry_id} {done}.", title="Outbox", markup=False)
        self.app.call_from_thread(self.refresh_entries)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def action_back(self) -> None:
        self.dismiss(None)


def show_outbox(app: App[Any], store: Store, config: Config | None) -> None:
    """Open the outbox screen over whatever is shown (O on the outbox itself goes back, by its own binding)."""
    if not isinstance(app.screen, OutboxScreen):
        app.push_screen(OutboxScreen(store, config.identity.email if config is not None else "triage-tui"))
