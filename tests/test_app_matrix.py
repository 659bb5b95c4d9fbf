"""Pilot tests of the impact matrix screen: the inbox's filter applies, keys move a cell cursor, the cell editor
checks the rules and saves an event, `o` opens the case; snapshots of the grid and the editor; hostile titles."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from test_app_hostile import assert_no_raw_controls
from test_app_snapshots import SIZE, SnapCompare, keys_then_settle
from triage_tui.commands import BindingCommands
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.screens.matrix_export_modal import MatrixExportModal
from triage_tui.services.matrix_export import export_matrix
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.duplicate_reads import project_ids
from triage_tui.store.matrix_reads import matrix_rows, project_packages
from triage_tui.store.queries import CaseDetail, CaseFilter, get_case, list_cases
from triage_tui.store.store import Store
from triage_tui.widgets.matrix_grid import MatrixGrid
from ui_fixtures import FROZEN_NOW, HOSTILE_STRINGS, hostile_inbox, make_app, screen_text, settle


def seed_cells(database: Path) -> None:
    triage = TriageService(Store(database), "alex@example.org", clock=lambda: FROZEN_NOW)
    triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version="24.1"))
    triage.set_impact(
        "PSC-2026-0001",
        "uv",
        ImpactCell(ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT),
    )
    triage.set_impact("PSC-2026-0001", "setuptools", ImpactCell(ImpactStatus.INVESTIGATING))
    triage.store.close()


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press `keys`, then wait for the reads and messages they start."""
    await pilot.press(*keys)
    await settle(pilot)


def impact_of(database: Path, case_id: str, project: str) -> tuple[str, tuple[str, ...]] | None:
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    found = [(i.status, i.ranges) for i in detail.impacts if i.project == project]
    return found[0] if found else None


