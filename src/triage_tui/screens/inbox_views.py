"""Provides the inbox's actions that open other views: the matrix of the cases shown (m), go to a case (: or #), and
the team's views: refused events (R), changed keys (K), the roster (T)."""

from __future__ import annotations

from functools import partial

from textual.screen import Screen

from triage_tui.screens.context import AppContext
from triage_tui.screens.inbox_lines import filter_words
from triage_tui.store.queries import CaseFilter
from triage_tui.store.reads import InboxCount


class InboxViews(Screen[None]):
    """The inbox's `m`, and its `R`, `K` and `T` (bound in inbox_keys.TEAM_BINDINGS)."""

    context: AppContext
    case_filter: CaseFilter
    count: InboxCount | None

    def action_matrix(self) -> None:
        """Open the impact matrix over the cases the inbox shows (its filter and search apply)."""
        from triage_tui.screens.matrix import MatrixScreen

        described = filter_words(self.case_filter) or "every case"
        if self.case_filter.hides_closed and (self.count is None or self.count.hidden_closed):
            described += " but the closed ones" if described == "every case" else ", closed hidden"
        if self.case_filter.search:
            described += f" matching '{self.case_filter.search}'"
        self.app.push_screen(MatrixScreen(self.context, self.case_filter, described))

    def action_go_to_case(self) -> None:
        """Ask for a case id and open that case."""
        from triage_tui.screens.go_to_case import GoToCaseModal, open_chosen

        reads = self.context.reads
        self.app.push_screen(GoToCaseModal(reads.case_ids, reads.case_ids_ending), partial(open_chosen, self.app))

    def action_rejected_events(self) -> None:
        """Open the list of refused team events."""
        from triage_tui.screens.rejected_events import RejectedEventsScreen

        self.app.push_screen(RejectedEventsScreen(self.context.store, self.context.member_names))

    def action_changed_keys(self) -> None:
        """Open the list of changed signing keys."""
        from triage_tui.screens.changed_keys import ChangedKeysScreen

        self.app.push_screen(ChangedKeysScreen(self.context))

    def action_team(self) -> None:
        """Open the team's roster."""
        from triage_tui.screens.team import TeamScreen

        self.app.push_screen(TeamScreen(self.context))
