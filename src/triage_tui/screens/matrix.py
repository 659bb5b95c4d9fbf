"""Provides the impact matrix screen (`m`): the inbox's cases (its filter applies) x the configured projects, with
row and column totals, a cell editor on enter and the case on `o`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from triage_tui.impact import cell_of
from triage_tui.impact_words import cell_outcome
from triage_tui.screens.context import AppContext
from triage_tui.screens.decisions import Decision, Outcome, Work, run_action
from triage_tui.screens.dialog import ASKING
from triage_tui.screens.navigation import OpenCase, ShowsCases
from triage_tui.screens.role_keys import RoleKeys
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.matrix_grid import PAGE_ROWS, MatrixGrid
from triage_tui.widgets.safe_text import safe_line
from triage_tui.widgets.timeline import author_shown

if TYPE_CHECKING:
    from triage_tui.impact import ImpactCell
    from triage_tui.screens.matrix_export_modal import ExportRequest
    from triage_tui.services.triage import TriageService
    from triage_tui.store.queries import CaseFilter
    from triage_tui.store.reads import MatrixRead
    from triage_tui.team.own_rights import OwnStanding


def first_column(projects: Sequence[str], standing: OwnStanding | None) -> int:
    """The column the cursor opens on: a maintainer's first own project (the cells they may set), else the first."""
    if standing is None or standing.coordinator:
        return 0
    return next((index for index, project in enumerate(projects) if project in standing.projects), 0)


def linked_only(standing: OwnStanding | None) -> bool:
    """Whether the grid shows a project not linked to a case as not linked: on a team member's workstation that is
    no coordinator's, which holds a case for the projects it was shared for; a coordinator holds every cell."""
    return standing is not None and not standing.coordinator


def columns(projects: Sequence[str], standing: OwnStanding | None) -> list[str]:
    """The projects in column order: a maintainer's own first (the cells they set), then the rest, each in id order."""
    if not linked_only(standing) or standing is None:
        return list(projects)
    return sorted(projects, key=lambda project: project not in standing.projects)


UNLINKED_LEGEND = " · legend: · not linked"
"""The title's word on a maintainer's `·` cells (the totals row says what its own marks count)."""


