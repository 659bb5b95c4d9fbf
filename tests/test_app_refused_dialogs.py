"""Provides Pilot tests of dialogs whose input the service refuses: each stays open with what was typed and the
reason, and a corrected input then goes through (nothing typed is lost to a refusal)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from test_app_actions import SIZE, make_app, open_case, stored
from test_app_advisory import advisory_app, complete_draft, open_editor
from test_app_advisory import press as press_in_editor
from test_app_cvss import CRITICAL_31, metric_by_metric, vectors
from test_app_matrix import impact_of, press
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.screens.advisory_editor import AdvisoryEditor
from triage_tui.screens.advisory_export_modal import AdvisoryExportModal
from triage_tui.screens.cvss import CvssScreen
from triage_tui.screens.embargo import EmbargoModal
from triage_tui.screens.filter import FilterModal
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.screens.matrix_export_modal import MatrixExportModal
from triage_tui.screens.questions import NoteModal, TextModal
from triage_tui.screens.save_attachment import SaveAttachmentModal
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store
from ui_fixtures import FROZEN_NOW, frozen_clock, screen_text, settle
from ui_fixtures import make_app as make_plain_app


def decide_elsewhere(database: Path) -> TriageService:
    """Another writer on the same store (a team event applied, a second window) deciding while a dialog is open."""
    return TriageService(Store(database), "sam@example.org", clock=frozen_clock)


class TestCaseDialogs:
    async def test_a_case_id_that_does_not_exist_keeps_the_duplicate_dialog_open(self, tmp_path: Path) -> None:
        """d on a case without candidates asks for an id; a wrong one is refused in place, the right one merges."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 3)  # PSC-2026-0003: no candidates
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            await pilot.press(*"PSC-2026-0099", "enter")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert app.screen.query_one(Input).value == "PSC-2026-0099"
            assert "not done: no case PSC-2026-0099" in screen_text(app)
            await pilot.press("backspace", "backspace", "0", "1", "enter")
            await settle(pilot)
            assert app.screen is screen
            assert stored(app, "PSC-2026-0003")[1].duplicate_of == "PSC-2026-0001"

    @pytest.mark.parametrize(("key", "typed"), [("a", "sam"), ("l", "tarfile")])
    async def test_assign_and_labels_refused_stay_open(self, tmp_path: Path, key: str, typed: str) -> None:
        """The same value as the case already has (set meanwhile elsewhere) is refused in the open dialog."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press(key)
            app.screen.query_one(Input).value = typed
            other = decide_elsewhere(app.database)
            other.assign(screen.case_id, "sam") if key == "a" else other.set_labels(screen.case_id, ["tarfile"])
            other.store.close()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert app.screen.query_one(Input).value == typed
            assert "not done: nothing to change" in screen_text(app)

    async def test_an_empty_note_is_refused_in_the_open_note(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("N", "space", "enter", "space")
            await pilot.press("ctrl+s")
            await settle(pilot)
            note = app.screen
            assert isinstance(note, NoteModal)
            assert "not done: an empty note is not saved" in screen_text(app)
            await pilot.press(*"written after all", "ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert [event.kind for event in stored(app, screen.case_id)[0].events] == ["note"]

    async def test_embargo_refused_stays_open_with_the_time_typed(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("e")
            assert isinstance(app.screen, EmbargoModal)
            await pilot.press("f")  # +14 days
            typed = app.screen.query_one(Input).value
            other = decide_elsewhere(app.database)
            other.set_embargo(screen.case_id, FROZEN_NOW.replace(second=0, microsecond=0) + timedelta(days=14))
            other.store.close()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, EmbargoModal)
            assert app.screen.query_one(Input).value == typed
            assert "not done: nothing to change" in screen_text(app)

    @pytest.mark.parametrize("typed", ["0001-01-01 00:00", "9999-12-31 23:59", "1999-12-31 23:59"])
    async def test_an_embargo_end_out_of_every_workstations_span_is_refused_with_the_time_typed(
        self, tmp_path: Path, typed: str
    ) -> None:
        """Team sync or not: the service refuses the year 1 (or 9999) typo, the dialog keeps it with the reason."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("e")
            assert isinstance(app.screen, EmbargoModal)
            await pilot.press(*typed, "enter")
            await settle(pilot)
            assert isinstance(app.screen, EmbargoModal)
            assert app.screen.query_one(Input).value == typed
            assert f"the embargo end {typed} is not between 2000 and 9000" in screen_text(app)
            await pilot.press("escape", "y")  # what was typed is discarded only on a deliberate y
            await settle(pilot)
            assert app.screen is screen
            assert stored(app, screen.case_id)[0].summary.embargo_until is None

    async def test_cvss_refused_stays_open_with_the_vector_built(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_case(pilot, 0)
            await pilot.press("v", *metric_by_metric("nlnnuhhh"))
            other = decide_elsewhere(app.database)
            other.set_severity(screen.case_id, CRITICAL_31)
            other.store.close()
            await pilot.press("enter")
            await settle(pilot)
            calculator = app.screen
            assert isinstance(calculator, CvssScreen)
            assert calculator.draft.vector() == CRITICAL_31
            assert "not done: nothing to change" in screen_text(app)
            assert vectors(app, screen.case_id) == (CRITICAL_31, None)


class TestFileAndMatrixDialogs:
    async def test_impact_cell_refused_stays_open(self, tmp_path: Path) -> None:
        app = make_plain_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await press(pilot, "enter")  # PSC-2026-0006, pip
            editor = app.screen
            assert isinstance(editor, ImpactEditor)
            editor.query_one("#status", Select).value = ImpactStatus.WONT_FIX
            await pilot.pause()
            other = decide_elsewhere(app.database)
            other.set_impact("PSC-2026-0006", "pip", ImpactCell(ImpactStatus.WONT_FIX))
            other.store.close()
            await press(pilot, "ctrl+s")
            assert app.screen is editor
            assert editor.query_one("#status", Select).value == ImpactStatus.WONT_FIX
            assert "not done: nothing to change" in screen_text(app)
            await press(pilot, "escape", "y")  # what was typed is discarded only after a y
            assert isinstance(app.screen, MatrixScreen)
            assert impact_of(app.database, "PSC-2026-0006", "pip") == ("wont-fix", ())

    async def test_matrix_export_to_an_existing_file_stays_open(self, tmp_path: Path) -> None:
        app = make_plain_app(tmp_path)
        taken = tmp_path / "taken.csv"
        taken.write_text("mine\n")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await press(pilot, "e")
            app.screen.query_one("#path", Input).value = str(taken)
            await press(pilot, "enter")
            assert isinstance(app.screen, MatrixExportModal)
            assert app.screen.query_one("#path", Input).value == str(taken)
            assert "already exists" in screen_text(app)
            app.screen.query_one("#path", Input).value = str(tmp_path / "new.csv")
            await press(pilot, "enter")
            assert isinstance(app.screen, MatrixScreen)
        assert taken.read_text() == "mine\n"
        assert (tmp_path / "new.csv").exists()

    async def test_save_attachment_to_an_existing_file_stays_open(self, tmp_path: Path) -> None:
        app = make_plain_app(tmp_path)
        taken = tmp_path / "taken.bin"
        taken.write_text("mine\n")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press(*(["j"] * 5), "enter")
            await settle(pilot)
            case = app.screen
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, SaveAttachmentModal)
            app.screen.query_one("#path", Input).value = str(taken)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, SaveAttachmentModal)
            assert app.screen.query_one("#path", Input).value == str(taken)
            assert "already exists" in screen_text(app)
            app.screen.query_one("#path", Input).value = str(tmp_path / "saved.bin")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is case
        assert taken.read_text() == "mine\n"
        assert (tmp_path / "saved.bin").stat().st_size > 0

    async def test_advisory_export_to_a_missing_folder_comes_back_on_what_was_typed(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        complete_draft(app)
        missing = tmp_path / "no such folder"
        async with app.run_test(size=SIZE) as pilot:
            await open_editor(pilot)
            await press_in_editor(pilot, "ctrl+o")
            app.screen.query_one("#folder", Input).value = str(missing)
            app.screen.query_one("#format", Select).value = "csaf"
            await press_in_editor(pilot, "enter")
            modal = app.screen
            assert isinstance(modal, AdvisoryExportModal)
            assert modal.query_one("#folder", Input).value == str(missing)
            assert modal.query_one("#format", Select).value == "csaf"
            assert "does not exist" in screen_text(app)
            missing.mkdir()
            await press_in_editor(pilot, "enter")
            assert isinstance(app.screen, AdvisoryEditor)
        assert [path.name for path in missing.iterdir()] == ["PSC-2026-0001.csaf.json"]


class TestFilterDialog:
    async def test_days_that_are_not_a_number_are_refused_not_read_as_no_limit(self, tmp_path: Path) -> None:
        """The field takes digits only ('-' is not typed); days past the bound keep the filter open, saying why."""
        app = make_plain_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f")
            modal = app.screen
            assert isinstance(modal, FilterModal)
            modal.query_one("#f-embargo", Input).focus()
            await pilot.pause()
            await pilot.press("-", "9", "9", "9", "9", "enter")
            await settle(pilot)
            assert app.screen is modal
            assert modal.query_one("#f-embargo", Input).value == "9999"
            said = screen_text(app)  # the reason wraps in the narrow dialog
            assert "not done: embargo due ≤ takes a whole number of days from" in said and "0 to 3650, not 9999" in said
            await pilot.press(*["backspace"] * 4, "7", "enter")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert app.screen.case_filter.embargo_due_days == 7
