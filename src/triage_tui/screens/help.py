"""Provides the help screen: the keys active where it was opened, generated from the bindings themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True)
class HelpRow:
    """One key of the help listing."""

    keys: str
    description: str
    tooltip: str
    namespace: str


def help_rows(bindings: dict[str, ActiveBinding], app_key_display: dict[str, str]) -> list[HelpRow]:
    """Group an active-bindings map into one row per binding, its keys joined (e.g. "down j")."""
    rows: dict[tuple[int, str], HelpRow] = {}
    for key, active in bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        shown = binding.key_display or app_key_display.get(key, key)
        namespace = (binding.id or "app.").split(".", 1)[0]
        identity = (id(active.node), binding.action)
        if identity in rows:
            existing = rows[identity]
            rows[identity] = HelpRow(f"{existing.keys} {shown}", existing.description, existing.tooltip, namespace)
        else:
            rows[identity] = HelpRow(shown, binding.description, binding.tooltip, namespace)
    return sorted(rows.values(), key=lambda row: (row.namespace != "app", row.namespace))


def help_content(rows: list[HelpRow]) -> Content:
    """The listing: key column, description and tooltip, grouped by namespace."""
    lines: list[Content] = []
    namespace = None
    for row in rows:
        if row.namespace != namespace:
            namespace = row.namespace
            if lines:
                lines.append(Content(""))
            lines.append(Content.styled(namespace, "bold $accent"))
        lines.append(
            Content.assemble((f"  {row.keys:<20}", "bold"), f"{row.description:<16}", (row.tooltip, "$text-muted"))
        )
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen underneath; escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-height: 80%; height: auto;
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
