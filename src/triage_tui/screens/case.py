"""Provides the case screen: the case view with the triage actions on its keys, each asked through a dialog and
decided on the app's TriageService."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from triage_tui.screens.case_navigation import CaseNavigation
from triage_tui.screens.decisions import Decision, Outcome, ValueT, Work, run_action
from triage_tui.screens.dialog import ASKING
from triage_tui.screens.navigation import ShowsCases
from triage_tui.screens.options import (
    candidate_options,
    disposition_options,
    parse_labels,
    reason_options,
    reply_template_for,
    state_options,
    team_suggestions,
)
from triage_tui.screens.questions import ChoiceModal, ConfirmModal, NoteModal, TextModal
from triage_tui.screens.role_keys import RoleKeys
from triage_tui.screens.threads import in_thread

if TYPE_CHECKING:
    from triage_tui.screens.cvss import SeverityChoice
    from triage_tui.screens.embargo import EmbargoChoice
    from triage_tui.screens.save_attachment import SaveRequest
    from triage_tui.services.triage import TriageService
    from triage_tui.store.queries import CaseSummary


class CaseScreen(RoleKeys, ShowsCases, CaseNavigation):
    """One case, and what can be decided on it."""

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
        Binding(
            "I",  # not K: J and K step through the inbox's cases
            "import_key",
            "Import key",
            show=False,
            id="case.import_key",
            tooltip="Import the reporter's key: attached, else from their domain's key directory (asks first)",
        ),
    ]

    def cases_changed(self) -> None:
        self.reload()

    def _run(self, decide: Work, follow_up: Callable[[], None] | None = None) -> None:
        run_action(self, self.context, [self.case_id], decide, follow_up=follow_up)

    def _decision(self, decide: Callable[[ValueT], Work]) -> Decision[ValueT]:
        """A dialog's value decided on this case before the dialog closes (a refusal keeps it open)."""
        return Decision(self.context, (self.case_id,), decide)

    def _for_coordinators(self, *, merge: bool = False) -> CaseSummary | None:
        """The case for a coordinator's decision; None, the rule said, if the team would refuse it from this user."""
        rule = self.context.coordinators_only(merge=merge)
        if rule is not None:
            self.notify(f"Not yours to decide: {rule}.", title="Team", severity="warning")
            return None
        return self._summary()

    def _summary(self) -> CaseSummary | None:
        if self.detail is None:
            self.notify("The case is still loading.", title="Triage")
            return None
        return self.detail.summary

    def action_reply(self) -> None:
        from triage_tui.screens.reply import ReplyScreen

        rule = self.context.replies_refused()
        if rule is not None:
            self.notify(f"Not yours to write: {rule}.", title="Team", severity="warning")
            return
        self.app.push_screen(ReplyScreen(self.context, self.case_id))

    @work(group=ASKING)
    async def action_advisory(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        config = self.context.config
        if config is None:
            self.notify("This workspace has no config.toml: the advisory needs its identity.", title="Advisory")
            return
        from triage_tui.screens.advisory_editor import AdvisoryEditor

        exports = self.context.database.parent / "exports"  # beside the workspace's store, never the current folder
        drafts = self.context.advisory_drafts
        editor = AdvisoryEditor(lambda: drafts(config), self.case_id, summary.title, export_folder=exports)
        await self.app.push_screen_wait(editor)
        self.reload()

    @work(group=ASKING)
    async def action_change_state(self) -> None:
        summary = self._for_coordinators()
        if summary is None:
            return
        case_id, old = self.case_id, summary.state
        hint = "enter choose"
        state = await self.app.push_screen_wait(ChoiceModal(f"Move {case_id} from {old} to…", state_options(old), hint))
        if state is None:
            return
        from triage_tui.domain import CaseState

        def decide(service: TriageService) -> Outcome:
            service.transition(case_id, CaseState(state))
            return Outcome(f"{case_id}: state {old} → {state}")

        self._run(decide)

    @work(group=ASKING)
    async def action_close_case(self) -> None:
        if self._for_coordinators() is None:
            return
        case_id = self.case_id
        hint = "enter choose · d for duplicate"
        disposition = await self.app.push_screen_wait(ChoiceModal(f"Close {case_id} as…", disposition_options(), hint))
        if disposition is None:
            return
        reason = None
        if disposition == "not-a-vulnerability":
            question = f"Why is {case_id} not a vulnerability?"
            reason = await self.app.push_screen_wait(ChoiceModal(question, reason_options(), "enter choose"))
            if not reason:
                return
        from triage_tui.domain import Disposition

        def decide(service: TriageService) -> Outcome:
            service.close(case_id, Disposition(disposition), reason)
            return Outcome(f"{case_id}: closed as {disposition}" + (f" ({reason})" if reason else ""))

        if reason is None:
            self._run(decide)
            return
        policy_reason = reason

        def offer_reply() -> None:
            self._offer_reply(policy_reason)

        self._run(decide, offer_reply)

    @work(group=ASKING)
    async def _offer_reply(self, reason: str) -> None:
        template = reply_template_for(reason)
        if template is None:
            return
        if await self.app.push_screen_wait(ConfirmModal(f"Prepare the reply to the reporter from {template}?")):
            from triage_tui.screens.reply import ReplyScreen

            self.app.push_screen(ReplyScreen(self.context, self.case_id, template))

    def action_assign(self) -> None:
        if self._for_coordinators() is None:
            return
        case_id = self.case_id
        projects = self.context.projects or self.projects
        current = self.extras.assignee if self.extras else None

        def assign(value: str) -> Work:
            assignee = value.strip() or None

            def decide(service: TriageService) -> Outcome:
                service.assign(case_id, assignee)
                return Outcome(f"{case_id}: assigned {assignee}" if assignee else f"{case_id}: unassigned")

            return decide

        self.app.push_screen(
            TextModal(
                f"Assign {case_id} to…",
                current or "",
                "enter assign · down: teams",
                placeholder="a person, or team:<project>",
                suggestions=team_suggestions(projects),
                decision=self._decision(assign),
            )
        )

    def action_labels(self) -> None:
        if self._for_coordinators() is None:
            return
        case_id = self.case_id
        current = ", ".join(self.extras.labels) if self.extras else ""

        def set_labels(value: str) -> Work:
            labels = parse_labels(value)

            def decide(service: TriageService) -> Outcome:
                service.set_labels(case_id, labels)
                return Outcome(f"{case_id}: labels {', '.join(labels) or '(none)'}")

            return decide

        self.app.push_screen(
            TextModal(
                f"Labels of {case_id}",
                current,
                "comma- or space-separated · enter save",
                placeholder="e.g. tarfile, needs-repro",
                decision=self._decision(set_labels),
            )
        )

    def action_severity(self) -> None:
        summary = self._for_coordinators()
        if summary is None:
            return
        from triage_tui.screens.cvss import CvssScreen  # the CVSS library loads on first use

        case_id = self.case_id

        def set_vectors(choice: SeverityChoice) -> Work:
            def decide(service: TriageService) -> Outcome:
                service.set_vectors(case_id, choice.vectors)
                return Outcome(f"{case_id}: {choice.describe()}")

            return decide

        decision = self._decision(set_vectors)
        self.app.push_screen(CvssScreen(case_id, summary.cvss_vector, summary.cvss4_vector, decision=decision))

    def action_save_attachment(self) -> None:
        """Save one of the thread's attachments to a file the user names."""
        if self._summary() is None or self.detail is None:
            return
        attachments = [a for message in self.detail.messages for a in message.attachments]
        if not attachments:
            self.notify("This case has no attachments.", title="Save")
            return
        from triage_tui.screens.save_attachment import SaveAttachmentModal

        store = self.context.store

        def save(request: SaveRequest) -> str:
            from triage_tui.screens.refusable import Refused
            from triage_tui.services.attachments import AttachmentError, save_attachment

            try:
                saved = save_attachment(store, request.attachment_id, request.destination)
            except AttachmentError as error:
                raise Refused(str(error)) from error
            return f"saved to {saved} (not opened)"

        self.app.push_screen(SaveAttachmentModal(attachments, Path.cwd(), save=save))

    @work(group=ASKING)
    async def action_import_key(self) -> None:
        if self._summary() is None or self.detail is None:
            return
        from triage_tui.screens.reporter_key import import_reporter_key

        await import_reporter_key(self, self.context, self.detail)

    def action_embargo(self) -> None:
        summary = self._for_coordinators()
        if summary is None:
            return
        from triage_tui.screens.embargo import EmbargoModal, format_utc

        case_id = self.case_id

        def set_embargo(choice: EmbargoChoice) -> Work:
            until = choice.until

            def decide(service: TriageService) -> Outcome:
                service.set_embargo(case_id, until)
                return Outcome(f"{case_id}: embargo " + (f"ends {format_utc(until)} UTC" if until else "cleared"))

            return decide

        decision = self._decision(set_embargo)
        self.app.push_screen(
            EmbargoModal(case_id, summary.embargo_until, summary.received_at, self.clock, decision=decision)
        )

    def action_note(self) -> None:
        if self._summary() is None:
            return
        case_id = self.case_id

        def add_note(text: str) -> Work:
            def decide(service: TriageService) -> Outcome:
                service.add_note(case_id, text)
                return Outcome(f"{case_id}: note added")

            return decide

        self.app.push_screen(NoteModal(case_id, decision=self._decision(add_note)))

    @work(group=ASKING)
    async def action_duplicate(self) -> None:
        if self._for_coordinators(merge=True) is None:
            return
        from triage_tui.services.duplicates import duplicate_candidates

        case_id, store = self.case_id, self.context.store
        name = "Reading duplicate candidates"
        candidates = await in_thread(self, lambda: duplicate_candidates(store, case_id), name=name)
        if candidates is None or case_id != self.case_id:
            return  # failed (and reported), or another case is shown now

        def merge_into(typed: str) -> Work:
            target = typed.strip()

            def decide(service: TriageService) -> Outcome:
                from triage_tui.services.triage import TriageError

                if not target:
                    raise TriageError("type the id of the case it duplicates")
                service.mark_duplicate(case_id, target)
                return Outcome(f"{case_id}: closed as duplicate of {target}; its reporter is credited there")

            return decide

        if not candidates:
            self.app.push_screen(
                TextModal(
                    f"No candidates found; {case_id} duplicates…",
                    "",
                    "enter merge",
                    placeholder="PSC-YYYY-NNNN",
                    decision=self._decision(merge_into),
                )
            )
            return
        target = await self.app.push_screen_wait(
            ChoiceModal(
                f"{case_id} duplicates… (best candidates first)",
                candidate_options(candidates),
                "enter merge into the highlighted case",
            )
        )
        if target:
            self._run(merge_into(target))

    def action_undo(self) -> None:
        case_id = self.case_id

        def undo(service: TriageService) -> Outcome:
            from triage_tui.widgets.timeline import describe_event

            event = service.undo_last(case_id)
            return Outcome(f"Undone #{event.id} on {event.case_id}: {event.author} {describe_event(event)}")

        self._run(undo)
