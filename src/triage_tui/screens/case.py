"""Provides the case screen: a case's header and its decrypted thread, each message under the app's verdict bar."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from triage_tui.screens.actions import (
    ActionDone,
    ChoiceModal,
    ConfirmModal,
    Decision,
    NoteModal,
    Outcome,
    TextModal,
    ValueT,
    candidate_options,
    disposition_options,
    finish_action,
    parse_labels,
    reason_options,
    reply_template_for,
    run_action,
    state_options,
    team_suggestions,
)
from triage_tui.screens.case_content import (
    case_header,
    case_title_line,
    impacts_content,
    notes_content,
    refill_in_place,
    reporter_content,
    thread_widgets,
)
from triage_tui.store.duplicate_reads import CaseExtras
from triage_tui.store.queries import CaseDetail, CaseSummary
from triage_tui.store.reads import CaseRead, ReporterSide, StoreReads
from triage_tui.widgets.after_paint import PaintAware
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.sync_status import SyncStatus
from triage_tui.widgets.timeline import timeline_content

if TYPE_CHECKING:
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.duplicates import Candidate
    from triage_tui.services.triage import TriageService


SIDE_SECTIONS = ("impacts", "reporter", "notes", "timeline")
"""The side panel's boxes, top to bottom."""
FIRST_READ_WAIT = 0.05
"""Seconds the case screen waits, while it is built, for the case's read (a few ms), so its first frame shows the
case rather than "loading…"; a slower read fills the screen in when it arrives."""


class CaseHeader(PaintAware, Static):
    """The case's header band, which says when it has been drawn (the side panel's reads wait for that)."""


def _thread_key(case_id: str, detail: CaseDetail) -> tuple[str, tuple[tuple[int, str | None], ...]]:
    """What decides whether the thread on screen must be built again: the case, its messages and their key flags."""
    return case_id, tuple((m.pk, m.key_changed_from) for m in detail.messages)


