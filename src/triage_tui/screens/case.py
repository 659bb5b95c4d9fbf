"""Provides the case screen: a case's header and its decrypted thread, each message under the app's verdict bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from triage_tui.screens.reads import StoreReads
from triage_tui.store.queries import AttachmentInfo, CaseDetail, CaseSummary, MessageView
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.safe_text import safe_block, safe_line
from triage_tui.widgets.sync_status import SyncStatus
from triage_tui.widgets.verdict import VerdictBar, signature_look


def human_size(size: int) -> str:
    """A byte count for people: 512 B, 3.4 KiB, 1.2 MiB."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def age(then: datetime, now: datetime) -> str:
    """How long ago `then` was, in the largest whole unit."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = seconds // length
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def case_header(summary: CaseSummary, now: datetime) -> Content:
    """The case's id, title, state, reporter, projects and age."""
    look = signature_look(summary.signature)
    state = summary.state + (f" ({summary.disposition})" if summary.disposition else "")
    projects = ", ".join(p.project for p in summary.projects) or "none matched"
    label = "dim"
    return Content("\n").join(
        [
            Content.assemble((summary.id, "bold $accent"), "  ", safe_line(summary.title).stylize("bold")),
            Content.assemble(
                ("state ", label),
                (state, "bold"),
                ("   reporter ", label),
                safe_line(summary.reporter),
                " <",
                safe_line(summary.reporter_email),
                ">",
                ("   first signature ", label),
                (look.label, look.colour),
            ),
            Content.assemble(
                ("projects ", label),
                safe_line(projects),
                ("   received ", label),
                summary.received_at.strftime("%Y-%m-%d %H:%M UTC"),
                (f" ({age(summary.received_at, now)})", label),
                ("   messages ", label),
                str(summary.message_count),
            ),
        ]
    )


def message_headers(message: MessageView) -> Content:
    """From, Date and Subject of a message as the sender wrote them (untrusted)."""
    sent = message.sent_at.strftime("%Y-%m-%d %H:%M UTC") if message.sent_at else "(no date)"
    label = "bold $text-muted"
    sender = Content.assemble(safe_line(message.sender_name), " <", safe_line(message.sender_email), ">")
    return Content("\n").join(
        [
            Content.assemble(("From:    ", label), sender),
            Content.assemble(("Date:    ", label), sent),
            Content.assemble(("Subject: ", label), safe_line(message.subject).stylize("bold")),
        ]
    )


def attachment_line(attachment: AttachmentInfo) -> Content:
    """One attachment: name, type, size and a sha256 prefix to compare with what the reporter sent."""
    return Content.assemble(
        ("▪ ", "$text-muted"),
        safe_line(attachment.filename).stylize("bold"),
        "  ",
        safe_line(attachment.content_type),
        "  ",
        human_size(attachment.size),
        ("  sha256:", "$text-muted"),
        attachment.sha256[:16],
        "…",
    )


def message_block(message: MessageView, index: int) -> Widget:
    """One message of the thread: verdict bar, headers, body, unauthenticated text and attachments."""
    parts: list[Widget] = [
        VerdictBar(message),
        Static(message_headers(message), classes="message-headers"),
    ]
    body = Static(safe_block(message.body) if message.body else Content("(no readable text)"), classes="message-body")
    body.border_title = "message text"
    parts.append(body)
    if message.unauthenticated_text:
        cleartext = Static(safe_block(message.unauthenticated_text), classes="unauthenticated")
        cleartext.border_title = "⚠ UNAUTHENTICATED — outside the signed/encrypted part"
        parts.append(cleartext)
    if message.html_parts:
        note = f"{message.html_parts} HTML part(s) not shown"
        parts.append(Static(Content(note), classes="message-note"))
    if message.attachments:
        listing = Static(Content("\n").join(attachment_line(a) for a in message.attachments), classes="attachments")
        listing.border_title = f"attachments ({len(message.attachments)}) — stored, never opened"
        parts.append(listing)
    return Vertical(*parts, classes="message", id=f"message-{index}")


class CaseScreen(Screen[None]):
    """One case: its header and thread (oldest message first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="case.back", tooltip="Back to the inbox"),
        Binding("n", "next_message", "Next msg", id="case.next_message", tooltip="Scroll to the next message"),
        Binding("p", "previous_message", "Prev msg", id="case.previous_message", tooltip="Previous message"),
        Binding("j,down", "scroll_down", "Scroll", show=False, id="case.scroll_down", tooltip="Scroll down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="case.scroll_up", tooltip="Scroll up"),
        Binding("space,pagedown", "page_down", "Page", show=False, id="case.page_down", tooltip="One screen down"),
        Binding("pageup", "page_up", "Page up", show=False, id="case.page_up", tooltip="One screen up"),
        Binding("r", "reply", "Reply", id="case.reply", tooltip="Write an encrypted reply to the reporter"),
    ]

    @dataclass
    class Loaded(Message):
        """The case was read from the store (None: it no longer exists)."""

        detail: CaseDetail | None

    def __init__(self, reads: StoreReads, case_id: str, clock: Callable[[], datetime]) -> None:
        super().__init__(id="case")
        self.reads = reads
        self.case_id = case_id
        self.clock = clock
        self.detail: CaseDetail | None = None
        """The case as last read; None until the read finishes."""
        self.message_index = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content.assemble((self.case_id, "bold"), "  loading…"), id="case-header")
        yield VerticalScroll(id="thread", can_focus=True)
        yield SyncStatus(id="sync-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.case_id
        self.query_one("#thread").focus()
        self._load()

    @work(thread=True, exclusive=True, group="case-load", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(self.reads.case(self.case_id)))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        self.detail = message.detail
        header = self.query_one("#case-header", Static)
        if message.detail is None:
            header.update(Content.assemble((self.case_id, "bold"), ("  no such case", "$error")))
            return
        header.update(case_header(message.detail.summary, self.clock()))
        thread = self.query_one("#thread", VerticalScroll)
        await thread.mount_all(message_block(m, i) for i, m in enumerate(message.detail.messages))

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
