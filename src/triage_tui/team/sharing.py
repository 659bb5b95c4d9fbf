"""Provides the team's side of triage decisions: each one recorded as a team event, signed by the identity's key
later and sent, in the same transaction as the decision itself (services' `DecisionSharer`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.services.decision_sharing import SharingRefused
from triage_tui.store.team_log_store import newest_applied_at
from triage_tui.team.events import EventFormatError, TeamEvent
from triage_tui.team.hlc import HybridClock, Timestamp
from triage_tui.team.link_rule import linked_by_coordinators
from triage_tui.team.log import case_ref, record_local, team_event_of, with_report_refs
from triage_tui.team.rights import MERGE_RULE, rights_problem, unlinked_case_rule, unlinked_cells_rule
from triage_tui.team.roles import TeamRoles, config_roles
from triage_tui.team.roster_receipt import load_history

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.store.case_writes import WriteConnection
    from triage_tui.team.roster import RosterHistory


class TeamSharer:
    """Shares the decisions made here as team events authored by the key `fingerprint`."""

    def __init__(
        self,
        fingerprint: str,
        founders: Sequence[str] = (),
        config_roles: TeamRoles | None = None,
        config: Config | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        self._clock = HybridClock()
        self.founders = founders
        self.config_roles = config_roles
        """With roles (a workspace's config): each decision is first checked against its author's rights as every
        receiver will check it (the roster's roles once there is one, else these)."""
        self._config = config
        """The workspace's config: a decision by a key the roster no longer holds current says what became of it."""

    def share(
        self, connection: WriteConnection, case_id: str, kind: str, payload: Mapping[str, Any], at: datetime
    ) -> datetime | None:
        """Record the decision as a team event too, in the same transaction (it waits there while offline); the
        event's time as every receiver stores it (None: the decision makes no team event)."""
        # The clock goes on after the newest applied event in the log (received ones included, which may have come
        # in since this workstation last decided), whatever the wall clock says now.
        newest = newest_applied_at(connection)
        if newest:
            self._clock.observe(Timestamp.parse(newest))
        event = team_event_of(kind, payload, case_id, self.fingerprint, self._clock.now())
        self._check_rights(connection, case_id, kind, event)
        if event is None:
            return None
        try:
            named = with_report_refs(connection, replace(event, ref=case_ref(connection, case_id)))
            record_local(connection, named, at.astimezone(UTC), case_id)
        except EventFormatError as error:  # what every other workstation would refuse is not decided here
            raise SharingRefused(str(error)) from None
        return event.at.moment()  # as `materialize` stores a received one

    def _check_rights(self, connection: WriteConnection, case_id: str, kind: str, event: TeamEvent | None) -> None:
        """SharingRefused naming the rule if the decision is beyond this workstation's user's rights."""
        if self.config_roles is None:
            return
        roster = load_history(connection, self.founders)
        roles = roster.current.current_roles() if roster.exists else self.config_roles
        if self.fingerprint in roles.coordinators:
            return
        problem = self._stale_key(roster) if self.fingerprint not in roles.members else None
        if problem is None and kind == "merge":
            problem = MERGE_RULE
        if event is not None and problem is None:
            problem = rights_problem(event, roles)  # as every receiver judges it: from the event alone
        if event is not None and problem is None:
            maintained = roles.maintained.get(self.fingerprint, frozenset())
            problem = _unlinked(connection, case_id, event, roster, maintained)
        if problem is not None:
            raise SharingRefused(problem)

    def _stale_key(self, roster: RosterHistory) -> str | None:
        """What became of this workstation's key when the roster no longer holds it current (rotated while the app
        ran, revoked, removed), rather than the bare rule every receiver would refuse its decisions by."""
        if self._config is None or self._config.team is None:
            return None
        from triage_tui.team.identity_check import identity_problem

        found = identity_problem(roster, self._config.team, self.fingerprint, self._config.path)
        return f"not recorded: {found}" if found is not None else None


def _unlinked(
    connection: WriteConnection, case_id: str, event: TeamEvent, roster: RosterHistory, maintained: frozenset[str]
) -> str | None:
    """The rule a maintainer's event breaks when no coordinator's event has linked any of their projects (`maintained`)
    to the case here (a note on a case they only guessed the id of, or one a coordinator unlinked), or its cells
    when no coordinator's event has linked their project: every receiver would ignore them (`CaseState.apply`), so
    none is recorded."""
    linked = linked_by_coordinators(connection, case_id, roster)
    if linked is None:
        return None
    cells = {project for project, cell in event.impacts.items() if cell is not None}
    if maintained.isdisjoint(linked):
        return unlinked_case_rule(cells)
    if cells <= linked:
        return None
    return unlinked_cells_rule(cells - linked)


def sharer_for(config: Config | None) -> TeamSharer | None:
    """The sharer of a workspace with team sync on (every decision is then a team event signed with the identity's
    key); None without a config or a `[team]` table."""
    if config is None or config.team is None:
        return None
    return TeamSharer(config.identity.fingerprint, config.team.coordinators, config_roles(config), config)