class CaseScreen(Screen[None]):
    """One case: its header, thread (oldest message first) and, beside it, impacts, reporter, notes and timeline."""

    DEFAULT_CSS = """
    CaseScreen #case-body { height: 1fr; }
    CaseScreen #thread { width: 1fr; }
    CaseScreen #case-side { width: 46; height: 1fr; border-left: vkey $panel-lighten-2; padding: 0 1 0 0; }
    CaseScreen .case-section {
        height: auto; border: round $panel-lighten-2; border-title-color: $text-muted; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="case.back", tooltip="Back to the inbox"),
        # Message navigation stays off the footer (help and the palette list it), leaving room for the actions.
        Binding(
            "n", "next_message", "Next msg", show=False, id="case.next_message", tooltip="Scroll to the next message"
        ),
        Binding(
            "p", "previous_message", "Prev msg", show=False, id="case.previous_message", tooltip="Previous message"
        ),
        Binding("j,down", "scroll_down", "Scroll", show=False, id="case.scroll_down", tooltip="Scroll down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="case.scroll_up", tooltip="Scroll up"),
        Binding("space,pagedown", "page_down", "Page", show=False, id="case.page_down", tooltip="One screen down"),
        Binding("pageup", "page_up", "Page up", show=False, id="case.page_up", tooltip="One screen up"),
        Binding("r", "reply", "Reply", id="case.reply", tooltip="Write an encrypted reply to the reporter"),
        Binding(
            "A",
            "advisory",
            "Advisory",
            id="case.advisory",
            tooltip="Draft the advisory: one record, every format, validated",
        ),
        Binding("t", "change_state", "State", id="case.change_state", tooltip="Move the case along its lifecycle"),
        Binding("x", "close_case", "Close", id="case.close", tooltip="Close a new or triaged case with a disposition"),
        Binding("a", "assign", "Assign", id="case.assign", tooltip="Assign to a person or a project team"),
        Binding("l", "labels", "Labels", show=False, id="case.labels", tooltip="Set the case's labels"),
        Binding("N", "note", "Note", id="case.note", tooltip="Add a multi-line note"),
        Binding("d", "duplicate", "Duplicate", id="case.duplicate", tooltip="Merge into a ranked candidate"),
        Binding("u", "undo", "Undo", show=False, id="case.undo", tooltip="Undo your last action on this case"),
        Binding("v", "severity", "Severity", id="case.severity", tooltip="Score in the CVSS calculator"),
        Binding("e", "embargo", "Embargo", id="case.embargo", tooltip="Set or clear the embargo end (UTC)"),
        Binding(
            "w",
            "save_attachment",
            "Save file",
            id="case.save_attachment",
            tooltip="Write an attachment to a file you name (never opened)",
        ),
    ]

    @dataclass
    class Loaded(Message):
        """The case was read from the store (None: it no longer exists)."""

        case_id: str
        detail: CaseDetail | None
        extras: CaseExtras | None = None

    @dataclass
    class SideLoaded(Message):
        """The side panel's reads (the reporter's other cases, the store's projects) are in."""

        case_id: str
        side: ReporterSide

    @dataclass
    class CandidatesRead(Message):
        """Duplicate-of candidates for the case, best first."""

        case_id: str
        candidates: list[Candidate]

    def __init__(self, reads: StoreReads, case_id: str, clock: Callable[[], datetime]) -> None:
        super().__init__(id="case")
        self.reads = reads
        self.clock = clock
        self.projects: list[str] = []
        """Every project id in the store (assign suggests their teams when the config lists none)."""
        self._thread_shown: tuple[str, tuple[tuple[int, str | None], ...]] | None = None
        """The case whose messages the thread holds, and what their verdicts said (the screen is reused from case to
        case; a verdict changes when a coordinator accepts a changed key)."""
        self._styled_at = -1
        """The app's CSS update count when this screen's styles were last applied in full."""
        self._reset(case_id)

    def _reset(self, case_id: str) -> None:
        """Forget the case shown and start reading `case_id` now, on a thread of its own."""
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        """The case as last read; None until the read finishes."""
        self.extras: CaseExtras | None = None
        self.message_index = 0
        self.side: ReporterSide | None = None
        # The read starts now, while the screen is built or shown; if it is in by then, the first frame shows it.
        self._first_read = self.reads.start_case_view(case_id)

    def _first_read_result(self) -> CaseRead:
        """The read started by `_reset`, waited for at most FIRST_READ_WAIT ((None, None) if not in by then)."""
        try:
            return self._first_read.result(timeout=FIRST_READ_WAIT)
        except Exception:  # too slow, or failed: the worker started next waits for it and reports a failure
            return None, None

    def compose(self) -> ComposeResult:
        detail, extras = self._first_read_result()
        if detail is not None:
            self.detail, self.extras = detail, extras
            self._thread_shown = _thread_key(self.case_id, detail)
        # No Textual Header: the case's own header band is the top line (the app's title bar cost 7-10 ms of
        # every case opened, for a title the band already shows).
        title, header = self._header_contents()
        yield Static(title, id="case-title")
        yield CaseHeader(header, id="case-header")
        with Horizontal(id="case-body"):
            with VerticalScroll(id="thread", can_focus=True):
                if detail is not None:
                    yield from thread_widgets(detail)
            with VerticalScroll(id="case-side"):
                sections = self._section_contents()
                for section in SIDE_SECTIONS:
                    box = Static(sections.get(section, Content("")), id=f"case-{section}", classes="case-section")
                    box.border_title = section
                    yield box
        yield SyncStatus(id="sync-status")
        yield KeysFooter()

    async def show_case(self, case_id: str) -> None:
        """Show `case_id` on this screen (kept mounted between cases, so opening one only replaces its contents:
        building the screen anew was half the time to open a case)."""
        self._reset(case_id)
        detail, extras = self._first_read_result()
        self.sub_title = case_id
        for scroll in self.query(VerticalScroll):
            scroll.scroll_home(animate=False, immediate=True)
        self.query_one("#thread").focus()
        if detail is None:
            self._update_header(*self._header_contents())
            for section in SIDE_SECTIONS:
                self.query_one(f"#case-{section}", Static).update(Content(""))
            await self.query_one("#thread", VerticalScroll).remove_children()
            self._thread_shown = None
            self._load(self._first_read)
            return
        await self._show(detail, extras)
        self._read_side_after_paint()

    def _read_side_after_paint(self) -> None:
        # The side panel's reads start once the case is on screen (the header is redrawn for every case): run
        # beside the first paint, they made it half as fast again now and then.
        self.query_one("#case-header", CaseHeader).call_after_paint(partial(self._load, None, case=False))

    def _header_contents(self) -> tuple[Content, Content]:
        """The header band's title line and the lines under it."""
        if self.detail is None:
            return Content.assemble((self.case_id, "bold"), "  loading…"), Content("")
        summary = self.detail.summary
        return case_title_line(summary), case_header(summary, self.clock(), self.extras, self._duplicate_key())

    def _update_header(self, title: Content, header: Content) -> None:
        self.query_one("#case-title", Static).update(title)
        self.query_one("#case-header", Static).update(header)

    def _duplicate_key(self) -> str:
        """The key the duplicate-of action is bound to now (the user's keymap may have moved it)."""
        if self.extras is None or not self.extras.named_in_subject:
            return "d"  # no hint to show it in: the bindings are not looked through
        for active in self.active_bindings.values():
            if active.binding.id == "case.duplicate":
                return self.app.get_key_display(active.binding)
        return "d"

    def _section_contents(self) -> dict[str, Content]:
        """The side panel's sections that the case read fills (the reporter's waits for its own read)."""
        detail = self.detail
        if detail is None:
            return {}
        sections = {
            # The advisory's readiness item stays pending until the side read (after the paint) checks the draft.
            "impacts": impacts_content(detail.impacts, self.projects, detail.summary.embargo_until),
            "notes": notes_content(detail),
            "timeline": timeline_content(detail.events),
        }
        if self.side is not None:
            sections["reporter"] = reporter_content(detail.summary, self.extras, self.side.history, self.side.total)
        return sections

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual re-applies the whole stylesheet to a screen each time it comes back (5-8 ms here), and this one
        # comes back for every case opened. It is only needed if the app's CSS changed meanwhile (a theme switch),
        # which Textual counts in `_css_update_count` (Textual is pinned; its own mode switching uses this count).
        # Screen's own handler runs after this one, with the flag as left here.
        current = self.app._css_update_count
        if self._styled_at == current:
            event.refresh_styles = False
        self._styled_at = current

    def on_mount(self) -> None:
        self.sub_title = self.case_id
        self.query_one("#thread").focus()
        # The reporter's history and the projects are read once the thread is on screen.
        if self.detail is None:
            self._load(self._first_read)
        else:
            self._read_side_after_paint()

    def reload(self) -> None:
        """Read the case again (after an action changed it)."""
        self._load(None)

    @work(thread=True, exclusive=True, group="case-load", exit_on_error=False)
    def _load(self, pending: Future[CaseRead] | None, *, case: bool = True) -> None:
        case_id = self.case_id
        if case:
            detail, extras = pending.result() if pending is not None else self.reads.case_view(case_id)
            self.post_message(self.Loaded(case_id, detail, extras))
            if detail is None:
                return
        self.post_message(self.SideLoaded(case_id, self.reads.reporter_side(case_id)))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        if message.case_id == self.case_id:  # not a late read of the case shown before
            await self._show(message.detail, message.extras)

    async def _show(self, detail: CaseDetail | None, extras: CaseExtras | None) -> None:
        """Fill the screen with a read of the case (None: there is no such case)."""
        self.detail, self.extras = detail, extras
        if detail is None:
            self._update_header(Content.assemble((self.case_id, "bold"), ("  no such case", "$error")), Content(""))
            return
        self._update_header(*self._header_contents())
        for section, content in self._section_contents().items():
            self.query_one(f"#case-{section}", Static).update(content)
        thread = self.query_one("#thread", VerticalScroll)
        if self._thread_shown != _thread_key(self.case_id, detail):
            self._thread_shown = _thread_key(self.case_id, detail)
            fresh = thread_widgets(detail)
            if not refill_in_place(list(thread.children), fresh):
                await thread.remove_children()
                await thread.mount_all(fresh)

    @on(SideLoaded)
    def _side_loaded(self, message: SideLoaded) -> None:
        if message.case_id != self.case_id:
            return
        self.side = message.side
        self.projects = message.side.projects
        if self.detail is not None:
            self.query_one("#case-reporter", Static).update(
                reporter_content(self.detail.summary, self.extras, self.side.history, self.side.total)
            )
            # Every configured project is known now: the row shows the never-checked ones too (already so when
            # the screen was refilled for another case: then nothing is redrawn).
            summary = self.detail.summary
            impacts = impacts_content(self.detail.impacts, self.projects, summary.embargo_until, self.side.drafts)
            box = self.query_one("#case-impacts", Static)
            shown = box.content
            # Content's == compares the text only; the styles must match too.
            if not (isinstance(shown, Content) and (shown.plain, shown.spans) == (impacts.plain, impacts.spans)):
                box.update(impacts)

    def _messages(self) -> list[Widget]:
        return list(self.query(".message").results(Widget))

    def _go_to_message(self, index: int) -> None:
        blocks = self._messages()
        if blocks:
            self.message_index = max(0, min(index, len(blocks) - 1))
            self.query_one("#thread").scroll_to_widget(blocks[self.message_index], top=True, animate=False)

    def action_next_message(self) -> None:
        self._go_to_message(self.message_index + 1)

    def action_previous_message(self) -> None:
        self._go_to_message(self.message_index - 1)

    def action_scroll_down(self) -> None:
        self.query_one("#thread").scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#thread").scroll_up(animate=False)

    def action_page_down(self) -> None:
        self.query_one("#thread").scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.query_one("#thread").scroll_page_up(animate=False)

    def action_reply(self) -> None:
        from triage_tui.screens.reply import ReplyScreen

        config = getattr(self.app, "config", None)
        self.app.push_screen(ReplyScreen(self.reads.database, config, self.case_id, self.clock))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_advisory(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        config = getattr(self.app, "config", None)
        if config is None:
            self.notify("This workspace has no config.toml: the advisory needs its identity.", title="Advisory")
            return
        from triage_tui.screens.actions import author_of
        from triage_tui.screens.advisory_editor import AdvisoryEditor

        def open_drafts() -> AdvisoryDrafts:
            from triage_tui.services.advisory_drafts import AdvisoryDrafts
            from triage_tui.store.store import Store

            return AdvisoryDrafts(Store(self.reads.database), author_of(self.app), config, clock=self.clock)

        exports = self.reads.database.parent / "exports"  # beside the workspace's store, never the current folder
        editor = AdvisoryEditor(open_drafts, self.case_id, summary.title, export_folder=exports)
        self.app.push_screen(editor, lambda _: self.reload())

    # ---- triage actions ------------------------------------------------------------------------------------------

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        finish_action(self, message)

    def _run(self, work: Callable[[TriageService], Outcome], follow_up: Callable[[], None] | None = None) -> None:
        run_action(self, [self.case_id], work, follow_up=follow_up)

    def _decision(self, work: Callable[[ValueT], Callable[[TriageService], Outcome]]) -> Decision[ValueT]:
        """A dialog's value decided on this case before the dialog closes (a refusal keeps it open)."""
        return Decision(self, (self.case_id,), work)

    def _summary(self) -> CaseSummary | None:
        if self.detail is None:
            self.notify("The case is still loading.", title="Triage")
            return None
        return self.detail.summary

    def action_change_state(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        options = state_options(summary.state)
        old = summary.state

        def chosen(state: str | None) -> None:
            if state is None:
                return
            from triage_tui.domain import CaseState

            def work(service: TriageService) -> Outcome:
                service.transition(self.case_id, CaseState(state))
                return Outcome(f"{self.case_id}: state {old} → {state}")

            self._run(work)

        self.app.push_screen(
            ChoiceModal(f"Move {self.case_id} from {old} to…", options, "enter choose · escape cancel"), chosen
        )

    def action_close_case(self) -> None:
        if self._summary() is None:
            return

        def with_reason(disposition: str, reason: str | None) -> None:
            from triage_tui.domain import Disposition

            def work(service: TriageService) -> Outcome:
                service.close(self.case_id, Disposition(disposition), reason)
                return Outcome(f"{self.case_id}: closed as {disposition}" + (f" ({reason})" if reason else ""))

            follow_up = (lambda: self._offer_reply(reason)) if reason else None
            self._run(work, follow_up)

        def disposition_chosen(disposition: str | None) -> None:
            if disposition is None:
                return
            if disposition != "not-a-vulnerability":
                with_reason(disposition, None)
                return
            self.app.push_screen(
                ChoiceModal(
                    f"Why is {self.case_id} not a vulnerability?", reason_options(), "enter choose · escape cancel"
                ),
                lambda reason: with_reason(disposition, reason) if reason else None,
            )

        self.app.push_screen(
            ChoiceModal(
                f"Close {self.case_id} as…", disposition_options(), "enter choose · escape cancel · d for duplicate"
            ),
            disposition_chosen,
        )

    def _offer_reply(self, reason: str) -> None:
        template = reply_template_for(reason)
        if template is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                from triage_tui.screens.actions import reply_screen

                self.app.push_screen(reply_screen(self.app, self.reads.database, self.case_id, self.clock, template))

        self.app.push_screen(ConfirmModal(f"Prepare the reply to the reporter from {template}?"), answered)

    def action_assign(self) -> None:
        if self._summary() is None:
            return
        config = getattr(self.app, "config", None)
        projects = list(config.projects) if config is not None and config.projects else self.projects
        current = self.extras.assignee if self.extras else None

        def assign(value: str) -> Callable[[TriageService], Outcome]:
            assignee = value.strip() or None

            def work(service: TriageService) -> Outcome:
                service.assign(self.case_id, assignee)
                return Outcome(f"{self.case_id}: assigned {assignee}" if assignee else f"{self.case_id}: unassigned")

            return work

        self.app.push_screen(
            TextModal(
                f"Assign {self.case_id} to…",
                current or "",
                "enter assign · down: teams · escape cancel",
                placeholder="a person, or team:<project>",
                suggestions=team_suggestions(projects),
                decision=self._decision(assign),
            )
        )

    def action_labels(self) -> None:
        if self._summary() is None:
            return
        current = ", ".join(self.extras.labels) if self.extras else ""

        def set_labels(value: str) -> Callable[[TriageService], Outcome]:
            labels = parse_labels(value)

            def work(service: TriageService) -> Outcome:
                service.set_labels(self.case_id, labels)
                return Outcome(f"{self.case_id}: labels {', '.join(labels) or '(none)'}")

            return work

        self.app.push_screen(
            TextModal(
                f"Labels of {self.case_id}",
                current,
                "comma- or space-separated · enter save · escape cancel",
                placeholder="e.g. tarfile, needs-repro",
                decision=self._decision(set_labels),
            )
        )

    def action_severity(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        from triage_tui.screens.cvss import CvssScreen, SeverityChoice  # the CVSS library loads on first use

        def set_vectors(choice: SeverityChoice) -> Callable[[TriageService], Outcome]:
            def work(service: TriageService) -> Outcome:
                service.set_vectors(self.case_id, choice.vectors)
                return Outcome(f"{self.case_id}: {choice.describe()}")

            return work

        calculator = CvssScreen(
            self.case_id, summary.cvss_vector, summary.cvss4_vector, decision=self._decision(set_vectors)
        )
        self.app.push_screen(calculator)

    def action_save_attachment(self) -> None:
        """Save one of the thread's attachments to a file the user names."""
        if self._summary() is None or self.detail is None:
            return
        attachments = [a for message in self.detail.messages for a in message.attachments]
        if not attachments:
            self.notify("This case has no attachments.", title="Save")
            return
        from triage_tui.screens.save_attachment import SaveAttachmentModal, SaveRequest

        database = self.reads.database

        def save(request: SaveRequest) -> str:
            from triage_tui.screens.refusable import Refused
            from triage_tui.services.attachments import AttachmentError, save_attachment
            from triage_tui.store.store import Store

            try:
                saved = save_attachment(Store(database), request.attachment_id, request.destination)
            except AttachmentError as error:
                raise Refused(str(error)) from error
            return f"saved to {saved} (not opened)"

        self.app.push_screen(SaveAttachmentModal(attachments, Path.cwd(), save=save))

    def action_embargo(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        from triage_tui.screens.embargo import EmbargoChoice, EmbargoModal, format_utc

        def set_embargo(choice: EmbargoChoice) -> Callable[[TriageService], Outcome]:
            until = choice.until

            def work(service: TriageService) -> Outcome:
                service.set_embargo(self.case_id, until)
                return Outcome(f"{self.case_id}: embargo " + (f"ends {format_utc(until)} UTC" if until else "cleared"))

            return work

        decision = self._decision(set_embargo)
        self.app.push_screen(
            EmbargoModal(self.case_id, summary.embargo_until, summary.received_at, self.clock, decision=decision)
        )

    def action_note(self) -> None:
        if self._summary() is None:
            return

        def add_note(text: str) -> Callable[[TriageService], Outcome]:
            def work(service: TriageService) -> Outcome:
                service.add_note(self.case_id, text)
                return Outcome(f"{self.case_id}: note added")

            return work

        self.app.push_screen(NoteModal(self.case_id, decision=self._decision(add_note)))

    def action_duplicate(self) -> None:
        if self._summary() is None:
            return
        self._read_candidates()

    @work(thread=True, exclusive=True, group="case-candidates", exit_on_error=False)
    def _read_candidates(self) -> None:
        from triage_tui.services.duplicates import duplicate_candidates
        from triage_tui.store.store import Store

        case_id = self.case_id
        self.post_message(self.CandidatesRead(case_id, duplicate_candidates(Store(self.reads.database), case_id)))

    @on(CandidatesRead)
    def _candidates_read(self, message: CandidatesRead) -> None:
        if message.case_id != self.case_id:
            return

        def merge_into(typed: str) -> Callable[[TriageService], Outcome]:
            target = typed.strip()

            def work(service: TriageService) -> Outcome:
                from triage_tui.services.triage import TriageError

                if not target:
                    raise TriageError("type the id of the case it duplicates")
                service.mark_duplicate(self.case_id, target)
                return Outcome(f"{self.case_id}: closed as duplicate of {target}; its reporter is credited there")

            return work

        def chosen(target: str | None) -> None:
            if target:
                self._run(merge_into(target))

        if not message.candidates:
            self.app.push_screen(
                TextModal(
                    f"No candidates found; {self.case_id} duplicates…",
                    "",
                    "enter merge · escape cancel",
                    placeholder="PSC-YYYY-NNNN",
                    decision=self._decision(merge_into),
                )
            )
            return
        self.app.push_screen(
            ChoiceModal(
                f"{self.case_id} duplicates… (best candidates first)",
                candidate_options(message.candidates),
                "enter merge into the highlighted case · escape cancel",
            ),
            chosen,
        )

    def action_undo(self) -> None:
        from triage_tui.screens.actions import undo_last

        self._run(lambda service: undo_last(service, self.case_id))
