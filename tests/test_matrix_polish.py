"""Tests of issue 18's matrix fixes: columns that line up with their headings, cells and ranges said in words, a fixed
version that contradicts its range refused (editor and command line), a link asked for before a cell links a project,
an export that defaults to the workspace's exports folder without spam, dialogs that fit 80x24, light-theme colours."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.color import Color
from rich.segment import Segment
from textual.app import App
from textual.widgets import Input, Select, Static

from gpg_fixtures import GpgWorld, write_team_config
from test_app_matrix import impact_of, press, seed_cells
from triage_tui.advisories.record import Advisory, PackageImpact
from triage_tui.advisories.validation import validate
from triage_tui.cli import run
from triage_tui.commands import BindingCommands
from triage_tui.config import Project
from triage_tui.domain import Disposition, ImpactStatus
from triage_tui.impact import ImpactCell, ImpactError
from triage_tui.screens.cvss import CvssScreen
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.screens.matrix_export_modal import MatrixExportModal
from triage_tui.screens.questions import DeliberateConfirmModal
from triage_tui.services.store_key import unlock_store
from triage_tui.services.triage import TriageService
from triage_tui.store import cipher
from triage_tui.store.store import Store
from triage_tui.widgets.matrix_grid import MatrixGrid
from triage_tui.widgets.verdict import signature_look
from ui_fixtures import FROZEN_NOW, PROJECTS, make_app, screen_text, seeded_store, settle, small_inbox

LONG_PROJECT = Project(
    id="pypi-attestations", name="pypi-attestations", packages=("pypi-attestations",), repository="pypi/attestations"
)
"""A project id longer than a column: its heading must still end before the next one starts."""
SPAM_CASE = "PSC-2026-0002"


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two colours."""

    def luminance(colour: str) -> float:
        red, green, blue = Color.parse(colour).get_truecolor()

        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def notified(app: App[None]) -> str:
    """Every notification's text, one a line (a toast wraps its text on screen)."""
    return "\n".join(notification.message for notification in app._notifications)


def field_starts(line: str) -> list[int]:
    """Where each field of a laid-out line starts: a non-space after a space (or at the start)."""
    return [i for i, char in enumerate(line) if char != " " and (i == 0 or line[i - 1] == " ")]


# ---- the grid's columns -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_every_column_lines_up_with_its_heading_and_no_fields_touch(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    with Store(app.database) as store:
        store.sync_projects((*PROJECTS, LONG_PROJECT))
    seed_cells(app.database)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        grid = app.screen.query_one(MatrixGrid)
        shown = len(grid.visible_columns())
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.startswith("case "))
        starts = field_starts(header)
        # case, title, one heading per shown project, checked: each its own word, none run into the next
        assert len(starts) == 2 + shown + 1, header
        rows = [line for line in lines if line.startswith("PSC-2026-")]
        assert len(rows) == 6
        for row in rows:
            for start in starts:
                assert row[start] != " ", f"nothing under the heading at {start}: {row!r}"
                if start:
                    assert row[start - 1] == " ", f"the field at {start} touches the one before: {row!r}"
        first = next(row for row in rows if row.startswith("PSC-2026-0001"))
        projects = [header[start:].split(" ")[0] for start in starts[2:-1]]
        cells = {name: first[start:].split("  ")[0].strip() for name, start in zip(projects, starts[2:-1], strict=True)}
        assert cells.get("pip") == "+ fixed" and cells.get("setuptools") == "~ checking"
        if shown < len(grid.projects):  # what does not fit is said, in the title
            assert f"projects 1-{shown} of {len(grid.projects)}" in lines[0]


# ---- words, never reprs -------------------------------------------------------------------------------------------


def test_osv_events_are_said_in_words() -> None:
    from triage_tui.impact_words import events_in_words

    assert events_in_words([("introduced", "1.0"), ("fixed", "1.5")]) == "affected from 1.0, fixed in 1.5"
    assert events_in_words([{"introduced": "0"}, {"fixed": "2.0"}, {"introduced": "3.0"}]) == (
        "every version before 2.0 affected; affected from 3.0 on"
    )
    assert events_in_words([("introduced", "0.5"), ("last_affected", "0.5")]) == "only 0.5 affected"


def test_the_advisory_says_in_words_what_the_matrix_says() -> None:
    draft = PackageImpact("pip", "pip", ImpactStatus.AFFECTED, (("introduced", "1.0"), ("fixed", "1.4")))
    matrix = PackageImpact("pip", "pip", ImpactStatus.AFFECTED, (("introduced", "1.0"), ("fixed", "1.5")))
    problems = validate(Advisory("PSC-2026-0001", "summary", packages=(draft,)), [matrix])
    said = next(problem.message for problem in problems if "the matrix says" in problem.message)
    assert "the matrix says affected (affected from 1.0, fixed in 1.5)" in said
    assert "[(" not in said and "'introduced'" not in said


