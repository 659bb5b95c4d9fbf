"""Says in one line when this workstation's identity is not a current key of the roster (rotated away, removed,
revoked, never added), and which team folders it can no longer read, so a sync that takes in nothing says why."""

from __future__ import annotations

from pathlib import Path

from triage_tui.config.tables import TeamConfig
from triage_tui.team.folders import FolderPlan
from triage_tui.team.roles import TeamRoles
from triage_tui.team.roster import COORDINATOR, Member, Roster, RosterHistory


def identity_problem(history: RosterHistory, team: TeamConfig, me: str, config_path: Path | None = None) -> str | None:
    """None while `me` is the current, valid key of a present member (or no roster exists yet: the config's roles
    decide); else one line naming what happened to the key and the folders its member read. `config_path`: the config
    file, read again once the key was rotated (rotate-key writes the new key there while a running app holds the old
    one)."""
    if not history.exists:
        return None
    me = me.upper()
    roster = history.current
    member = roster.holder(me)
    if member is None:
        return f"this workstation's key {me} is not on the team's roster: it reads nothing until a coordinator adds it"
    key = next(k for k in member.keys if k.fingerprint == me)
    if member.removed_at is not None:
        what = f"was removed from the team at {member.removed_at.iso()}"
    elif key.revoked_since is not None:
        what = f"is revoked since {key.revoked_since.iso()}"
    elif key.valid_until is not None:
        rotated = f"{member.current_key.fingerprint} at {key.valid_until.iso()}"
        written = written_identity(config_path) if config_path is not None else None
        written_already = written == member.current_key.fingerprint
        then = "config.toml names it already: restart triage-tui to use it" if written_already else None
        what = f"was rotated to {rotated} ({then or 'set identity.fingerprint to it'})"
    else:
        return None
    lost = _folders_of(member, roster, team)
    cannot = f"; it can no longer read {', '.join(lost)}" if lost else ""
    return f"this workstation's key {me} ({member.name}) {what}{cannot}"


def _folders_of(member: Member, roster: Roster, team: TeamConfig) -> tuple[str, ...]:
    """The folders the member's key read while it was current."""
    projects = {p for m in roster.members.values() for p in m.projects}
    fingerprint = member.current_key.fingerprint
    if member.role == COORDINATOR:
        roles = TeamRoles(frozenset({fingerprint}), {p: frozenset() for p in projects})
    else:
        roles = TeamRoles(frozenset(), {p: frozenset({fingerprint}) for p in member.projects})
    return FolderPlan.of(team, roles, fingerprint).reads()


def written_identity(path: Path) -> str | None:
    """The fingerprint the config file at `path` names now, or None when it cannot be read."""
    from triage_tui.config import ConfigError, load_config

    try:
        return load_config(path).identity.fingerprint.upper()
    except ConfigError:
        return None
