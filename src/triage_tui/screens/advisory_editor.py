"""Provides the advisory editor (`A` on a case): the draft's fields on the left with their problems under each, a
live preview of any format on the right, saving, refreshing the packages from the matrix, and export."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static, TextArea
from textual.worker import Worker

from triage_tui.advisories.editor_fields import (
    CREDIT_HELP,
    REFERENCE_HELP,
    aliases_text,
    credits_text,
    parse_aliases,
    parse_credits,
    parse_references,
    parse_weaknesses,
    references_text,
    weaknesses_text,
)
from triage_tui.advisories.format_names import FORMATS, TITLES
from triage_tui.advisories.ranges import range_text
from triage_tui.screens.actions import DeliberateConfirmModal
from triage_tui.untrusted import neutralise, neutralise_line
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line

if TYPE_CHECKING:
    from triage_tui.advisories.formats import Compiled
    from triage_tui.advisories.record import Advisory, PackageImpact
    from triage_tui.advisories.validation import Problem
    from triage_tui.github.readers import PushTarget
    from triage_tui.screens.advisory_export_modal import AdvisoryExportRequest
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft

CHECK_DELAY = 0.15
"""Seconds of quiet typing before the draft is checked and the preview compiled again."""
FIELDS = ("summary", "details", "aliases", "weaknesses", "cvss_v3", "cvss_v4", "packages", "references", "credits")
FIELD_LABELS = {
    "summary": "summary (one line)",
    "details": "details (Markdown)",
    "aliases": "aliases (CVE, GHSA and PYSEC ids)",
    "weaknesses": "weaknesses (CWE ids, ';' between)",
    "cvss_v3": "CVSS 3.1 vector",
    "cvss_v4": "CVSS 4.0 vector",
    "packages": "packages (from the matrix; ctrl+r reads it again)",
    "references": f"references: {REFERENCE_HELP}",
    "credits": f"credits: {CREDIT_HELP}",
}


def package_line(package: PackageImpact) -> str:
    """`pip/pip  fixed  >=20.0,<24.1` (untrusted names neutralised by the caller's safe_line)."""
    events = range_text(package.events)
    extra = f"  ({package.justification})" if package.justification else ""
    ecosystem = "" if str(package.ecosystem) == "PyPI" else f" [{package.ecosystem}]"
    return f"{package.project}/{package.name}{ecosystem}  {package.status}  {events}{extra}".rstrip()


def field_texts(advisory: Advisory) -> dict[str, str]:
    """Each text field's content. Imported records may hold control characters: they are shown (and saved) visibly
    neutralised; done off the UI thread, since details may be long."""
    return {
        "summary": neutralise_line(advisory.summary),
        "details": neutralise(advisory.details),
        "aliases": neutralise_line(aliases_text(advisory.aliases)),
        "weaknesses": neutralise_line(weaknesses_text(advisory.weaknesses)),
        "cvss_v3": neutralise_line(advisory.cvss_v3 or ""),
        "cvss_v4": neutralise_line(advisory.cvss_v4 or ""),
        "references": neutralise(references_text(advisory.references)),
        "credits": neutralise(credits_text(advisory.credits)),
    }


def problem_content(problems: list[str], warnings: list[str]) -> Content:
    """The lines under a field: errors in the error colour, warnings muted; empty when all is well."""
    lines = [safe_line(f"✗ {p}").stylize("$error") for p in problems]
    lines += [safe_line(f"! {w}").stylize("$warning") for w in warnings]
    return Content("\n").join(lines) if lines else Content("")


@dataclass(frozen=True)
class Checked:
    """The outcome of checking the typed draft: its problems, and the format being previewed compiled."""

    advisory: Advisory
    problems: tuple[Problem, ...]
    parse_problems: dict[str, tuple[str, ...]]
    compiled: Compiled
    preview: str
    """The compiled text made safe to show (the file keeps the exact text)."""


class AdvisoryEditor(Screen[None]):
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
    AdvisoryEditor Label { color: $text-muted; margin-top: 1; }
    AdvisoryEditor .field-problems { height: auto; }
    AdvisoryEditor #details { height: 6; }
    AdvisoryEditor #references { height: 6; }
    AdvisoryEditor #credits { height: 6; }
    AdvisoryEditor Input { background: $boost; }
    AdvisoryEditor Input:focus { background: $primary 35%; }
    AdvisoryEditor #packages { height: auto; }
    AdvisoryEditor #advisory-summary-line { height: 1; padding: 0 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="advisory.save", tooltip="Save the draft (problems never stop a save)"),
        Binding("ctrl+f", "next_format", "Next format", id="advisory.next_format", tooltip="Preview the next format"),
        Binding(
            "ctrl+b", "previous_format", "Prev format", id="advisory.previous_format", tooltip="Preview the one before"
        ),
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
    class Opened(Message):
        """The draft was read (or first filled) from the store, with each field's text made safe to show."""

        draft: Draft
        texts: dict[str, str]

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
        self.case_id = case_id
        self._title = title
        self._default_export_folder = export_folder or Path.cwd()
        self._export_folder = self._default_export_folder
        self.draft: Draft | None = None
        self.format = FORMATS[0]
        self.checked: Checked | None = None
        self._base: dict[str, Any] | None = None
        """The record as stored (None: never saved), last read or saved here; saves are checked against it."""
        self._save_lock = threading.Lock()
        self._pushes = ""
        self._save_requests = 0
        self._packages: tuple[PackageImpact, ...] = ()
        self._timer: Timer | None = None
        self._generation = 0

    # ---- layout -----------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(safe_line(f"Advisory draft · {self.case_id} · {self._title}"), id="advisory-title")
        yield Static(Content("reading the draft…"), id="advisory-state")
        yield Static(Content(""), id="advisory-embargo")
        with Horizontal(id="advisory-body"):
            with VerticalScroll(id="advisory-form"):
                for name in FIELDS:
                    yield Label(FIELD_LABELS[name])
                    if name == "details":
                        yield TextArea("", id="details", soft_wrap=True)
                    elif name in ("references", "credits"):
                        yield TextArea("", id=name, soft_wrap=False)
                    elif name == "packages":
                        yield Static(Content(""), id="packages")
                    else:
                        yield Input("", compact=True, select_on_focus=False, id=name)
                    yield Static(Content(""), id=f"{name}-problems", classes="field-problems")
            with Vertical(id="advisory-preview-pane"):
                yield Static(Content(""), id="preview-tabs")
                yield TextArea("", id="preview", read_only=True, soft_wrap=True, show_line_numbers=False)
                yield Static(Content(""), id="preview-problems")
        yield Static(Content(""), id="advisory-summary-line")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show_tabs()
        self.run_worker(self._open, thread=True, name="Opening the advisory draft", exit_on_error=False)

    def _open(self) -> None:
        self.drafts = self._open_drafts()  # opening the store imports SQLAlchemy: off the UI thread
        draft = self.drafts.load(self.case_id)
        self._base = draft.advisory.to_json() if draft.saved else None
        self._pushes = self._read_pushes()
        self.post_message(self.Opened(draft, field_texts(draft.advisory)))

    def _read_pushes(self) -> str:
        """The newest push to each of the case's GitHub advisories and how it went, for the state line."""
        from triage_tui.store.connection import reader
        from triage_tui.store.github_store import push_states

        with reader(self.drafts.store.path) as connection:
            states = push_states(connection, self.case_id)
        newest: dict[str, str] = {}
        for repository, ghsa_id, state, error in states:
            newest.setdefault(ghsa_id, f"{repository} {state}" + (f" ({error})" if error and state != "sent" else ""))
        return "; ".join(newest.values())

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        draft = message.draft
        self.draft = draft
        for name, text in message.texts.items():
            field = self.query_one(f"#{name}")
            if isinstance(field, Input):
                field.value = text
                field.cursor_position = 0  # show where each value starts, not its tail
            elif isinstance(field, TextArea):
                field.text = text
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
        self._packages = packages
        lines = [safe_line(package_line(p)) for p in packages] or [Content("(none: set the matrix with m)")]
        self.query_one("#packages", Static).update(Content("\n").join(lines))

    def _show_state(self) -> None:
        draft = self.draft
        if draft is None:
            return
        if self._base is None:
            text = "not saved yet: filled from the case and its matrix (ctrl+s saves)"
        elif draft.updated_at is not None:
            text = f"saved {draft.updated_at:%Y-%m-%d %H:%M} UTC by {draft.updated_by}"
        else:
            text = "saved"
        if self._base is not None and self.typed().to_json() != self._base:
            text += " · changed since"
        if self._pushes:
            text += f" · GitHub: {self._pushes}"
        if draft.advisory.withdrawn is not None:
            text += f" · WITHDRAWN {draft.advisory.withdrawn.at}: every format says so"
        self.query_one("#advisory-state", Static).update(safe_line(text))

    def _show_tabs(self) -> None:
        parts = []
        for fmt in FORMATS:
            title = f" {fmt} "
            parts.append(Content(title).stylize("reverse bold") if fmt == self.format else Content(title))
        parts.append(Content(f"  {TITLES[self.format]}").stylize("$text-muted"))
        self.query_one("#preview-tabs", Static).update(Content("").join(parts))

    # ---- reading what was typed -------------------------------------------------------------------------------

    def typed(self) -> Advisory:
        """The record as the fields say now (lines that cannot be read are left out and reported)."""
        assert self.draft is not None
        return self._typed_with_problems()[0]

    def _typed_with_problems(self) -> tuple[Advisory, dict[str, tuple[str, ...]]]:
        assert self.draft is not None
        aliases = parse_aliases(self.query_one("#aliases", Input).value)
        weaknesses = parse_weaknesses(self.query_one("#weaknesses", Input).value)
        references = parse_references(self.query_one("#references", TextArea).text)
        credited = parse_credits(self.query_one("#credits", TextArea).text)
        advisory = replace(
            self.draft.advisory,
            summary=self.query_one("#summary", Input).value.strip(),
            details=self.query_one("#details", TextArea).text.strip(),
            aliases=aliases.value,
            weaknesses=weaknesses.value,
            cvss_v3=self.query_one("#cvss_v3", Input).value.strip() or None,
            cvss_v4=self.query_one("#cvss_v4", Input).value.strip() or None,
            packages=self._packages,
            references=references.value,
            credits=credited.value,
        )
        parse_problems = {"references": references.problems, "credits": credited.problems}
        return advisory, parse_problems

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
        advisory, parse_problems = self._typed_with_problems()
        generation, fmt, draft = self._generation, self.format, self.draft

        def check() -> None:
            problems = tuple(self.drafts.problems(draft, advisory))
            compiled = self.drafts.compile(draft, fmt, advisory)
            checked = Checked(advisory, problems, parse_problems, compiled, neutralise(compiled.text))
            self.post_message(self.CheckDone(checked, generation))

        self.run_worker(check, thread=True, group="check", name="Checking the draft", exit_on_error=False)

    @on(CheckDone)
    def _checked(self, message: CheckDone) -> None:
        if message.generation != self._generation:
            return  # typing went on: a newer check is coming
        checked = message.checked
        self.checked = checked
        from triage_tui.advisories.validation import Level

        by_field: dict[str, tuple[list[str], list[str]]] = {name: ([], []) for name in FIELDS}
        format_errors: list[str] = []
        format_warnings: list[str] = []
        for problem in (*checked.problems, *checked.compiled.problems):
            errors, warnings = by_field.get(problem.field, (format_errors, format_warnings))
            (errors if problem.level == Level.ERROR else warnings).append(problem.message)
        for name, lines in checked.parse_problems.items():
            by_field[name][0].extend(lines)
        for name, (errors, warnings) in by_field.items():
            self.query_one(f"#{name}-problems", Static).update(problem_content(errors, warnings))
        self.query_one("#preview-problems", Static).update(problem_content(format_errors, format_warnings))
        preview = self.query_one("#preview", TextArea)
        preview.soft_wrap = self.format == "text"  # prose wraps; JSON keeps its lines and scrolls sideways
        if preview.text != checked.preview:
            preview.load_text(checked.preview)
        self._show_summary_line()
        self._show_state()

    def _show_summary_line(self) -> None:
        if self.checked is None:
            return
        from triage_tui.advisories.validation import Level

        every = (*self.checked.problems, *self.checked.compiled.problems)
        errors = sum(p.level == Level.ERROR for p in every) + sum(map(len, self.checked.parse_problems.values()))
        warnings = sum(p.level != Level.ERROR for p in every)
        if errors:
            said = "1 error blocks" if errors == 1 else f"{errors} errors block"
            text = Content(f"✗ {said} the export").stylize("$error bold")
        else:
            text = Content(f"✓ {TITLES[self.format]} validates").stylize("$success bold")
        if warnings:
            text += Content(f" · ! {warnings} warning{'s' * (warnings != 1)}").stylize("$warning")
        self.query_one("#advisory-summary-line", Static).update(text)

    # ---- actions ----------------------------------------------------------------------------------------------

    def action_next_format(self) -> None:
        self._switch_format(1)

    def action_previous_format(self) -> None:
        self._switch_format(-1)

    def _switch_format(self, step: int) -> None:
        self.format = FORMATS[(FORMATS.index(self.format) + step) % len(FORMATS)]
        self._show_tabs()
        self._check_now()

    def action_refresh_packages(self) -> None:
        # The matrix may have changed since the editor opened: read it again, keep everything typed.
        if self.draft is not None:
            self.run_worker(self._reread_matrix, thread=True, name="Reading the matrix", exit_on_error=False)

    def _reread_matrix(self) -> None:
        fresh = self.drafts.load(self.case_id)
        self.app.call_from_thread(self._take_matrix, fresh)

    def _take_matrix(self, fresh: Draft) -> None:
        assert self.draft is not None
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
        if advisory.to_json() == self._base:
            if then_leave:
                self.dismiss(None)
            else:
                self.notify("Nothing changed since the last save", title="Advisory")
            return
        self._save_requests += 1
        ticket = self._save_requests

        def save() -> None:
            from triage_tui.services.advisory_drafts import DraftError

            with self._save_lock:  # one save at a time, in the order they were asked for
                if ticket != self._save_requests and not then_leave:
                    return  # a newer save holds newer text
                try:
                    fields = self._save_now(advisory)
                except DraftError as error:
                    self.app.call_from_thread(self._save_refused, str(error))
                    return
            self.app.call_from_thread(self._saved, advisory, fields, then_leave)

        self.run_worker(save, thread=True, group="save", name="Saving the advisory draft", exit_on_error=False)

    def _save_now(self, advisory: Advisory) -> list[str]:
        """Save from a worker holding the save lock, against the record last read or saved here."""
        fields = self.drafts.save(advisory, base=self._base)
        self._base = advisory.to_json()
        return fields

    def _save_refused(self, message: str) -> None:
        self.notify(f"Not saved: {message}", title="Advisory", severity="error", timeout=10)

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

    def action_export(self) -> None:
        if self.draft is None:
            return
        from triage_tui.screens.advisory_export_modal import AdvisoryExportModal

        self.app.push_screen(
            AdvisoryExportModal(self.case_id, self.format, self._export_folder, self._embargo_warning()),
            self._export_chosen,
        )

    def _embargo_warning(self) -> str:
        if self.draft is None or self.draft.embargo_until is None or self.draft.embargo_until <= self.drafts.clock():
            return ""
        return f"Under embargo until {self.draft.embargo_until:%Y-%m-%d %H:%M} UTC: you will be asked to confirm."

    def _export_chosen(self, request: AdvisoryExportRequest | None) -> None:
        if request is not None and self.draft is not None:
            self._export(request, force=False)

    def _export(self, request: AdvisoryExportRequest, *, force: bool) -> None:
        assert self.draft is not None
        advisory, parse_problems = self._typed_with_problems()
        if any(parse_problems.values()):
            self._save(then_leave=False)  # says which line cannot be read
            return
        draft = replace(self.draft, advisory=advisory)
        self._export_folder = request.folder

        def export() -> None:
            from triage_tui.services.advisory_drafts import (
                DraftError,
                EmbargoError,
                InvalidDraftError,
                exportable_formats,
            )

            formats = request.formats or exportable_formats(advisory)
            try:
                with self._save_lock:
                    self._save_now(advisory)  # the files say what the store says
                if request.folder == self._default_export_folder:
                    request.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                # The service reads the embargo afresh: it may have been set since the editor opened.
                written = self.drafts.export(draft, formats, request.folder, force=force)
            except EmbargoError as error:
                self.app.call_from_thread(self._confirm_embargoed, request, str(error))
                return
            except InvalidDraftError as error:
                message = f"Not exported: {len(error.problems)} problems; the first: "
                first = error.problems[0]
                self.app.call_from_thread(self._export_refused, message + f"{first.field}: {first.message}")
                return
            except DraftError as error:
                # A folder or file refused: the export dialog comes back on what was typed, with the reason.
                self.app.call_from_thread(self._ask_export_again, request, f"Not exported: {error}")
                return
            self.app.call_from_thread(self._exported, advisory, written)

        self.run_worker(export, thread=True, group="save", name="Exporting the advisory", exit_on_error=False)

    def _confirm_embargoed(self, request: AdvisoryExportRequest, reason: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._export(request, force=True)

        question = f"{reason}. Write its advisory to disk anyway? (The export is logged on the case.)"
        self.app.push_screen(DeliberateConfirmModal(question), answered)

    def _ask_export_again(self, request: AdvisoryExportRequest, refusal: str) -> None:
        from triage_tui.screens.advisory_export_modal import ALL, AdvisoryExportModal

        chosen = request.formats[0] if len(request.formats) == 1 else ALL
        modal = AdvisoryExportModal(self.case_id, chosen, request.folder, self._embargo_warning(), refusal)
        self.app.push_screen(modal, self._export_chosen)

    def _export_refused(self, message: str) -> None:
        self.notify(message, title="Advisory", severity="error", timeout=8)

    def _exported(self, advisory: Advisory, written: list[Path]) -> None:
        names = ", ".join(path.name for path in written)
        self.notify(f"Wrote {names} to {written[0].parent}", title="Advisory", timeout=8)
        self._show_state()

    def action_push(self) -> None:
        if self.draft is None:
            return
        if self.typed().to_json() != self._base:
            self.notify("Save the draft first (ctrl+s): the push sends what is saved.", title="Advisory")
            return
        database = self.drafts.store.path

        def read_targets() -> None:
            from triage_tui.github.readers import push_targets
            from triage_tui.store.store import Store

            with Store(database) as store:
                targets = push_targets(store, self.case_id)
            if not targets:
                message = f"Not queued: {self.case_id} has no repository advisory on GitHub to update"
                self.app.call_from_thread(self._export_refused, message)
                return
            self.app.call_from_thread(self._confirm_push, targets)

        self.run_worker(read_targets, thread=True, group="save", name="Reading the push targets", exit_on_error=False)

    def _confirm_push(self, targets: list[PushTarget]) -> None:
        """Ask before the draft goes anywhere, naming who can read each advisory it would update."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._queue_push()

        where = "; ".join(f"{t.repository} {t.ghsa_id}, readable by {', '.join(t.readers)}" for t in targets)
        question = f"Push the saved draft to {where}? The advisory is never published."
        self.app.push_screen(DeliberateConfirmModal(question), answered)

    def _queue_push(self) -> None:
        config, database, author = self.drafts.config, self.drafts.store.path, self.drafts.author

        def push() -> None:
            from triage_tui.github.push_queue import queue_advisory_push
            from triage_tui.services.advisory_drafts import DraftError
            from triage_tui.store.store import Store

            try:
                with Store(database) as store:
                    queued = queue_advisory_push(store, config, self.case_id, author)
            except DraftError as error:
                self.app.call_from_thread(self._export_refused, f"Not queued: {error}")
                return
            message = f"Queued for {', '.join(queued)}; sent at the next sync (s). The advisory is never published."
            self._pushes = self._read_pushes()
            self.app.call_from_thread(self.notify, message, title="Advisory", timeout=8)
            self.app.call_from_thread(self._show_state)

        self.run_worker(push, thread=True, group="save", name="Queueing the GitHub push", exit_on_error=False)

    def on_unmount(self) -> None:
        if self.draft is not None:
            self.drafts.close_store()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)