# ---- a fixed version that contradicts its range ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "fixed", "words"),
    [
        ((">=23.0,<24.1",), "22.0", "below the affected versions (23.0 up to but not including 24.1)"),
        ((">=23.0,<24.1",), "23.5", "inside the affected versions (23.0 up to but not including 24.1)"),
    ],
)
def test_a_fixed_version_against_its_range_is_refused_naming_both(ranges: tuple[str], fixed: str, words: str) -> None:
    from triage_tui.impact_words import check_new_cell

    with pytest.raises(ImpactError) as refused:
        check_new_cell(ImpactCell(ImpactStatus.FIXED, ranges, fixed))
    assert f"the fixed version {fixed} is {words}" in str(refused.value)


@pytest.mark.parametrize(
    ("ranges", "fixed"), [((">=23.0,<24.1",), "24.1"), ((">=23.0",), "24.1"), (("<24.1",), "24.1")]
)
def test_a_fixed_version_after_its_range_or_closing_it_is_kept(ranges: tuple[str], fixed: str) -> None:
    from triage_tui.impact_words import check_new_cell

    assert check_new_cell(ImpactCell(ImpactStatus.FIXED, ranges, fixed)).fixed_version == fixed


async def test_the_editor_refuses_a_fixed_version_below_the_range(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seed_cells(app.database)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "G", "enter")  # PSC-2026-0001, pip: fixed in 24.1
        editor = app.screen
        assert isinstance(editor, ImpactEditor)
        editor.query_one("#ranges", Input).value = ">=23.0,<24.1"
        editor.query_one("#fixed", Input).value = "22.0"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert app.screen is editor  # refused: the editor stays open, saying why
        said = str(editor.query_one("#impact-error", Static).content)
        assert said == (
            "The fixed version 22.0 is below the affected versions (23.0 up to but not including 24.1): a fix comes"
            " after the versions it fixes, so raise the fixed version or correct the range."
        )
        assert impact_of(app.database, "PSC-2026-0001", "pip") == ("fixed", ("<24.1",))


# ---- linking asks first -------------------------------------------------------------------------------------------


async def test_a_cell_of_an_unlinked_project_asks_before_linking_and_sharing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "l", "l", "l", "enter")  # PSC-2026-0005, uv: not linked
        editor = app.screen
        assert isinstance(editor, ImpactEditor)
        editor.query_one("#status", Select).value = ImpactStatus.AFFECTED
        editor.query_one("#ranges", Input).value = ">=1.0,<1.5"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DeliberateConfirmModal)
        question = screen_text(app)
        assert (
            "uv is not linked to PSC-2026-0005" in question and "links it" in question and "shared with uv" in question
        )
        await press(pilot, "n")
        shown: object = app.screen  # a new read: the question closed
        assert shown is editor and impact_of(app.database, "PSC-2026-0005", "uv") is None
        await press(pilot, "ctrl+s")
        await press(pilot, "y")
        assert isinstance(app.screen, MatrixScreen)
        assert impact_of(app.database, "PSC-2026-0005", "uv") == ("affected", ("<1.5,>=1.0",))
        said = notified(app)
        assert "uv for PSC-2026-0005: affected (affected from 1.0, fixed in 1.5)." in said
        assert "uv is now linked to PSC-2026-0005, so the case is shared with it." in said


async def test_a_cell_of_a_linked_project_saves_without_asking(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seed_cells(app.database)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "G", "enter")  # PSC-2026-0001, pip: linked
        app.screen.query_one("#fixed", Input).value = "24.2"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, MatrixScreen)


# ---- the export ---------------------------------------------------------------------------------------------------


def close_as_spam(database: Path) -> None:
    with Store(database) as store:
        TriageService(store, "alex@example.org", clock=lambda: FROZEN_NOW).close(SPAM_CASE, Disposition.SPAM)


