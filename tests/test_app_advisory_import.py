"""Pilot tests of importing advisories from the inbox (`I`, "inbox: import advisories"): a folder of the PyPA
corpus imported in a worker with a progress bar while the UI answers keys, the summary in words naming a refused
file, the new cases in the inbox, the last path suggested next time, and a maintainer told the rule."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar, Static

import triage_tui.services.advisory_import as advisory_import
import triage_tui.services.import_paths as import_paths
from test_advisory_drafts import CONFIG
from test_app_maintainer_keys import palette_titles, warnings
from test_app_team import (  # noqa: F401  (the fixtures: fixed keys, a workstation's keyring, a rostered store)
    Keys,
    added,
    keys,
    receiver,
    rostered,
    team_app,
    team_config,
)
from triage_tui.app import TriageApp
from triage_tui.config import parse_config
from triage_tui.screens.advisory_import_modal import AdvisoryImportModal
from triage_tui.screens.inbox import InboxScreen
from triage_tui.team.rights import CHANGES_RULE
from ui_fixtures import frozen_clock, screen_text, seeded_store, settle, small_inbox

CORPUS = Path(__file__).parent / "data" / "pypa-advisory-db" / "vulns"
SIZE = (120, 40)


def import_app(tmp_path: Path) -> TriageApp:
    """The small inbox in a workspace whose config names the publisher (as `triage-tui init` writes one)."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    return TriageApp(database, parse_config(tmp_path / "config.toml", CONFIG), clock=frozen_clock)


def import_app_on(tmp_path: Path) -> TriageApp:
    """An app on the workspace `import_app` made (a later session)."""
    return TriageApp(tmp_path / "triage.db", parse_config(tmp_path / "config.toml", CONFIG), clock=frozen_clock)


def corpus_folder(tmp_path: Path, count: int = 5) -> Path:
    """A folder holding `count` records of the corpus (aiohttp's: distinct flaws) and a file that is no advisory."""
    folder = tmp_path / "advisories"
    folder.mkdir()
    for path in sorted((CORPUS / "aiohttp").iterdir())[:count]:
        shutil.copy(path, folder / path.name)
    (folder / "broken.json").write_text('{"not": "an advisory"')
    return folder


def summary(modal: AdvisoryImportModal) -> str:
    return str(modal.query_one("#import-summary", Static).content)


async def import_path(app: TriageApp, pilot, path: Path) -> AdvisoryImportModal:  # type: ignore[no-untyped-def]
    """Open the dialog with `I`, type `path` and press enter; the dialog, with the import under way or done."""
    await settle(pilot)
    await pilot.press("I")
    await settle(pilot)
    modal = app.screen
    assert isinstance(modal, AdvisoryImportModal)
    modal.query_one("#import-path", Input).value = str(path)
    await pilot.press("enter")
    return modal