class MatrixScreen(RoleKeys, ShowsCases, Screen[None]):
    """Cases down, projects across; each cell a symbol, a word and a colour."""

    DEFAULT_CSS = """
    MatrixScreen #matrix-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    MatrixScreen #matrix-head, MatrixScreen #matrix-totals { height: 1; color: $text-muted; padding: 0 0 0 0; }
    MatrixScreen #matrix-totals { background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "back", "Back", id="matrix.back", tooltip="Back to the inbox"),
        Binding("e", "export", "Export", id="matrix.export", tooltip="Write the matrix to a file (md, csv, json)"),
        Binding(
            "delete",
            "unlink",
            "Unlink",
            show=False,
            id="matrix.unlink",
            tooltip="Take the project off the case: nothing more is shared with its maintainers",
        ),
    ]

    @dataclass
    class Read(Message):
        """The matrix's projects, first page of rows, row count and column totals."""

        read: MatrixRead
        names: dict[str, str]
        standing: OwnStanding | None

    def __init__(self, context: AppContext, case_filter: CaseFilter, described: str) -> None:
        super().__init__(id="matrix")
        self.context = context
        self.reads = context.reads
        self.case_filter = case_filter
        self._described = described
        self._names: dict[str, str] = {}
        """The roster's members by key fingerprint (read with the matrix), to name who last set a cell."""
        self._totals: dict[str, dict[str, int]] = {}
        self._linked_only = False
        self._own_projects: tuple[str, ...] = ()
        """The projects this user maintains (a maintainer's matrix edits their cells only)."""
        """Whether the grid was last drawn for a maintainer (see `linked_only`)."""
        self._placed = False
        self._title = ""
        """The title line once the matrix is read (the columns shown are added as the grid scrolls)."""
        """Whether the cursor has been put on its first column (once: a re-read keeps it where the user moved it)."""

    def compose(self) -> ComposeResult:
        yield Static(safe_line(f"Impact matrix · {self._described} · loading…"), id="matrix-title")
        yield Static(Content(""), id="matrix-head")
        yield MatrixGrid(lambda offset, limit: self.reads.matrix_page(self.case_filter, offset, limit), id="grid")
        yield Static(Content(""), id="matrix-totals")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(MatrixGrid).focus()
        self.reload()

    def cases_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the rows and totals again (after a cell changed, or the store did)."""
        self._read()

    @work(thread=True, exclusive=True, group="matrix-read", exit_on_error=False)
    def _read(self) -> None:
        context = self.context
        standing = context.standing or (context.read_standing() if context.team_sync else None)
        self.post_message(self.Read(self.reads.matrix(self.case_filter, PAGE_ROWS), context.member_names(), standing))

    @on(Read)
    def _shown(self, message: Read) -> None:
        read = message.read
        self._names = message.names
        self._linked_only = linked_only(message.standing)
        self._own_projects = message.standing.projects if message.standing is not None else ()
        projects = columns(read.matrix.projects, message.standing)
        grid = self.query_one(MatrixGrid)
        grid.show(projects, read.count, read.matrix.rows, linked_only=self._linked_only)
        if not self._placed and projects:
            self._placed = True
            grid.column = first_column(projects, message.standing)
        self._totals = read.totals
        noun = "case" if read.count == 1 else "cases"
        legend = UNLINKED_LEGEND if self._linked_only else ""
        self._title = f"Impact matrix · {self._described} · {read.count} {noun} x {len(projects)} projects{legend}"
        self._lay_out_lines()

    def _lay_out_lines(self) -> None:
        grid = self.query_one(MatrixGrid)
        shown = grid.columns_shown()
        title = f"{self._title} · {shown}" if shown and self._title else self._title
        if title:
            self.query_one("#matrix-title", Static).update(safe_line(title))
        self.query_one("#matrix-head", Static).update(safe_line(grid.header_text()))
        self.query_one("#matrix-totals", Static).update(safe_line(grid.totals_text(self._totals)))

    def _refused_cell(self, project: str, *, linked: bool) -> str | None:
        """The rule a maintainer's cell of `project` would break (another project's, or one a coordinator has not
        linked to the case), so its editor is never opened; None for a coordinator, or without a team."""
        from triage_tui.team.rights import foreign_cells_rule, unlinked_cells_rule

        if not self._linked_only:
            return None
        if project not in self._own_projects:
            return foreign_cells_rule([project])
        return None if linked else unlinked_cells_rule([project])

    @on(MatrixGrid.CellChosen)
    def _edit(self, message: MatrixGrid.CellChosen) -> None:
        from triage_tui.screens.impact_editor import ImpactEditor

        stored = message.row.cells.get(message.project)
        refused = self._refused_cell(message.project, linked=stored is not None)
        if refused is not None:
            self.notify(f"Not yours to set: {refused}.", title="Team", severity="warning", markup=False)
            return
        current = cell_of(stored)
        last_set = ""
        if stored is not None and stored.set_by:
            when = f" on {stored.set_at:%Y-%m-%d %H:%M} UTC" if stored.set_at else ""
            # A cell a team member set names their key: the roster's name for it (`safe_line` draws it, as text).
            last_set = f"last set by {author_shown(stored.set_by, self._names)}{when}"

        linked = stored is not None

        def set_cell(cell: ImpactCell) -> Work:
            def decide(service: TriageService) -> Outcome:
                service.set_impact(message.case_id, message.project, cell)
                return Outcome(cell_outcome(message.case_id, message.project, cell, linked=linked))

            return decide

        decision = Decision(self.context, (message.case_id,), set_cell)
        editor = ImpactEditor(
            message.case_id,
            message.project,
            current,
            last_set=last_set,
            decision=decision,
            linked=linked,
            shared=self.context.team_sync,
        )
        self.app.push_screen(editor)

    @work(group=ASKING)
    async def action_unlink(self) -> None:
        """Unlink the cell's project from its case, after a deliberate yes."""
        from triage_tui.screens.questions import DeliberateConfirmModal

        rule = self.context.links_refused()
        if rule is not None:
            self.notify(f"Not yours to decide: {rule}.", title="Team", severity="warning")
            return
        grid = self.query_one(MatrixGrid)
        row = grid.current_row()
        if row is None or not grid.projects:
            return
        case_id, project = row.case.id, grid.projects[grid.column]
        if row.cells.get(project) is None:
            self.notify(f"{project} is not linked to {case_id}.", markup=False)
            return
        shared = self.context.team_sync
        consequence = (
            f" Its maintainers are told they were removed and keep what they were already sent; nothing more"
            f" about {case_id} goes to them."
            if shared
            else ""
        )
        relink = " and shares the case with its maintainers again" if shared else ""
        undo = f" Undo (u in the case) links {project} back with this cell{relink}."
        question = f"Unlink {project} from {case_id}?{consequence}{undo}"
        if not await self.app.push_screen_wait(DeliberateConfirmModal(question)):
            return

        def decide(service: TriageService) -> Outcome:
            service.remove_project(case_id, project)
            return Outcome(f"{project} unlinked from {case_id}.{consequence}")

        run_action(self, self.context, [case_id], decide)

    @on(MatrixGrid.CaseChosen)
    def _open_case(self, message: MatrixGrid.CaseChosen) -> None:
        self.app.post_message(OpenCase(message.case_id))

    @on(MatrixGrid.ColumnsShifted)
    def _columns_shifted(self) -> None:
        self._lay_out_lines()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        """Ask for a format and a new file (in the workspace's exports folder), then write the filter's rows to it."""
        from triage_tui.screens.matrix_export_modal import MatrixExportModal
        from triage_tui.services.matrix_scope import exports_folder

        self.app.push_screen(MatrixExportModal(exports_folder(self.context.database), export=self._export))

    def _export(self, request: ExportRequest) -> str:
        """Write every row of the filter to a new file (from the modal's worker); a file that cannot be written is
        refused, so the modal stays open with the name."""
        from triage_tui.screens.refusable import Refused
        from triage_tui.services.matrix_export import export_matrix
        from triage_tui.services.matrix_scope import exported, exports_folder, left_out_text
        from triage_tui.services.safe_write import WriteError, write_new_file

        matrix, left_out = exported(self.reads.whole_matrix(self.case_filter), every_case=request.every_case)
        rows = matrix.rows
        text = export_matrix(matrix.projects, rows, request.fmt, matrix.packages)
        folder = exports_folder(self.context.database)
        if request.destination.parent == folder:
            folder.mkdir(mode=0o700, exist_ok=True)  # the suggested folder is made on first use, as the case's is
        try:
            written = write_new_file(request.destination, text.encode())
        except WriteError as error:
            raise Refused(str(error)) from error
        noun = "case" if len(rows) == 1 else "cases"
        skipped = left_out_text(left_out)
        return f"{len(rows)} {noun} as {request.fmt} to {written}" + (f"; {skipped}." if skipped else "")
