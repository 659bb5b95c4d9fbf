"""Provides `CaseView`, what the case screen shows: a case's header, its decrypted thread (each message under the
app's verdict bar) and the side panel, read off the UI thread and refilled in place from case to case."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from triage_tui.screens.case_content import (
    case_header,
    case_title_line,
    impacts_content,
    notes_content,
    refill_in_place,
    reporter_content,
    thread_widgets,
)
from triage_tui.screens.context import AppContext
from triage_tui.store.duplicate_reads import CaseExtras
from triage_tui.store.queries import CaseDetail
from triage_tui.store.reads import CaseRead, ReporterSide
from triage_tui.widgets.after_paint import PaintAware
from triage_tui.widgets.errors import report_worker_failure
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.sync_status import SyncStatus
from triage_tui.widgets.timeline import timeline_content

SIDE_SECTIONS = ("impacts", "reporter", "notes", "timeline")
"""The side panel's boxes, top to bottom."""
NARROW = 100
"""Terminal columns below which the side panel is hidden until asked for: beside it the message had 28 columns at 80."""
FIRST_READ_WAIT = 0.05
"""Seconds the case screen waits, while it is built, for the case's read (a few ms), so its first frame shows the
case rather than "loading…"; a slower read fills the screen in when it arrives."""


class CaseHeader(PaintAware, Static):
    """The case's header band, which says when it has been drawn (the side panel's reads wait for that)."""


def _thread_key(case_id: str, detail: CaseDetail) -> tuple[str, tuple[tuple[int, str | None], ...]]:
    """What decides whether the thread on screen must be built again: the case, its messages and their key flags."""
    return case_id, tuple((m.pk, m.key_changed_from) for m in detail.messages)


class CaseView(Screen[None]):
    """One case: its header, thread (oldest message first) and, beside it, impacts, reporter, notes and timeline."""

    DEFAULT_CSS = """
    CaseView #case-body { height: 1fr; }
    CaseView #thread { width: 1fr; }
    CaseView #case-side { width: 46; height: 1fr; border-left: vkey $panel-lighten-2; padding: 0 1 0 0; }
    CaseView .case-section {
        height: auto; border: round $panel-lighten-2; border-title-color: $text-muted; padding: 0 1;
    }
    """

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
        names: dict[str, str]

    def __init__(self, context: AppContext, case_id: str) -> None:
        super().__init__(id="case")
        self.context = context
        self.reads = context.reads
        self.clock = context.clock
        self.projects: list[str] = []
        """Every project id in the store (assign suggests their teams when the config lists none)."""
        self._thread_shown: tuple[str, tuple[tuple[int, str | None], ...]] | None = None
        """The case whose messages the thread holds, and what their verdicts said (the screen is reused from case to
        case; a verdict changes when a coordinator accepts a changed key)."""
        self.names: dict[str, str] = {}
        """The roster's members by key fingerprint, as last read (kept from case to case: the first frame of the next
        case names them already; each side read refreshes them)."""
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
                    yield from thread_widgets(detail, self.names)
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
        self.place_side()
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
        width = self.app.size.width - 2  # the band's padding
        header = case_header(summary, self.clock(), self.extras, self._duplicate_key(), width)
        return case_title_line(summary), header

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
            "notes": notes_content(detail, self.names),
            "timeline": self._timeline(),
        }
        if self.side is not None:
            side = self.side
            sections["reporter"] = reporter_content(detail.summary, self.extras, side.history, side.total, side.records)
        return sections

    def _timeline(self) -> Content:
        """The timeline section, in the order chosen for this session (`AppContext.timeline_newest_first`)."""
        events = self.detail.events if self.detail is not None else ()
        return timeline_content(events, self.names, newest_first=self.context.timeline_newest_first)

    def side_shown(self) -> bool:
        """Whether the side panel shows: as the user last chose this session, else when the terminal is wide."""
        chosen = self.context.case_side_shown
        return self.app.size.width >= NARROW if chosen is None else chosen

    def place_side(self) -> None:
        """Show or hide the side panel (see `side_shown`); shown on a narrow terminal, it takes half the width."""
        side = self.query_one("#case-side")
        shown = self.side_shown()
        side.styles.width = 46 if self.app.size.width >= NARROW else "1fr"
        if side.display != shown:
            side.display = shown

    def on_resize(self, event: events.Resize) -> None:
        self.place_side()
        if self.detail is not None:  # the header's fields are laid out for the width
            self._update_header(*self._header_contents())

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
        self.place_side()
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
        side = self.reads.reporter_side(case_id)
        self.post_message(self.SideLoaded(case_id, side, self.context.member_names()))

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
            fresh = thread_widgets(detail, self.names)
            if not refill_in_place(list(thread.children), fresh):
                await thread.remove_children()
                await thread.mount_all(fresh)

    @on(SideLoaded)
    def _side_loaded(self, message: SideLoaded) -> None:
        if message.case_id != self.case_id:
            return
        self.side = message.side
        self.projects = message.side.projects
        renamed = message.names != self.names
        self.names = message.names
        if self.detail is not None and renamed:
            # The roster named someone the frame drew by fingerprint (or renamed them): redraw what shows authors.
            self.query_one("#case-notes", Static).update(notes_content(self.detail, self.names))
            self.query_one("#case-timeline", Static).update(self._timeline())
            fresh = thread_widgets(self.detail, self.names)
            refill_in_place(list(self.query_one("#thread", VerticalScroll).children), fresh)
        if self.detail is not None:
            self.query_one("#case-reporter", Static).update(
                reporter_content(
                    self.detail.summary, self.extras, self.side.history, self.side.total, self.side.records
                )
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

    def action_back(self) -> None:
        self.dismiss(None)