class TestImportDialog:
    async def test_a_folder_is_imported_and_its_cases_show_in_the_inbox(self, tmp_path: Path) -> None:
        """Five records of the corpus become five cases listed in the inbox; the broken file is named in the
        summary as refused, with its reason, and never stopped the others."""
        folder = corpus_folder(tmp_path)
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            modal = await import_path(app, pilot, folder)
            await settle(pilot)
            words = summary(modal)
            assert "5 imported (5 new cases), 0 updated, 0 unchanged, 1 refused" in words, words
            assert "refused: broken.json" in words
            assert modal.query_one("#import-progress", ProgressBar).percentage == 1.0
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            shown = screen_text(app)
            assert "11 cases" in shown  # the small inbox's six and the five imported
            assert shown.count("advisory impo") == 5
            assert "PSC-2026-0011" in shown and "PYSEC-2023-247: aiohttp" in shown
            # The next import suggests the path imported last; importing it again changes nothing.
            modal = await import_path(app, pilot, folder)
            await settle(pilot)
            assert "0 imported (0 new cases), 0 updated, 5 unchanged, 1 refused" in summary(modal)

    async def test_the_dialog_suggests_the_workspace_then_the_last_path(self, tmp_path: Path) -> None:
        """The first suggestion is the workspace's folder, the next the path imported last, in this session and
        the next."""
        folder = corpus_folder(tmp_path, 1)
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("I")
            await settle(pilot)
            assert app.screen.query_one("#import-path", Input).value == str(tmp_path)
            await pilot.press("escape")
            await settle(pilot)
            modal = await import_path(app, pilot, folder)
            await settle(pilot)
            assert "1 imported" in summary(modal)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("I")
            await settle(pilot)
            assert app.screen.query_one("#import-path", Input).value == str(folder)
        # The next session on the workspace suggests it too (kept with the screen preferences).
        again = import_app_on(tmp_path)
        async with again.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("I")
            await settle(pilot)
            assert again.screen.query_one("#import-path", Input).value == str(folder)

    async def test_a_missing_path_is_refused_in_the_dialog(self, tmp_path: Path) -> None:
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            modal = await import_path(app, pilot, Path("~/no-such-folder-here"))
            await settle(pilot)
            assert app.screen is modal
            refusal = str(modal.query_one(".dialog-refusal", Static).content)
            assert str(Path.home() / "no-such-folder-here") in refusal and "does not exist" in refusal

    async def test_a_folder_too_big_is_refused_in_the_dialog(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A folder past the bound of files is refused on the dialog's line, nothing imported, the path kept."""
        monkeypatch.setattr(import_paths, "MAX_FOLDER_FILES", 2)
        folder = corpus_folder(tmp_path)
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            modal = await import_path(app, pilot, folder)
            await settle(pilot)
            assert app.screen is modal and modal.done is None
            refusal = str(modal.query_one(".dialog-refusal", Static).content)
            assert "holds more than 2 advisory files" in refusal
            assert not modal.query_one("#import-path", Input).disabled
            assert not modal.query_one("#import-progress", ProgressBar).display
            await pilot.press("escape", "y")
            await settle(pilot)
            assert "6 cases" in screen_text(app)

    async def test_the_progress_shows_and_keys_answer_while_importing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """While the store is busy (held here until the test lets it go), the dialog shows its progress bar and
        the UI answers escape (saying the import goes on); then the summary shows."""
        folder = corpus_folder(tmp_path, 2)
        release, started = threading.Event(), threading.Event()
        real = advisory_import.import_advisory_files

        def held(store, config, paths: Sequence[Path], progress: Callable[[int, int], None] | None = None):  # type: ignore[no-untyped-def]
            started.set()
            assert release.wait(10)
            return real(store, config, paths, progress)

        monkeypatch.setattr(advisory_import, "import_advisory_files", held)
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            modal = await import_path(app, pilot, folder)
            assert started.wait(10)
            await pilot.pause()
            bar = modal.query_one("#import-progress", ProgressBar)
            assert bar.display and bar.total == 3 and bar.progress == 0
            assert modal.query_one("#import-path", Input).disabled
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is modal
            assert any("The import goes on" in text for text in warnings(app))
            release.set()
            await settle(pilot)
            assert "2 imported (2 new cases)" in summary(modal)

    async def test_the_palette_offers_the_import(self, tmp_path: Path) -> None:
        app = import_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "inbox: import advisories" in await palette_titles(app)


class TestMaintainer:
    async def test_a_maintainer_is_not_offered_the_import_and_the_key_says_the_rule(
        self,
        rostered: Path,  # noqa: F811
        keys: Keys,  # noqa: F811
    ) -> None:
        app = team_app(rostered, team_config(keys, keys.pat))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert "inbox: import advisories" not in await palette_titles(app)
            await pilot.press("I")
            await settle(pilot)
            assert not isinstance(app.screen, AdvisoryImportModal)
            assert any(CHANGES_RULE in text for text in warnings(app))
