"""Provides the help screen: the keys active where it was opened, generated from the bindings themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from rich.table import Table

from triage_tui.screens.dialog import Dialog


@dataclass(frozen=True)
class HelpRow:
    """One key of the help listing."""

    keys: str
    description: str
    tooltip: str
    namespace: str


def _ours(binding: Binding) -> bool:
    return bool(binding.id and "." in binding.id)


def help_rows(bindings: dict[str, ActiveBinding], key_displays: dict[str, str], app: object) -> list[HelpRow]:
    """One row per binding, its keys joined ("↓ j"): the app's and every namespaced one (widget internals like
    horizontal scrolling are left out)."""
    rows: dict[tuple[int, str], HelpRow] = {}
    for key, active in bindings.items():
        binding = active.binding
        if not binding.description or not (_ours(binding) or active.node is app):
            continue
        shown = binding.key_display or key_displays.get(key, key)
        namespace = binding.id.split(".", 1)[0] if binding.id and _ours(binding) else "app"
        identity = (id(active.node), binding.action)
        existing = rows.get(identity)
        if existing is None:
            rows[identity] = HelpRow(shown, binding.description, binding.tooltip, namespace)
        elif _ours(binding):
            # Our own binding's words win over a built-in one for the same action (q and ctrl+q both quit).
            rows[identity] = HelpRow(f"{existing.keys} {shown}", binding.description, binding.tooltip, namespace)
        else:
            rows[identity] = HelpRow(f"{existing.keys} {shown}", existing.description, existing.tooltip, namespace)
    return sorted(rows.values(), key=lambda row: (row.namespace != "app", row.namespace))


def help_content(rows: list[HelpRow]) -> Table:
    """The listing: key column, description and tooltip, grouped by namespace. A table, so on a narrow terminal the
    tooltips wrap inside their own column instead of under the keys."""
    from rich.table import Table

    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("keys", style="bold", no_wrap=True, min_width=6)
    table.add_column("description", no_wrap=True)
    table.add_column("tooltip", style="dim", ratio=1)
    namespace = None
    for row in rows:
        if row.namespace != namespace:
            if namespace is not None:
                table.add_row()
            namespace = row.namespace
            table.add_row(Text(namespace, style="bold"))
        table.add_row(Text(f"  {row.keys}"), Text(row.description), Text(row.tooltip))
    return table


class HelpScreen(Dialog[None]):
    """Lists the keys of the screen underneath; escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    DEFAULT_CSS = """
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; max-height: 80%; height: auto;
        border: round $accent; border-title-color: $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__(id="help")
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys  (escape closes; ctrl+p lists commands)"
            yield Static(help_content(self.rows), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
