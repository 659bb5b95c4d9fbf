"""Names the team's members by their keys: every roster key fingerprint, current or former, to its member's name,
so what a member signed is shown under their name rather than a fingerprint."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.roster_receipt import load_history


def member_names(connection: EitherConnection, founders: Iterable[str]) -> dict[str, str]:
    """Every key of every member the store's roster knows (removed members and rotated keys too) -> their name;
    empty without a roster (the config's fingerprints name nobody)."""
    history = load_history(connection, founders)
    return {key.fingerprint: member.name for member in history.current.members.values() for key in member.keys}
