"""Provides the seam through which triage decisions reach the team: a sharer records each decision as a team event
in the decision's own transaction. Services define it and team implements it, so services never import team."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection


class SharingRefused(Exception):
    """The team's workstations would refuse the decision as a team event; the message says why."""


class DecisionSharer(Protocol):
    """Records a decision (an event of the case's audit log) as a team event, to be sent."""

    def share(
        self, connection: WriteConnection, case_id: str, kind: str, payload: Mapping[str, Any], at: datetime
    ) -> datetime | None:
        """Record the decision in the transaction of `connection` (it waits there while offline) and return the time
        the team event carries (None if the decision makes none), which the decision is then recorded at here too:
        every workstation shows it at that time. SharingRefused if every other workstation would refuse it, so it is
        not decided here either."""
        ...