async def test_the_export_suggests_the_exports_folder_and_leaves_out_spam_unless_asked(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    close_as_spam(app.database)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "c", "m", "e")  # closed cases shown in the inbox: the matrix has the spam case's row
        assert isinstance(app.screen, MatrixExportModal)
        suggested = Path(app.screen.query_one("#path", Input).value)
        assert suggested == app.database.parent / "exports" / "impact-matrix.md"
        await press(pilot, "enter")
        assert not isinstance(app.screen, MatrixExportModal)
        written = suggested.read_text()
        assert "PSC-2026-0001" in written and SPAM_CASE not in written
        assert "1 spam or invalid case was left out." in notified(app)
        await press(pilot, "e")
        titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
        assert any("include spam" in title for title in titles), titles  # the key is in the palette too
        app.screen.query_one("#path", Input).value = str(suggested.with_name("every-case.md"))
        await press(pilot, "ctrl+l", "enter")
        assert SPAM_CASE in suggested.with_name("every-case.md").read_text()


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld) -> Iterator[Path]:
    """A workspace holding the small inbox with one case closed as spam, as the command line opens it."""
    home = tmp_path / "home"
    write_team_config(home, gpg_world)
    database = seeded_store(home / "triage.db", small_inbox())
    close_as_spam(database)
    unlock_store(database, gpg_world.team.fingerprint, gpg_world.team.home)
    try:
        yield home
    finally:
        cipher.forget_key(database)


def command(home: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--home", str(home), *argv], out=out, err=err, stdin=io.BytesIO())
    return code, out.getvalue(), err.getvalue()


def test_matrix_command_leaves_out_spam_unless_all(home: Path) -> None:
    code, out, err = command(home, "matrix", "--format", "json")
    assert code == 0
    ids = [row["id"] for row in json.loads(out)["cases"]]
    assert "PSC-2026-0001" in ids and SPAM_CASE not in ids
    assert "1 spam or invalid case was left out; --all includes them." in err
    code, out, err = command(home, "matrix", "--format", "json", "--all")
    assert code == 0 and SPAM_CASE in [row["id"] for row in json.loads(out)["cases"]] and not err
    code, out, _ = command(home, "matrix")  # DESIGN's form: markdown on stdout
    assert code == 0 and out.startswith("| case | title |")


def test_cell_command_refuses_a_fixed_version_below_the_range(home: Path) -> None:
    argv = ("case", "PSC-2026-0001", "cell", "pip", "fixed", "--ranges", ">=23.0,<24.1", "--fixed", "22.0")
    code, out, err = command(home, *argv)
    assert code == 2 and not out
    assert "the fixed version 22.0 is below the affected versions (23.0 up to but not including 24.1)" in err


def test_cell_command_says_it_linked_the_project(home: Path) -> None:
    code, out, err = command(home, "case", "PSC-2026-0005", "cell", "uv", "affected", "--ranges", ">=1.0")
    assert code == 0, err
    assert "uv is now linked to the case, which is shared with its maintainers" in out


# ---- dialogs fit 80x24 ---------------------------------------------------------------------------------------------


def fits(app_size: tuple[int, int], region_right: int, region_bottom: int) -> bool:
    return region_right <= app_size[0] and region_bottom <= app_size[1]


async def test_the_cvss_dialog_fits_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "v", "tab")  # the case, its calculator, CVSS 4.0 (the longer names)
        assert isinstance(app.screen, CvssScreen)
        dialog = app.screen.query_one("#cvss-dialog").region
        assert dialog.x >= 0 and fits((80, 24), dialog.right, dialog.bottom)
        text = screen_text(app)
        assert "SA Subsequent System Availability" in text and "Score" in text and "delete: unset all" in text


async def test_the_impact_editor_and_the_export_dialog_fit_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seed_cells(app.database)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "G", "enter")
        assert isinstance(app.screen, ImpactEditor)
        box = app.screen.query_one(".action-dialog").region
        assert fits((80, 24), box.right, box.bottom)
        text = screen_text(app)
        assert "ctrl+s save" in text and "Versions: every version before 24.1 affected." in text
        await press(pilot, "escape", "e")
        assert isinstance(app.screen, MatrixExportModal)
        assert "enter export" in screen_text(app)


# ---- light theme --------------------------------------------------------------------------------------------------


async def test_verdicts_and_cells_are_readable_on_the_light_theme(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seed_cells(app.database)
    async with app.run_test(size=(120, 36)) as pilot:
        app.theme = "textual-light"
        await settle(pilot)
        background = app.current_theme.background or "#E0E0E0"
        for verdict in ("unknown-key", "good", "BAD", "unsigned", "expired-key"):
            assert contrast(signature_look(verdict).colour, background) >= 4.5, verdict
        await press(pilot, "m")
        grid = app.screen.query_one(MatrixGrid)
        line = grid.render_line(5)  # PSC-2026-0001: fixed, checking, unknown, not affected
        coloured = [s for s in line if isinstance(s, Segment) and s.style and s.style.color and s.text.strip()]
        assert len(coloured) >= 3
        for segment in coloured:
            assert segment.style is not None and segment.style.color is not None
            red, green, blue = segment.style.color.get_truecolor()
            assert contrast(f"#{red:02x}{green:02x}{blue:02x}", background) >= 4.5, segment.text
