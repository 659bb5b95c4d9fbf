"""Provides how screens take triage decisions: each runs on the app's TriageService in a thread worker and ends in
`ActionDone`, which the app handles (it notifies, a refusal as a warning, and re-reads every view of cases)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen

from triage_tui.screens.refusable import Refused, attempt, close_done

if TYPE_CHECKING:
    from triage_tui.screens.context import AppContext
    from triage_tui.services.triage import Event, TriageService

ValueT = TypeVar("ValueT")


@dataclass(frozen=True)
class Outcome:
    """What an action reports: the notification text, and whether part of it was refused."""

    text: str
    refused: bool = False


@dataclass
class ActionDone(Message):
    """A triage action finished (or was refused: `ok` False, `text` says why); posted to the app."""

    case_ids: tuple[str, ...]
    text: str
    ok: bool
    refused: bool = False
    follow_up: Callable[[], None] | None = field(default=None, repr=False)
    """Called (on the UI thread) once the views are re-read, if the action was done."""


Work = Callable[["TriageService"], Outcome]
"""One triage decision, run on the app's TriageService in a worker thread."""


def run_action(
    node: DOMNode,
    context: AppContext,
    case_ids: Sequence[str],
    work: Work,
    *,
    follow_up: Callable[[], None] | None = None,
) -> None:
    """Run `work` on the app's TriageService in a thread worker of `node`; the app receives `ActionDone`."""
    app = node.app
    ids = tuple(case_ids)

    def perform() -> None:
        from triage_tui.services.triage import TriageError

        try:
            outcome = work(context.triage())
        except TriageError as error:
            app.post_message(ActionDone(ids, str(error), ok=False))
            return
        app.post_message(ActionDone(ids, outcome.text, ok=True, refused=outcome.refused, follow_up=follow_up))

    node.run_worker(perform, thread=True, group="triage", exit_on_error=False, name="triage action")


@dataclass(frozen=True)
class Decision(Generic[ValueT]):
    """How a dialog's value becomes one triage decision, taken before the dialog closes: refused, the dialog stays
    open with its input and the reason; done, it closes and the app gets `ActionDone` (notified, views re-read)."""

    context: AppContext
    case_ids: tuple[str, ...]
    work: Callable[[ValueT], Work]
    follow_up: Callable[[], None] | None = field(default=None, repr=False)

    def take(self, dialog: ModalScreen[ValueT | None], value: ValueT) -> None:
        """Decide `value` for `dialog` (which closes with it once the decision is stored)."""
        work = self.work(value)
        context = self.context

        def job() -> Outcome:
            from triage_tui.services.triage import TriageError

            try:
                return work(context.triage())
            except TriageError as error:
                raise Refused(str(error)) from error

        def done(outcome: Outcome) -> None:
            close_done(dialog, value)
            text, refused = outcome.text, outcome.refused
            dialog.app.post_message(ActionDone(self.case_ids, text, ok=True, refused=refused, follow_up=self.follow_up))

        attempt(dialog, job, done)


def submit(dialog: ModalScreen[ValueT | None], decision: Decision[ValueT] | None, value: ValueT) -> None:
    """Close `dialog` with `value`, or, given a decision, take it first (a refusal keeps the dialog open)."""
    if decision is None:
        dialog.dismiss(value)
    else:
        decision.take(dialog, value)


def bulk_outcome(
    service: TriageService, case_ids: Sequence[str], action: Callable[[TriageService, str], Event], done: str
) -> Outcome:
    """Apply `action` to every case with `TriageService.bulk`; refusals are collected into one outcome."""
    result = service.bulk(case_ids, action)
    text = f"{done} {len(result.events)} of {len(case_ids)} cases"
    refusals = result.refusals
    if refusals:
        text += "; refused: " + "; ".join(refusals)
    return Outcome(text, refused=bool(refusals))
