"""Tests the impact matrix and the case's impacts on a maintainer's workstation: a project not linked to a case shows
as not linked (`·`) and is not counted as one to check, the maintainer's own projects come first, enter on such a
cell says the rule; the case's panel lists unlinked projects apart from unknown ones, as its checklist counts them;
a solo workspace keeps today's grid; 80x24 snapshots of the maintainer's matrix."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from test_app_maintainer_keys import config_maintainer
from test_app_matrix import press
from test_app_snapshots import SnapCompare, keys_then_settle
from triage_tui.app import TriageApp
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.team.rights import foreign_cells_rule, unlinked_cells_rule
from triage_tui.widgets.matrix_grid import MatrixGrid
from ui_fixtures import frozen_clock, screen_text, seeded_store, settle, small_inbox, workspace_config

SIZE = (200, 50)
UV_ONLY = "uv: lock file accepts hash-less URLs"
"""The title of the small inbox's case linked to uv alone."""
BOTH = "pip and uv: wheel RECORD not verified"
"""The title of its case linked to pip and uv."""
PIP_ONLY = "pip: path traversal in tarfile extraction of sdists"


def maintainer_app(tmp_path: Path, project: str) -> TriageApp:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    return TriageApp(database, config_maintainer(tmp_path, project), clock=frozen_clock)


def row_of(text: str, title: str) -> str:
    return next(line for line in text.splitlines() if title[:20] in line)


async def down_to(grid: MatrixGrid, pilot: Pilot[None], title: str) -> None:
    """Move the matrix's cursor down to the row of the case called `title`."""
    while (row := grid.current_row()) is not None and row.case.title != title:
        await press(pilot, "down")


def told(app: TriageApp, rule: str) -> bool:
    """Whether a notification has said `rule`."""
    return any(rule in n.message for n in app._notifications)


async def open_matrix(app: TriageApp, pilot: Pilot[None]) -> MatrixGrid:
    await settle(pilot)
    await press(pilot, "m")
    assert isinstance(app.screen, MatrixScreen)
    return app.screen.query_one(MatrixGrid)


class TestMaintainerMatrix:
    async def test_a_project_not_linked_is_not_one_to_check(self, tmp_path: Path) -> None:
        """uv's maintainer: uv's column first; the uv-only case shows uv unknown, the three others `·`, and counts
        0/1 (not 0/4); the pip-and-uv case counts 0/2; the title's legend says what the marks mean."""
        app = maintainer_app(tmp_path, "uv")
        async with app.run_test(size=SIZE) as pilot:
            grid = await open_matrix(app, pilot)
            assert grid.projects == ["uv", "pip", "setuptools", "twine"]
            assert grid.column == 0
            text = screen_text(app)
            assert "6 cases x 4 projects · legend: · not linked" in text
            assert "totals: n!" not in text
            totals = text.splitlines()[-2]
            assert totals.startswith("totals: ! affected, ✓ settled") and "0! 0✓" in totals, totals
            uv_only = row_of(text, UV_ONLY)
            assert uv_only.count("? unknown") == 1 and uv_only.count("·") == 3, uv_only
            assert uv_only.index("? unknown") < uv_only.index("·")  # uv's column comes first
            assert uv_only.rstrip().endswith("0/1"), uv_only
            both = row_of(text, BOTH)
            assert both.count("? unknown") == 2 and both.rstrip().endswith("0/2"), both

    async def test_enter_on_a_cell_not_linked_says_the_rule(self, tmp_path: Path) -> None:
        """On the uv-only case, enter on pip's `·` opens no editor and says pip is not theirs; on uv's cell the
        editor opens."""
        app = maintainer_app(tmp_path, "uv")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            grid = await open_matrix(app, pilot)
            await down_to(grid, pilot, UV_ONLY)
            await press(pilot, "right", "enter")
            assert isinstance(app.screen, MatrixScreen)
            assert told(app, foreign_cells_rule(["pip"]))
            await press(pilot, "left", "enter")
            assert isinstance(app.screen, ImpactEditor)

    async def test_enter_on_another_projects_linked_cell_says_the_rule(self, tmp_path: Path) -> None:
        """On the case of pip and uv, pip's cell is linked but not uv's maintainer's: no editor, the rule instead."""
        app = maintainer_app(tmp_path, "uv")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            grid = await open_matrix(app, pilot)
            await down_to(grid, pilot, BOTH)
            await press(pilot, "right", "enter")
            assert isinstance(app.screen, MatrixScreen)
            assert told(app, foreign_cells_rule(["pip"]))
            # Their own project's cell on a case no coordinator linked uv to: the link rule instead.
            await down_to(grid, pilot, PIP_ONLY)
            await press(pilot, "left", "enter")
            assert isinstance(app.screen, MatrixScreen)
            assert told(app, unlinked_cells_rule(["uv"]))

    async def test_a_solo_workspace_keeps_every_cell(self, tmp_path: Path) -> None:
        """Off the team, the uv-only case still shows four cells as unknown and counts 0/4, in id order."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            grid = await open_matrix(app, pilot)
            assert grid.projects == ["pip", "setuptools", "twine", "uv"]
            text = screen_text(app)
            assert "· not linked" not in text
            assert text.splitlines()[0].rstrip().endswith("6 cases x 4 projects"), text.splitlines()[0]
            uv_only = row_of(text, UV_ONLY)
            assert uv_only.count("? unknown") == 4 and uv_only.rstrip().endswith("0/4"), uv_only


class TestMaintainerCasePanel:
    async def test_projects_not_linked_are_listed_apart(self, tmp_path: Path) -> None:
        """The uv-only case: "? unknown  uv", then "· not linked  pip, setuptools, twine"; the checklist counts uv
        only, so it is not checked, and never says every project is checked while one is listed as unknown."""
        app = maintainer_app(tmp_path, "uv")
        async with app.run_test(size=SIZE) as pilot:
            grid = await open_matrix(app, pilot)
            await down_to(grid, pilot, UV_ONLY)
            await press(pilot, "o")
            assert isinstance(app.screen, CaseScreen)
            text = screen_text(app)
            assert "? unknown  uv" in text
            assert "· not linked  pip, setuptools, twine" in text
            assert "✗ every linked project checked" in text and "uv: unknown" in text
            assert "pip: unknown" not in text


class TestMaintainerMatrixSnapshots:
    def test_matrix_80x24(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """uv's maintainer's matrix at 80x24: uv's column first, `·` for projects not linked, n/m of linked ones,
        the legend in the title."""
        assert snap_compare(maintainer_app(tmp_path, "uv"), terminal_size=(80, 24), run_before=keys_then_settle("m"))

    def test_matrix_200x50(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The same matrix at 200x50, every column shown."""
        assert snap_compare(maintainer_app(tmp_path, "uv"), terminal_size=(200, 50), run_before=keys_then_settle("m"))
