"""Provides "go to case": a one-line prompt for a case id (`:` or `#`, from the inbox and from a case) that opens the
case it names, or says in a sentence why it opened none."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from triage_tui.screens.dialog import ESCAPE_HINT, LEAVE, Dialog
from triage_tui.screens.navigation import OpenCase
from triage_tui.screens.refusable import Refused, attempt, refusal_line
from triage_tui.widgets.case_list import CaseList


def go_to_binding(namespace: str) -> Binding:
    """The go-to key of a screen (`namespace` names it in the palette: "inbox: go to case", "case: go to case")."""
    return Binding(
        "colon,number_sign",
        "go_to_case",
        "Go to case",
        show=False,
        id=f"{namespace}.go_to_case",
        tooltip="Open a case by its id",
    )


def open_chosen(app: App[object], case_id: str | None) -> None:
    """Open the case the prompt closed with (None: it was cancelled)."""
    if case_id is not None:
        follow_in_inbox(app, case_id)
        app.post_message(OpenCase(case_id))


def follow_in_inbox(app: App[object], case_id: str) -> None:
    """Put the inbox's cursor on the case go to opens, when the inbox lists it, so J and K in the case step from
    there (they go through the inbox's list from its cursor)."""
    lists = app.screen_stack[0].query(CaseList) if app.screen_stack else None
    if lists:
        lists.first().move_to(case_id)


def one_case(typed: str, ids: Callable[[str], list[str]], ending: Callable[[str], list[str]] | None = None) -> str:
    """The one case id `typed` names (exactly, as the only id that begins with it, or as the only id that ends with
    it, as a narrow list shows ids: "2026-0187", "0187"); `Refused`, in a sentence, when none or several do. `ids`
    and `ending` are the store's reads (`StoreReads.case_ids`, `StoreReads.case_ids_ending`)."""
    text = typed.strip()
    if not text:
        raise Refused("type a case id, such as PSC-2026-0187")
    found = ids(text)
    if not found and ending is not None:
        found = ending(text)
        if len(found) > 1:
            raise Refused(f"the ids of several cases end with {text}: type more of it")
    if not found:
        raise Refused(f"no case here has the id {text}")
    if len(found) > 1:
        raise Refused(f"the ids of several cases begin with {text}: type more of it")
    return found[0]


class GoToCaseModal(Dialog[str | None]):
    """Asks for a case id; enter opens the case (the dialog closes with its id), escape leaves
    (asking first when an id was typed, as every dialog does)."""

    WHAT = "the id typed"

    BINDINGS: ClassVar[list[BindingType]] = [
        LEAVE,
    ]

    def __init__(self, ids: Callable[[str], list[str]], ending: Callable[[str], list[str]] | None = None) -> None:
        super().__init__(id="go-to-case")
        self._ids = ids
        self._ending = ending

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(Content("Go to case"), classes="action-title")
            yield Input(
                placeholder="PSC-YYYY-NNNN (its start or its end, as 0187, will do)", id="case-id", max_length=64
            )
            yield refusal_line()
            yield Static(Content(f"enter open · {ESCAPE_HINT}"), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        typed, ids, ending = event.value, self._ids, self._ending
        attempt(self, lambda: one_case(typed, ids, ending), self._found)

    def _found(self, case_id: str) -> None:
        if self.app.screen is self:
            self.dismiss(case_id)

    def changed(self) -> bool:
        return bool(self.query_one(Input).value.strip())
