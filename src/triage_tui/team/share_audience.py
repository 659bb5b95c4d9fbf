"""Refuses, on a maintainer's workstation, a coordinator's share that names none of their projects: a copy another
member decrypted and sent on to the wrong folder (a share is signed, but not bound to where it was sent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from triage_tui.team.envelope import Opened, Rejection
from triage_tui.team.roster import RosterHistory


def refuse_misdirected(judged: Sequence[Opened], me: str, roster: RosterHistory) -> list[Opened]:
    """`judged` with each accepted share that names none of the projects `me` maintains refused: a coordinator
    reads every case, so only a maintainer's workstation checks it, and only in a team with a roster (the lab's
    single folder holds every share, each encrypted to its readers alone)."""
    if not roster.exists:
        return list(judged)
    roles = roster.current.current_roles()
    if me in roles.coordinators:
        return list(judged)
    mine = roles.maintained.get(me, frozenset())
    return [_judged(item, mine) for item in judged]


def _judged(item: Opened, mine: frozenset[str]) -> Opened:
    share = item.event.share if item.event is not None and item.rejection is None else None
    if share is None:
        return item
    named = {str(project) for project in share.get("projects") or []}
    if named & mine:
        return item
    shown = ", ".join(sorted(named)[:5]) or "none"
    return replace(item, rejection=Rejection.MISDIRECTED, detail=f"it names the projects {shown}, none of yours")