class TestMatrixScreen:
    async def test_m_shows_the_inboxs_cases_by_project_with_words_and_totals(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        seed_cells(app.database)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            assert isinstance(app.screen, MatrixScreen)
            grid = app.screen.query_one(MatrixGrid)
            assert grid.count == 6 and grid.projects == ["pip", "setuptools", "twine", "uv"]
            text = screen_text(app)
            assert "every case · 6 cases x 4 projects" in text
            row = next(line for line in text.splitlines() if line.startswith("PSC-2026-0001"))
            assert "+ fixed" in row and "~ checking" in row and "- not aff." in row and "? unknown" in row
            assert row.rstrip().endswith("2/4")  # fixed and not-affected are settled; checking and unknown are not
            totals = next(line for line in text.splitlines() if line.startswith("totals"))
            assert "1! 1✓" in totals  # pip: one affected (fixed), one settled
            await pilot.press("escape")
            assert isinstance(app.screen, InboxScreen)

    async def test_every_matrix_action_is_in_the_palette(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "inbox: matrix" in [hit.text async for hit in BindingCommands(app.screen).discover()]
            await press(pilot, "m")
            titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
            for expected in ("matrix: edit cell", "matrix: open case", "matrix: export", "matrix: back"):
                assert expected in titles

    async def test_the_inbox_filter_applies(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "slash", *"tarfile", "enter", "m")
            assert app.screen.query_one(MatrixGrid).count == 2
            assert "matching 'tarfile' · 2 cases" in screen_text(app)

    async def test_enter_edits_the_cell_under_the_cursor_and_saves_an_event(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await pilot.press("j", "l", "l", "l", "enter")  # PSC-2026-0005, uv
            await settle(pilot)
            editor = app.screen
            assert isinstance(editor, ImpactEditor)
            assert "uv for PSC-2026-0005" in screen_text(app) and "never set: unknown means nobody" in screen_text(app)
            editor.query_one("#status", Select).value = ImpactStatus.AFFECTED
            editor.query_one("#ranges", Input).value = ">1.0"
            await pilot.pause()
            await pilot.press("ctrl+s")
            assert app.screen is editor  # a rule is broken: the editor stays, saying which
            assert "OSV ranges have no '>'" in screen_text(app)
            editor.query_one("#ranges", Input).value = ">=0.3, <0.4.2; ==0.5.0"
            editor.query_one("#impact-notes", TextArea).text = "only with --system"
            await pilot.pause()
            assert "Versions: affected from 0.3, fixed in 0.4.2; only 0.5.0 affected." in screen_text(app)
            await press(pilot, "ctrl+s")  # uv is not linked to the case: saving links it, after a yes
            assert "Saving this cell links it" in screen_text(app)
            await press(pilot, "y")
            assert isinstance(app.screen, MatrixScreen)
            assert impact_of(app.database, "PSC-2026-0005", "uv") == ("affected", ("<0.4.2,>=0.3", "==0.5.0"))
            row = next(line for line in screen_text(app).splitlines() if line.startswith("PSC-2026-0005"))
            assert "! affected" in row

    async def test_delete_unlinks_the_project_after_a_deliberate_yes_and_u_links_it_back(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        seed_cells(app.database)
        notes, fixed = "only with --user; backport to 23.3", "24.1"
        triage = TriageService(Store(app.database), "alex@example.org", clock=lambda: FROZEN_NOW)
        cell = ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version=fixed, notes=notes)
        triage.set_impact("PSC-2026-0001", "pip", cell)
        triage.store.close()
        before = impact_of(app.database, "PSC-2026-0001", "pip")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            grid = app.screen.query_one(MatrixGrid)
            grid.row = next(i for i in range(grid.count) if (r := grid._row(i)) and r.case.id == "PSC-2026-0001")
            grid.column = grid.projects.index("pip")
            await pilot.press("delete")
            await settle(pilot)
            assert "Unlink pip from PSC-2026-0001?" in screen_text(app)
            question = app.screen.query_one(".action-title", Static).render()
            assert "Undo (u in the case) links pip back with this cell." in str(question)
            await press(pilot, "enter")  # not a yes: nothing changes
            assert impact_of(app.database, "PSC-2026-0001", "pip") is not None
            await pilot.press("delete")
            await settle(pilot)
            await press(pilot, "y")
            assert isinstance(app.screen, MatrixScreen)
            assert impact_of(app.database, "PSC-2026-0001", "pip") is None
            unlinked = get_case_of(app.database, "PSC-2026-0001").events[-1]
            assert unlinked.kind == "impact-removed"
            # u in the case brings the cell back, notes and ranges included.
            await press(pilot, "o")
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0001"
            await press(pilot, "u")
            assert impact_of(app.database, "PSC-2026-0001", "pip") == before
        detail = get_case_of(app.database, "PSC-2026-0001")
        assert [event.kind for event in detail.events[-2:]] == ["impact-removed", "undo"]
        (restored,) = [impact for impact in detail.impacts if impact.project == "pip"]
        assert (restored.notes, restored.fixed_version) == (notes, fixed)


def get_case_of(database: Path, case_id: str) -> CaseDetail:
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return detail

    async def test_escape_leaves_the_cell_as_it_was(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await press(pilot, "enter")
            app.screen.query_one("#status", Select).value = ImpactStatus.WONT_FIX
            await press(pilot, "escape", "y")  # a changed cell is discarded only after a y
            assert isinstance(app.screen, MatrixScreen)
            assert impact_of(app.database, "PSC-2026-0006", "pip") in (None, ("unknown", ()))

    async def test_o_opens_the_case_of_the_row(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await press(pilot, "j", "j", "o")
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0004"
            # The case opened over the inbox (the app closed the matrix): escape leads back to the inbox.
            await press(pilot, "escape")
            assert isinstance(app.screen, InboxScreen) and len(app.screen_stack) == 1

    async def test_e_exports_every_row_to_a_new_file(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        seed_cells(app.database)
        target = tmp_path / "out" / "matrix [x].csv"
        target.parent.mkdir()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            await press(pilot, "e")
            assert isinstance(app.screen, MatrixExportModal)
            app.screen.query_one("#format", Select).value = "csv"
            await pilot.pause()
            assert app.screen.query_one("#path", Input).value.endswith("impact-matrix.csv")
            app.screen.query_one("#path", Input).value = str(target)
            await press(pilot, "enter")
            with reader(app.database) as connection:
                expected = export_matrix(
                    project_ids(connection),
                    matrix_rows(connection, list_cases(connection, CaseFilter(), limit=None)),
                    "csv",
                    project_packages(connection),
                )
            assert target.read_text() == expected
            assert "6 cases as csv to" in screen_text(app) and "matrix [x].csv" in screen_text(app)
            # A second export to the same name is refused, and the file is left as it was.
            await press(pilot, "e")
            app.screen.query_one("#path", Input).value = str(target)
            await press(pilot, "enter")
            assert "already exists" in screen_text(app)
            assert target.read_text() == expected

    async def test_hostile_titles_are_shown_literally(self, tmp_path: Path) -> None:
        app = make_app(tmp_path, hostile_inbox())
        async with app.run_test(size=(200, 40), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "m")
            text = screen_text(app)
            assert_no_raw_controls(text)
            assert_no_raw_controls(app.export_screenshot())
            assert app.screen.query_one(MatrixGrid).count == len(HOSTILE_STRINGS)
            assert "[@click=app.quit]x[/] subj" in text and "␛[2J subject" in text
            await press(pilot, "enter")
            assert isinstance(app.screen, ImpactEditor)
            assert_no_raw_controls(screen_text(app))
            assert app.is_running


class TestCaseRow:
    async def test_the_case_view_shows_its_row_and_readiness(self, tmp_path: Path) -> None:
        """Every configured project (one never linked as not linked), then the checklist of the projects linked to the
        case with what is missing."""
        app = make_app(tmp_path)
        seed_cells(app.database)
        async with app.run_test(size=(160, 60)) as pilot:
            await settle(pilot)
            await press(pilot, "G", "enter")
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0001"
            text = screen_text(app)
            for shown in (
                "pip        + fixed in 24.1",
                "setuptools ~ investigating",
                "· not linked  twine",
                "uv         - not-affected",
                "not ready to publish",
                "✗ every linked project checked",
                "setuptools: investigating",
                "✓ a fix or a decision for each affected",
                "✗ embargo end set",
                "✗ advisory drafts exist and validate",
                "set pip unknown → fixed in 24.1",
                "pip: no advisory draft yet",
            ):
                assert shown in text, shown
            assert "twine: unknown" not in text  # not linked to the case: shown in its row, not a readiness item


class TestMatrixSnapshots:
    def test_matrix(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The grid: symbols and words per cell, the cursor cell, row checked counts and column totals."""
        app = make_app(tmp_path)
        seed_cells(app.database)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("m", "G", "l"))

    def test_cell_editor(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The cell editor over the grid, filled from a fixed cell, with its OSV events."""
        app = make_app(tmp_path)
        seed_cells(app.database)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("m", "G", "enter"))
