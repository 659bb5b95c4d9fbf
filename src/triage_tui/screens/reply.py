"""Provides the reply screen: pick a template, edit the text (here or in $EDITOR), and queue it encrypted.

The screen only shows and collects; reading the case and the reporter's key, and composing and queuing, run in
thread workers through `replies.workflow`. Nothing is ever queued without encryption to the reporter's key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from triage_tui.config import Config
from triage_tui.replies.editor import EditorError, edit_text
from triage_tui.replies.templates import TEMPLATES, ReplyDraft, render_reply
from triage_tui.replies.workflow import QueuedReply, ReplyContext, load_reply_context, queue_draft
from triage_tui.screens.context import AppContext
from triage_tui.screens.dialog import LEAVE, Dialog
from triage_tui.screens.questions import discard_unless_typed
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line
from triage_tui.widgets.verdict import format_fingerprint

FIRST_TEMPLATE = "acknowledgement"


def recipient_line(context: ReplyContext) -> Content:
    """Who the reply goes to and the case it answers (untrusted parts shown as text)."""
    summary = context.detail.summary
    return Content.assemble(
        ("To: ", "bold $text-muted"),
        safe_line(summary.reporter),
        " <",
        safe_line(summary.reporter_email),
        ">",
        ("   case ", "$text-muted"),
        (summary.id, "bold"),
    )


def crypto_line(context: ReplyContext) -> Content:
    """Whether and to which key the reply will be encrypted, or why it cannot be sent."""
    if context.reporter_key is None:
        return Content.assemble(("✗ cannot reply: ", "bold $error"), safe_line(context.key_error or "no key"))
    key = context.reporter_key
    return Content.assemble(
        ("🔒 encrypted to ", "$success"),
        (format_fingerprint(key.fingerprint), "bold"),
        (f" ({key.how}); signed with ours", "$text-muted"),
    )


def embargo_line(context: ReplyContext) -> Content:
    """The embargo rule in force, if the case is under embargo."""
    until = context.detail.summary.embargo_until
    if not context.embargoed or until is None:
        return Content("")
    return Content.assemble(
        ("⚠ under embargo until ", "$warning"),
        (f"{until:%Y-%m-%d %H:%M UTC}", "bold $warning"),
        (": the reporter is the only recipient allowed", "$warning"),
    )


class ReplyScreen(Dialog[int | None]):
    """Write a reply to a case's reporter; dismissed with the outbox id once queued, or None if cancelled."""

    DEFAULT_CSS = """
    #reply-dialog { width: 96%; height: 92%; border: thick $accent; background: $surface; padding: 0 1; }
    #reply-dialog > Static { height: auto; }
    #reply-crypto, #reply-embargo { margin-bottom: 0; }
    #reply-panes { height: 1fr; margin-top: 1; }
    #reply-templates { width: 38; height: 1fr; margin-right: 1; }
    #reply-body { width: 1fr; height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "queue", "Queue", id="reply.queue", priority=True,
            tooltip="Sign, encrypt to the reporter's key and put the reply in the outbox",
        ),
        Binding(
            "ctrl+e", "editor", "$EDITOR", id="reply.editor", priority=True,
            tooltip="Edit the text in $EDITOR (a private temp file, removed afterwards)",
        ),
        LEAVE,
    ]  # fmt: skip
    WHAT = "the reply written here"

    @dataclass
    class Prepared(Message):
        """The case and its reporter's key were read (None: the case no longer exists)."""

        context: ReplyContext | None

    @dataclass
    class Queued(Message):
        """The reply is in the outbox."""

        queued: QueuedReply

    @dataclass
    class Refused(Message):
        """The reply could not be composed or queued; nothing was queued."""

        reason: str

    def __init__(self, context: AppContext, case_id: str, template_id: str = FIRST_TEMPLATE) -> None:
        """Prepare a reply to the reporter of `case_id`.

        Args:
            context: The workspace (its config's identity signs; no config refuses to reply).
            case_id: The case answered.
            template_id: The template the text starts from, e.g. "not-a-vulnerability:malicious-package".
        """
        super().__init__(id="reply")
        self.template_id = template_id if template_id in TEMPLATES else FIRST_TEMPLATE
        self.store = context.store
        self.config = context.config
        self.case_id = case_id
        self.clock = context.clock
        self.context: ReplyContext | None = None
        """The case and key as read; None until the read finishes."""
        self.draft: ReplyDraft | None = None
        """The template's draft the text area was filled from (its subject and To are used when queuing)."""
        self.queuing = False

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-dialog") as dialog:
            dialog.border_title = f"Reply — {self.case_id}"
            yield Static(Content("loading the case and the reporter's key…"), id="reply-to")
            yield Static(Content(""), id="reply-subject")
            yield Static(Content(""), id="reply-crypto")
            yield Static(Content(""), id="reply-embargo")
            with Horizontal(id="reply-panes"):
                yield OptionList(
                    *(Option(Content(template.label), id=template.id) for template in TEMPLATES.values()),
                    id="reply-templates",
                )
                yield TextArea(id="reply-body", soft_wrap=True, show_line_numbers=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.config is None:
            self._show_refusal("this workspace has no config.toml, so there is no key to sign a reply with")
            return
        self._prepare(self.config)

    @work(thread=True, exclusive=True, group="reply-load", exit_on_error=False)
    def _prepare(self, config: Config) -> None:
        self.post_message(self.Prepared(load_reply_context(self.store, self.case_id, config, self.clock())))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)
        if event.worker.group == "reply-queue" and event.state.name in ("ERROR", "CANCELLED"):
            self.queuing = False

    @on(Prepared)
    def _prepared(self, message: Prepared) -> None:
        self.context = message.context
        if message.context is None:
            self._show_refusal(f"{self.case_id} no longer exists")
            return
        self.query_one("#reply-to", Static).update(recipient_line(message.context))
        self.query_one("#reply-crypto", Static).update(crypto_line(message.context))
        self.query_one("#reply-embargo", Static).update(embargo_line(message.context))
        templates = self.query_one("#reply-templates", OptionList)
        templates.highlighted = list(TEMPLATES).index(self.template_id)
        self.use_template(self.template_id)
        templates.focus()

    def _show_refusal(self, reason: str) -> None:
        self.query_one("#reply-crypto", Static).update(
            Content.assemble(("✗ cannot reply: ", "bold $error"), safe_line(reason))
        )

    def use_template(self, template_id: str) -> None:
        """Fill the text area with the template, the case's fields filled in."""
        if self.context is None or self.config is None:
            return
        self.template_id = template_id
        self.draft = render_reply(template_id, self.context.detail, self.config.identity.name, self.clock())
        self.query_one("#reply-subject", Static).update(
            Content.assemble(("Subject: ", "bold $text-muted"), safe_line(self.draft.subject))
        )
        self.query_one("#reply-body", TextArea).load_text(self.draft.body)

    @on(OptionList.OptionSelected, "#reply-templates")
    def _template_chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        if chosen is None or chosen not in TEMPLATES:
            return
        templates = event.option_list
        order = list(TEMPLATES)

        def replace_text() -> None:
            templates.highlighted = order.index(chosen)
            self.use_template(chosen)
            self.query_one("#reply-body", TextArea).focus()

        edited = self._edited()
        if edited:  # until a y replaces the text, the list shows the template it still comes from
            templates.highlighted = order.index(self.template_id)
        question = f"Replace the reply written here with the {TEMPLATES[chosen].label} template? Nothing of it is kept."
        discard_unless_typed(self, edited, question, replace_text)

    def _edited(self) -> bool:
        """Whether the text holds the user's work: anything but the template's own text."""
        body = self.query_one("#reply-body", TextArea).text
        template = self.draft.body if self.draft is not None else ""
        return bool(body.strip()) and body != template

    def action_editor(self) -> None:
        """Edit the text in $EDITOR, with the terminal handed over to it while it runs."""
        area = self.query_one("#reply-body", TextArea)
        try:
            with self.app.suspend():
                text = edit_text(area.text)
        except SuspendNotSupported:
            self.app.notify("This terminal cannot be handed over to $EDITOR; edit the text here.", title="Reply")
            return
        except EditorError as error:
            self.app.notify(str(error), title="Reply", severity="warning")
            return
        area.load_text(text)

    def action_queue(self) -> None:
        """Compose, sign, encrypt and queue the reply in a worker; the screen closes once it is in the outbox."""
        if self.config is None or self.context is None or self.draft is None:
            self.app.notify("The case is still loading.", title="Reply")
            return
        if self.context.reporter_key is None:
            self.app.notify(self.context.key_error or "no key", title="Reply not queued", severity="error")
            return
        if self.queuing:
            return
        body = self.query_one("#reply-body", TextArea).text
        if not body.strip():
            self.app.notify("The reply is empty.", title="Reply")
            return
        self.queuing = True
        self._queue(self.config, self.context, replace(self.draft, body=body))

    @work(thread=True, exclusive=True, group="reply-queue", exit_on_error=False)
    def _queue(self, config: Config, context: ReplyContext, draft: ReplyDraft) -> None:
        from triage_tui.replies.compose_reply import ReplyError

        try:
            queued = queue_draft(self.store, config, context.detail, draft, self.clock())
        except ReplyError as error:
            self.post_message(self.Refused(str(error)))
            return
        self.post_message(self.Queued(queued))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.queuing = False
        self.app.notify(message.reason, title="Reply not queued", severity="error", timeout=10)

    @on(Queued)
    def _queued(self, message: Queued) -> None:
        queued = message.queued
        keys = ", ".join(format_fingerprint(fingerprint) for fingerprint in queued.fingerprints)
        self.app.notify(
            f"Queued for {', '.join(queued.recipients)}, encrypted to {keys}; it is sent with the next sync.",
            title="Reply queued",
        )
        self.dismiss(queued.outbox_id)

    def changed(self) -> bool:
        # The template's own text is not the user's work; an edit of it is.
        return self._edited()
