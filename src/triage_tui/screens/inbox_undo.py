"""Provides undoing from the inbox: the last decision taken there (a bulk one as a whole) is remembered with its
events, and `u` undoes every one of them through `TriageService.undo`, saying what was put back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.screen import Screen

from triage_tui.screens.context import AppContext
from triage_tui.screens.decisions import Outcome, Work, run_action

if TYPE_CHECKING:
    from triage_tui.services.triage import Event, TriageService

CaseAction = Callable[["TriageService", str], "Event"]
"""One decision on one case, as `TriageService.bulk` applies it."""


@dataclass(frozen=True)
class InboxDecision:
    """A decision taken from the inbox: what it was ("closed as spam") and the event it recorded on each case."""

    described: str
    event_ids: tuple[int, ...]
    case_ids: tuple[str, ...]


class Taken:
    """The events a bulk decision records, gathered in its worker and read on the UI thread once it is done."""

    def __init__(self, described: str) -> None:
        self.described = described
        self.events: list[Event] = []

    def capturing(self, action: CaseAction) -> CaseAction:
        """`action`, keeping the event it records on each case."""

        def act(service: TriageService, case_id: str) -> Event:
            event = action(service, case_id)
            self.events.append(event)
            return event

        return act

    def decision(self) -> InboxDecision | None:
        """The decision to undo, if it recorded any event."""
        if not self.events:
            return None
        events = tuple(self.events)
        return InboxDecision(self.described, tuple(e.id for e in events), tuple(e.case_id for e in events))


def undo_decision(decision: InboxDecision) -> Work:
    """Undo every event of `decision`, newest first; a case changed since is refused and named, the rest undone."""

    def undo(service: TriageService) -> Outcome:
        from triage_tui.services.triage import TriageError

        undone: list[str] = []
        refusals: list[str] = []
        for event_id, case_id in reversed(list(zip(decision.event_ids, decision.case_ids, strict=True))):
            try:
                service.undo(event_id)
            except TriageError as error:
                refusals.append(f"{case_id}: {error}")
            else:
                undone.append(case_id)
        noun = "case" if len(decision.case_ids) == 1 else "cases"
        text = f"Undone: {decision.described} on {len(undone)} of {len(decision.case_ids)} {noun}"
        if undone:
            text += f" ({', '.join(sorted(undone))})"
        if refusals:
            text += "; refused: " + "; ".join(refusals)
        return Outcome(text + ".", refused=bool(refusals))

    return undo


class InboxUndo(Screen[None]):
    """The inbox's `u`: the last decision taken from the inbox is kept, and undone as a whole."""

    context: AppContext
    last_decision: InboxDecision | None = None
    """The last decision taken from the inbox, which `u` undoes."""

    def _remember(self, decision: InboxDecision) -> None:
        self.last_decision = decision
        self.refresh_bindings()

    def _forget(self) -> None:
        self.last_decision = None
        self.refresh_bindings()

    def action_undo(self) -> None:
        """Undo the last decision taken from the inbox (a bulk one on every case it touched)."""
        decision = self.last_decision
        if decision is None:
            self.notify("Nothing decided from the inbox yet, so nothing to undo.", title="Undo")
            return
        run_action(self, self.context, decision.case_ids, undo_decision(decision), follow_up=self._forget)
