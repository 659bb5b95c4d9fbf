"""Provides the case screen's ways around: the thread's start and end, the next and previous case of the inbox's
list, a case by its id, the side panel on narrow terminals and the timeline's order."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from triage_tui.screens.case_view import CaseView
from triage_tui.screens.dialog import ASKING
from triage_tui.screens.go_to_case import GoToCaseModal, follow_in_inbox, go_to_binding
from triage_tui.screens.threads import in_thread
from triage_tui.store.queries import CaseFilter
from triage_tui.widgets.case_list import CaseList

STEPPING = "case-step"
"""The worker group of J and K (one step at a time: a press while a case opens is dropped, not queued)."""


class CaseNavigation(CaseView):
    """The case view with its navigation keys (the case screen adds the decisions)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "i",
            "toggle_side",
            "Side panel",
            id="case.toggle_side",
            tooltip="Show or hide impacts, notes, timeline…",
        ),
        Binding(
            "g,home", "thread_start", "Thread start", show=False, id="case.thread_start", tooltip="The first message"
        ),
        Binding("G,end", "thread_end", "Thread end", show=False, id="case.thread_end", tooltip="The end of the thread"),
        Binding(
            "J",
            "next_case",
            "Next case",
            show=False,
            id="case.next_case",
            tooltip="The inbox's next case (its order and filter)",
        ),
        Binding(
            "K",
            "previous_case",
            "Previous case",
            show=False,
            id="case.previous_case",
            tooltip="The inbox's previous case (order and filter)",
        ),
        go_to_binding("case"),
        Binding(
            "o",
            "timeline_order",
            "Timeline order",
            show=False,
            id="case.timeline_order",
            tooltip="Newest event first, or oldest first again",
        ),
    ]

    _stepping = False
    """Whether J or K is opening a case now."""

    def action_thread_start(self) -> None:
        self.message_index = 0
        self.query_one("#thread").scroll_home(animate=False)

    def action_thread_end(self) -> None:
        self.message_index = max(0, len(self._messages()) - 1)
        self.query_one("#thread").scroll_end(animate=False)

    def action_toggle_side(self) -> None:
        self.context.case_side_shown = not self.side_shown()
        self.place_side()

    def action_timeline_order(self) -> None:
        newest = self.context.timeline_newest_first = not self.context.timeline_newest_first
        if self.detail is not None:
            self.query_one("#case-timeline", Static).update(self._timeline())
        self.notify(
            "The timeline lists the newest event first." if newest else "The timeline lists the oldest event first.",
            title="Timeline",
        )

    @work(group=ASKING)
    async def action_go_to_case(self) -> None:
        case_id = await self.app.push_screen_wait(GoToCaseModal(self.reads.case_ids, self.reads.case_ids_ending))
        if case_id is not None and case_id != self.case_id:
            follow_in_inbox(self.app, case_id)
            await self.show_case(case_id)

    def action_next_case(self) -> None:
        self._step(1)

    def action_previous_case(self) -> None:
        self._step(-1)

    def _inbox(self) -> tuple[CaseFilter, CaseList] | None:
        """The inbox under this screen: the filter it shows and its list (None if there is none)."""
        inbox: Screen[object] = self.app.screen_stack[0]
        case_filter = getattr(inbox, "case_filter", None)
        lists = inbox.query(CaseList)
        if inbox is self or not isinstance(case_filter, CaseFilter) or not lists:
            return None
        return case_filter, lists.first()

    @work(group=STEPPING)
    async def _step(self, step: int) -> None:
        if self._stepping:
            return  # a step is under way: this press is dropped rather than queued behind it
        self._stepping = True
        try:
            await self._step_once(step)
        finally:
            self._stepping = False

    async def _step_once(self, step: int) -> None:
        inbox = self._inbox()
        if inbox is None:
            self.notify("There is no inbox list to go through.", title="Cases")
            return
        case_filter, case_list = inbox
        current = case_list.current_case
        if current is None or current.id != self.case_id:
            self.notify(
                f"{self.case_id} is not under the inbox's cursor: J and K go through the inbox's list from there.",
                title="Cases",
            )
            return
        target = case_list.cursor + step
        if not 0 <= target < case_list.count:
            where = "last" if step > 0 else "first"
            self.notify(f"This is the {where} case of the inbox's list.", title="Cases")
            return
        reads = self.reads
        page = await in_thread(self, lambda: reads.page(case_filter, target, 1), name="Reading the next case")
        if not page or self.app.screen is not self:
            return
        case_list.cursor = target  # the inbox's cursor follows, so going back shows this case under it
        await self.show_case(page[0].id)
