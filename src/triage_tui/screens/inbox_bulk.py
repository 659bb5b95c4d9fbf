"""Provides the inbox's bulk actions on the selected cases: ask (a confirmation, an assignee, labels), then apply to
each case through `TriageService.bulk`, the refusals collected into one notification."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from triage_tui.screens.context import AppContext
from triage_tui.screens.decisions import Outcome, Work, bulk_outcome, run_action
from triage_tui.screens.inbox_undo import InboxDecision, Taken
from triage_tui.screens.options import parse_labels, team_suggestions
from triage_tui.screens.questions import ConfirmModal, TextModal
from triage_tui.widgets.selectable_case_list import BulkAction, SelectableCaseList

if TYPE_CHECKING:
    from triage_tui.services.triage import Event, TriageService
    from triage_tui.store.store import Store


async def ask_and_run(
    screen: Screen[None],
    context: AppContext,
    cases: SelectableCaseList,
    action: BulkAction,
    remember: Callable[[InboxDecision], None],
) -> None:
    """Ask what `action` needs for the cases selected in `cases`, then run it; once done the selection clears and
    `remember` is given the decision (for `u` to undo as a whole)."""
    count = len(cases.selected)
    rule = context.coordinators_only()  # closing, assigning and labelling are a coordinator's decisions
    if rule is not None:
        screen.notify(f"Not yours to decide: {rule}.", title="Team", severity="warning")
        return
    if action == "close":
        noun = "case" if count == 1 else "cases"
        if not await screen.app.push_screen_wait(ConfirmModal(f"Close {count} selected {noun} as spam?")):
            return
        taken = Taken("closed as spam")
        decide = close_as_spam(sorted(cases.selected), taken)
    elif action == "assign":
        assignee = await screen.app.push_screen_wait(
            TextModal(
                f"Assign {count} selected cases to…",
                "",
                "enter assign · down: teams",
                placeholder="a person, or team:<project>",
                suggestions=team_suggestions(context.projects),
            )
        )
        if assignee is None:
            return
        taken = Taken(f"assigned {assignee.strip()}" if assignee.strip() else "unassigned")
        decide = assign(sorted(cases.selected), assignee.strip(), taken)
    else:
        typed = await screen.app.push_screen_wait(
            TextModal(
                f"Add labels to {count} selected cases",
                "",
                "comma- or space-separated; added to each case's labels · enter save",
            )
        )
        if typed is None:
            return
        taken = Taken(f"labelled {', '.join(parse_labels(typed))}")
        decide = add_labels(context.store, sorted(cases.selected), typed, taken)

    def done() -> None:
        cases.clear_selection()
        decision = taken.decision()
        if decision is not None:
            remember(decision)

    run_action(screen, context, sorted(cases.selected), decide, follow_up=done)


def close_as_spam(case_ids: list[str], taken: Taken) -> Work:
    """Close every case as spam."""

    def decide(service: TriageService) -> Outcome:
        from triage_tui.domain import Disposition

        return bulk_outcome(
            service, case_ids, taken.capturing(lambda s, c: s.close(c, Disposition.SPAM)), "Closed as spam"
        )

    return decide


def assign(case_ids: list[str], assignee: str, taken: Taken) -> Work:
    """Assign every case to `assignee` (empty: unassign them)."""

    def decide(service: TriageService) -> Outcome:
        who = assignee or None
        done = f"Assigned {who} to" if who else "Unassigned"
        return bulk_outcome(service, case_ids, taken.capturing(lambda s, c: s.assign(c, who)), done)

    return decide


def add_labels(store: Store, case_ids: list[str], typed: str, taken: Taken) -> Work:
    """Add the labels typed to each case's own."""
    added = parse_labels(typed)

    def decide(service: TriageService) -> Outcome:
        from triage_tui.store.duplicate_reads import case_extras

        def add(triage: TriageService, case_id: str) -> Event:
            with store.read() as connection:
                extras = case_extras(connection, case_id)
            current = list(extras.labels) if extras else []
            return triage.set_labels(case_id, [*current, *added])

        return bulk_outcome(service, case_ids, taken.capturing(add), f"Labelled {', '.join(added)} on")

    return decide
