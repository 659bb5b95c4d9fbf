"""Provides importing a case's reporter's key from the case screen: the attached key, else their domain's Web Key
Directory, looked for off the UI thread, shown in a dialog (fingerprints, user ids as plain text), imported on y."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from triage_tui.screens.questions import DeliberateConfirmModal
from triage_tui.widgets.safe_text import safe_block

if TYPE_CHECKING:
    from textual.screen import Screen

    from triage_tui.screens.context import AppContext
    from triage_tui.store.case_detail import CaseDetail

TITLE = "Reporter's key"


class KeyImportModal(DeliberateConfirmModal):
    """The keys found, each fingerprint with its user ids, and whether to import them (only y does)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(Content("Import this key into your keyring?"), classes="action-title")
            yield Static(safe_block(self._question), id="key-import-details")
            yield Static(Content(self.HINT), classes="action-hint")


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else "Something went wrong."


async def import_reporter_key(screen: Screen[Any], context: AppContext, detail: CaseDetail) -> None:
    """Find the reporter's key for `detail`, ask, and import it into the workstation's keyring, saying how it went."""
    from triage_tui.services.reporter_keys import KeyImportError, case_material, import_key_material
    from triage_tui.sources.wkd import WkdError

    screen.notify("Looking for the reporter's key (attachments, then their domain's key directory)…", title=TITLE)
    try:
        material = await asyncio.to_thread(case_material, context.store, detail)
    except WkdError as error:
        said = ("Offline: " if error.offline else "No key found: ") + str(error).strip().rstrip(".") + "."
        screen.notify(said, title=TITLE, severity="warning", markup=False)
        return
    except KeyImportError as error:
        screen.notify(f"Not imported: {_sentence(str(error))}", title=TITLE, severity="warning", markup=False)
        return
    if not await screen.app.push_screen_wait(KeyImportModal(material.describe())):
        screen.notify("The key was not imported.", title=TITLE)
        return
    gnupg_home = context.config.gnupg_home() if context.config is not None else None
    try:
        taken = await asyncio.to_thread(import_key_material, material, gnupg_home)
    except KeyImportError as error:
        screen.notify(f"Not imported: {_sentence(str(error))}", title=TITLE, severity="error", markup=False)
        return
    if material.warnings:  # imported as asked, but a reply still cannot be encrypted with it: say why
        said = "; ".join(warning.rstrip(".") for warning in material.warnings)
        screen.notify(f"Imported {', '.join(taken)}, but {said}.", title=TITLE, severity="warning", markup=False)
        return
    screen.notify(f"Imported into your keyring: {', '.join(taken)}.", title=TITLE, markup=False)
