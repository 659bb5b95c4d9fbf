"""Provides what the Team screen shows, read without Textual: the roster's members as `team members` lists them, and
one sentence saying what this workstation's own user may decide (from the roster, or from the config without one)."""

from __future__ import annotations

from dataclasses import dataclass

from triage_tui.config import Config
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.hlc import Timestamp
from triage_tui.team.roles import TeamRoles, config_roles
from triage_tui.team.roster import COORDINATOR, Member
from triage_tui.team.roster_receipt import load_history

COORDINATOR_RIGHTS = "You are a coordinator: you make every decision on every case"


@dataclass(frozen=True)
class TeamView:
    """The team as this workstation knows it."""

    team: bool
    """Whether the workspace syncs with a team at all (`[team]` in its config)."""
    roster: bool
    """Whether the store holds an accepted roster (else roles come from the config)."""
    members: list[Member]
    """The roster's members, present or removed, coordinators first, by name (empty without a roster)."""
    you: str
    """One sentence: this workstation's role and what it may decide."""
    own_member: str | None
    """The member id of this workstation's user, when the roster holds their key."""


def read_team_view(connection: EitherConnection, config: Config | None) -> TeamView:
    """The team view of the store's roster (folded from its roster events) for `config`'s identity."""
    if config is None or config.team is None:
        return TeamView(False, False, [], "This workspace is not on a team: you decide everything here alone", None)
    me = config.identity.fingerprint.upper()
    history = load_history(connection, config.team.coordinators)
    if not history.exists:
        return TeamView(True, False, [], role_line(me, config_roles(config)), None)
    members = sorted(history.current.members.values(), key=lambda m: (m.role != COORDINATOR, m.name, m.member_id))
    holder = history.current.holder(me)
    if holder is None:
        you = "You are not on the team's roster: the team refuses events you sign until a coordinator adds you"
    elif holder.removed_at is not None:
        you = f"You were removed from the team on {when(holder.removed_at)} UTC: the team refuses events you sign"
    elif not holder.active or holder.current_key.fingerprint != me:
        you = "Your key is no longer your current key on the roster: the team refuses events it signs"
    else:
        you = role_line(me, history.current.current_roles())
    return TeamView(True, True, members, you, holder.member_id if holder else None)


def role_line(me: str, roles: TeamRoles) -> str:
    """What the key `me` may decide under `roles`: "You are a maintainer of pip: you set pip's cells and add notes;
    coordinators decide the rest"."""
    if me in roles.coordinators:
        return COORDINATOR_RIGHTS
    projects = sorted(p for p, keys in roles.maintainers.items() if me in keys)
    if not projects:
        return "You hold no role on the team: the team refuses events you sign"
    named = projects[0] if len(projects) == 1 else f"{', '.join(projects[:-1])} and {projects[-1]}"
    cells = f"{projects[0]}'s" if len(projects) == 1 else "their"
    return f"You are a maintainer of {named}: you set {cells} cells and add notes; coordinators decide the rest"


def when(moment: Timestamp) -> str:
    """A roster time as a reader reads it, in UTC: `2026-06-01 12:00`."""
    return moment.moment().strftime("%Y-%m-%d %H:%M")
