"""Forgets what this process remembers of team events between syncs (decoded events, cases' states, the folded
roster), so a measurement applies events as a process that has never seen them does."""

from __future__ import annotations

from triage_tui.team import case_states, events, link_rule


def forget_all() -> None:
    """Start over as a new process would: nothing decoded, no case's state, no roster folded remembered."""
    with case_states._lock:
        case_states._remembered.clear()
    with events._decoded_lock:
        events._decoded.clear()
        events._decoded_bytes = 0
    link_rule._folded.clear()
