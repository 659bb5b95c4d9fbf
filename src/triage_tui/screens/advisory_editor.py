"""Provides the advisory editor (`A` on a case): the draft's fields on the left with their problems under each, a
live preview of any format on the right, saving, refreshing the packages from the matrix, and export.

Blocking work (reading, checking, saving, exporting) runs in thread workers; what they return is put on screen by
the editor itself, on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea
from textual.worker import Worker

from triage_tui.advisories.format_names import FORMATS
from triage_tui.screens.advisory_draft import (
    Checked,
    DraftSaver,
    OpenedDraft,
    Refusal,
    export_files,
    format_tabs,
    open_draft,
    problems_by_field,
    state_text,
    summary_line,
)
from triage_tui.screens.advisory_push import push_saved_draft
from triage_tui.screens.advisory_records_view import NEXT_RECORD, KeptRecordsView
from triage_tui.screens.dialog import ASKING
from triage_tui.screens.questions import DeliberateConfirmModal
from triage_tui.screens.threads import in_thread
from triage_tui.untrusted import neutralise
from triage_tui.widgets.advisory_form import AdvisoryForm, problem_content
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line

if TYPE_CHECKING:
    from triage_tui.advisories.record import Advisory, PackageImpact
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft

CHECK_DELAY = 0.15
"""Seconds of quiet typing before the draft is checked and the preview compiled again."""


class AdvisoryEditor(KeptRecordsView, Screen[None]):
    """A case's advisory draft. Typing is checked after a short pause; nothing typed is lost: leaving saves."""

    DEFAULT_CSS = """
    AdvisoryEditor #advisory-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    AdvisoryEditor #advisory-state { height: 1; color: $text-muted; padding: 0 1; }
    AdvisoryEditor #advisory-embargo { height: auto; color: $warning; text-style: bold; padding: 0 1; display: none; }
    AdvisoryEditor #advisory-body { height: 1fr; }
    AdvisoryEditor #advisory-form { width: 1fr; padding: 0 1; }
    AdvisoryEditor #advisory-preview-pane { width: 1fr; border-left: vkey $panel-lighten-2; }
    AdvisoryEditor #preview-tabs { height: 1; padding: 0 1; }
    AdvisoryEditor #preview { height: 1fr; border: none; }
    AdvisoryEditor #preview-problems { height: auto; max-height: 8; padding: 0 1; }
    AdvisoryEditor #advisory-summary-line { height: 1; padding: 0 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="advisory.save", tooltip="Save the draft (problems never stop a save)"),
        Binding("ctrl+f", "next_format", "Next format", id="advisory.next_format", tooltip="Preview the next format"),
        Binding(
            "ctrl+b", "previous_format", "Prev format", id="advisory.previous_format", tooltip="Preview the one before"
        ),
        NEXT_RECORD,
        Binding(
            "ctrl+r",
            "refresh_packages",
            "From matrix",
            id="advisory.refresh_packages",
            tooltip="Take the packages and their versions from the impact matrix again",
        ),
        Binding("ctrl+o", "export", "Export", id="advisory.export", tooltip="Write one format or all to a folder"),
        Binding(
            "ctrl+g",
            "push",
            "Push",
            id="advisory.push",
            tooltip="Queue the saved draft for the case's GitHub advisories (sent at the next sync, never published)",
        ),
        Binding("escape", "back", "Back", id="advisory.back", tooltip="Save and go back to the case"),
    ]

    @dataclass
    class CheckDone(Message):
        """A check of the typed draft finished."""

        checked: Checked
        generation: int

    def __init__(
        self,
        open_drafts: Callable[[], AdvisoryDrafts],
        case_id: str,
        title: str,
        *,
        export_folder: Path | None = None,
    ) -> None:
        super().__init__(id="advisory")
        self._open_drafts = open_drafts
        self.drafts: AdvisoryDrafts
        self.saver: DraftSaver
        self.case_id = case_id
        self._title = title
        self._default_export_folder = export_folder or Path.cwd()
        self._export_folder = self._default_export_folder
        self.draft: Draft | None = None
        self.format = FORMATS[0]
        self.checked: Checked | None = None
        self._pushes = ""
        self._packages: tuple[PackageImpact, ...] = ()
        self._timer: Timer | None = None
        self._generation = 0

    # ---- layout -----------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(safe_line(f"Advisory draft · {self.case_id} · {self._title}"), id="advisory-title")
        yield Static(Content("reading the draft…"), id="advisory-state")
        yield Static(Content(""), id="advisory-embargo")
        with Horizontal(id="advisory-body"):
            yield AdvisoryForm(id="advisory-form")
            with Vertical(id="advisory-preview-pane"):
                yield Static(Content(""), id="preview-tabs")
                yield TextArea("", id="preview", read_only=True, soft_wrap=True, show_line_numbers=False)
                yield Static(Content(""), id="preview-problems")
        yield Static(Content(""), id="advisory-summary-line")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show_tabs()
        self._open()

    @work(name="Opening the advisory draft")
    async def _open(self) -> None:
        open_drafts, case_id = self._open_drafts, self.case_id
        name = "Opening the advisory draft"
        opened = await in_thread(self, lambda: open_draft(open_drafts(), case_id), name=name)
        if opened is not None:
            self._opened(opened)
            await self.read_record_ids()  # a case of several imported records previews each (ctrl+n)

    def _opened(self, opened: OpenedDraft) -> None:
        draft = opened.draft
        self.drafts = opened.drafts
        self.saver = DraftSaver(opened.drafts, draft.advisory.to_json() if draft.saved else None)
        self._pushes = opened.pushes
        self.draft = draft
        self.query_one(AdvisoryForm).fill(opened.texts)
        self._show_packages(draft.advisory.packages)
        self._show_state()
        if draft.embargo_until is not None and draft.embargo_until > self.drafts.clock():
            until = draft.embargo_until.strftime("%Y-%m-%d %H:%M UTC")
            banner = self.query_one("#advisory-embargo", Static)
            banner.update(safe_line(f"EMBARGOED until {until}: exports ask first; the announcement says so on top"))
            banner.display = True
        self.query_one("#summary", Input).focus()
        self._check_now()

    def _show_packages(self, packages: tuple[PackageImpact, ...]) -> None:
        self.query_one(AdvisoryForm).show_packages(packages)

    def _show_state(self) -> None:
        if self.draft is None:
            return
        saved = self.saver.base is not None
        changed = saved and self.saver.differs(self.typed())
        text = state_text(self.draft, saved, changed, self._pushes)
        self.query_one("#advisory-state", Static).update(safe_line(text))

    def _show_tabs(self) -> None:
        self.query_one("#preview-tabs", Static).update(format_tabs(self.format))

    # ---- reading what was typed -------------------------------------------------------------------------------

    def typed(self) -> Advisory:
        """The record as the fields say now (lines that cannot be read are left out and reported)."""
        return self._typed_with_problems()[0]

    def _typed_with_problems(self) -> tuple[Advisory, dict[str, tuple[str, ...]]]:
        assert self.draft is not None
        return self.query_one(AdvisoryForm).read(self.draft.advisory)

    # ---- checking, off the UI thread --------------------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _typing(self, event: Input.Changed | TextArea.Changed) -> None:
        if self.draft is None or getattr(event.control, "id", None) == "preview":
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(CHECK_DELAY, self._check_now)

    def _check_now(self) -> None:
        if self.draft is None:
            return
        self._generation += 1
        # A kept record shown in the preview is checked as it is stored; the fields edit only the draft.
        advisory, parse_problems = self._typed_with_problems() if self.record_draft is None else (None, {})
        generation, fmt, draft, drafts = self._generation, self.format, self.record_draft or self.draft, self.drafts

        def check() -> None:
            problems = tuple(drafts.problems(draft, advisory, fmt))
            compiled = drafts.compile(draft, fmt, advisory)
            checked = Checked(advisory or draft.advisory, problems, parse_problems, compiled, neutralise(compiled.text))
            self.post_message(self.CheckDone(checked, generation))

        self.run_worker(check, thread=True, group="check", name="Checking the draft", exit_on_error=False)

    @on(CheckDone)
    def _checked(self, message: CheckDone) -> None:
        if message.generation != self._generation:
            return  # typing went on: a newer check is coming
        checked = message.checked
        self.checked = checked
        by_field, whole = self.shown_problems(checked, *problems_by_field(checked))
        self.query_one(AdvisoryForm).show_problems(by_field)
        self.query_one("#preview-problems", Static).update(problem_content(*whole))
        preview = self.query_one("#preview", TextArea)
        preview.soft_wrap = self.format == "text"  # prose wraps; JSON keeps its lines and scrolls sideways
        if preview.text != checked.preview:
            preview.load_text(checked.preview)
        self.query_one("#advisory-summary-line", Static).update(summary_line(checked, self.format))
        self._show_state()

    # ---- actions ----------------------------------------------------------------------------------------------

    def action_next_format(self) -> None:
        self._switch_format(1)

    def action_previous_format(self) -> None:
        self._switch_format(-1)

    def _switch_format(self, step: int) -> None:
        self.format = FORMATS[(FORMATS.index(self.format) + step) % len(FORMATS)]
        self._show_tabs()
        self._check_now()

    @work
    async def action_refresh_packages(self) -> None:
        # The matrix may have changed since the editor opened: read it again, keep everything typed.
        if self.draft is None:
            return
        drafts, case_id = self.drafts, self.case_id
        fresh = await in_thread(self, lambda: drafts.load(case_id), name="Reading the matrix")
        if fresh is None or self.draft is None:
            return
        self.draft = replace(self.draft, matrix=fresh.matrix)
        self._show_packages(fresh.matrix)
        count = len(fresh.matrix)
        self.notify(f"{count} package{'s' * (count != 1)} taken from the matrix", title="Advisory")
        self._check_now()

    def action_save(self) -> None:
        self._save(then_leave=False)

    def _save(self, *, then_leave: bool) -> None:
        if self.draft is None:
            if then_leave:
                self.dismiss(None)
            return
        advisory, parse_problems = self._typed_with_problems()
        unreadable = [f"{name}: {lines[0]}" for name, lines in parse_problems.items() if lines]
        if unreadable:
            # Saving would drop the lines that cannot be read; nothing typed is thrown away.
            self.notify(
                f"Not saved: {unreadable[0]}. Fix or delete the line first.", title="Advisory", severity="error"
            )
            return
        if not self.saver.differs(advisory):
            if then_leave:
                self.dismiss(None)
            else:
                self.notify("Nothing changed since the last save", title="Advisory")
            return
        ticket = self.saver.ticket()
        self._store(advisory, None if then_leave else ticket, then_leave)

    @work(group="save")
    async def _store(self, advisory: Advisory, ticket: int | None, then_leave: bool) -> None:
        from triage_tui.services.advisory_drafts import DraftError

        saver = self.saver

        def save() -> list[str] | DraftError | None:
            try:
                return saver.save(advisory, ticket)
            except DraftError as error:
                return error

        fields = await in_thread(self, save, name="Saving the advisory draft", group="save")
        if isinstance(fields, DraftError):
            self.notify(f"Not saved: {fields}", title="Advisory", severity="error", timeout=10)
        elif fields is not None:  # else a newer save holds newer text, or this one failed (and was reported)
            self._saved(self.saver.record or advisory, fields, then_leave)  # as stored: its `modified` too

    def _saved(self, advisory: Advisory, fields: list[str], then_leave: bool) -> None:
        assert self.draft is not None
        now = self.drafts.clock()
        self.draft = replace(
            self.draft,
            advisory=advisory,
            saved=True,
            updated_at=now,
            updated_by=self.drafts.author,
            first_saved=self.draft.first_saved or now,
        )
        if fields:
            self.notify(f"Draft saved ({', '.join(fields)})", title="Advisory")
        self._show_state()
        if then_leave:
            self.dismiss(None)

    def action_back(self) -> None:
        self._save(then_leave=True)

    def _embargo_warning(self) -> str:
        if self.draft is None or self.draft.embargo_until is None or self.draft.embargo_until <= self.drafts.clock():
            return ""
        return f"Under embargo until {self.draft.embargo_until:%Y-%m-%d %H:%M} UTC: you will be asked to confirm."

    @work(group=ASKING)
    async def action_export(self) -> None:
        """Ask for formats and a folder, then save and write the files; an embargo asks first, a refused folder asks
        again on what was typed."""
        if self.draft is None or self.record_draft is not None:
            await self.export_record(self.format)  # the kept record shown, as `export --record` writes it
            return
        from triage_tui.screens.advisory_export_modal import ALL, AdvisoryExportModal

        modal = AdvisoryExportModal(self.case_id, self.format, self._export_folder, self._embargo_warning())
        request = await self.app.push_screen_wait(modal)
        force = False
        while request is not None and self.draft is not None:
            advisory, parse_problems = self._typed_with_problems()
            if any(parse_problems.values()):
                self._save(then_leave=False)  # says which line cannot be read
                return
            self._export_folder = request.folder
            draft = replace(self.draft, advisory=advisory)
            export = partial(export_files, self.saver, draft, request, self._default_export_folder, force=force)
            written = await in_thread(self, export, name="Exporting the advisory", group="save")
            if written is None:
                return
            if not isinstance(written, Refusal):
                names = ", ".join(path.name for path in written)
                self.notify(f"Wrote {names} to {written[0].parent}", title="Advisory", timeout=8)
                self._show_state()
                return
            if written.kind == "embargo":
                question = f"{written.message}. Write its advisory to disk anyway? (The export is logged on the case.)"
                force = await self.app.push_screen_wait(DeliberateConfirmModal(question))
                if not force:
                    return
            elif written.kind == "folder":
                # A folder or file refused: the export dialog comes back on what was typed, with the reason.
                chosen = request.formats[0] if len(request.formats) == 1 else ALL
                modal = AdvisoryExportModal(
                    self.case_id, chosen, request.folder, self._embargo_warning(), written.message
                )
                request, force = await self.app.push_screen_wait(modal), False
            else:
                self.notify(written.message, title="Advisory", severity="error", timeout=8)
                return

    @work(group=ASKING)
    async def action_push(self) -> None:
        """Queue the saved draft for the case's GitHub advisories, after a deliberate yes naming who reads each."""
        if self.draft is None:
            return
        if self.saver.differs(self.typed()):
            self.notify("Save the draft first (ctrl+s): the push sends what is saved.", title="Advisory")
            return
        pushes = await push_saved_draft(self, self.drafts, self.case_id)
        if pushes is not None:
            self._pushes = pushes
            self._show_state()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)
