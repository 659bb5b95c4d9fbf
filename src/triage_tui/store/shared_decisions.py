"""Provides what sharing a decision with the team reads in the decision's transaction: where the team log's clock
stands (its newest applied event, received ones included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection


def newest_applied_at(connection: WriteConnection) -> str | None:
    """The timestamp text of the team log's newest applied event; None while the log has none."""
    newest = connection.exec_driver_sql("SELECT max(at) FROM team_events WHERE status = 'applied'").scalar()
    return str(newest) if newest else None
