"""Provides importing advisories from the inbox (`I`): the import dialog over the inbox, suggesting the workspace's
folder or the last path imported; a coordinator's action, then the inbox is read again so new cases show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.screen import Screen

from triage_tui.screens.context import AppContext
from triage_tui.screens.navigation import ShowsCases

if TYPE_CHECKING:
    from triage_tui.screens.advisory_import_modal import ImportDone
    from triage_tui.services.advisory_records import ImportResult

IMPORT_PATH_KEY = "import_path"
"""The workspace's screen preferences keep the path imported last under this name (the next session suggests it)."""


class InboxImport(ShowsCases, Screen[None]):
    """Mixin of the inbox: `action_import_advisories` opens the import dialog; a maintainer is told the rule."""

    context: AppContext
    last_import_path: Path | None = None
    """The path imported last (the next import suggests it)."""

    def action_import_advisories(self) -> None:
        """Open the import dialog (a coordinator's action: a maintainer is told the rule instead)."""
        from triage_tui.screens.advisory_import_modal import AdvisoryImportModal

        config = self.context.config
        if config is None:
            self.notify("Importing needs a workspace config (triage-tui init).", title="Import", severity="warning")
            return
        rule = self.context.coordinators_only()
        if rule is not None:
            self.notify(rule, title="Import", severity="warning", markup=False)
            return
        suggestion = self.last_import_path or self._saved_path() or self.context.database.parent
        store = self.context.store

        def import_files(files: Sequence[Path], progress: Callable[[int, int], None]) -> list[ImportResult]:
            from triage_tui.services.advisory_import import import_advisory_files

            return import_advisory_files(store, config, files, progress)

        def closed(done: ImportDone | None) -> None:
            if done is not None:
                self.last_import_path = done.path.absolute()
                self._save_path(done.path)
                self.cases_changed()  # new cases show

        self.app.push_screen(AdvisoryImportModal(suggestion, import_files), closed)

    def _saved_path(self) -> Path | None:
        """The path imported last in an earlier session, if it is still there."""
        from triage_tui.services.ui_state import read_ui_state, ui_state_path

        saved = read_ui_state(ui_state_path(self.context.database.parent)).get(IMPORT_PATH_KEY)
        return Path(saved) if saved and Path(saved).exists() else None

    def _save_path(self, path: Path) -> None:
        from triage_tui.services.ui_state import save_ui_state, ui_state_path

        try:
            save_ui_state(ui_state_path(self.context.database.parent), **{IMPORT_PATH_KEY: str(path.absolute())})
        except OSError:
            pass  # only a suggestion for the next session is lost; this one remembers it
