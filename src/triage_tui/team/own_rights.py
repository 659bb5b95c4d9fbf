"""What this workstation's own user may decide on the team: a coordinator's decisions are offered only to a
coordinator (the roster's once there is one, else the config's), so a screen says the rule when a maintainer asks for
one instead of recording a decision every workstation would refuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from triage_tui.config import Config
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.rights import CHANGES_RULE, MERGE_RULE, changes_rule
from triage_tui.team.roles import config_roles
from triage_tui.team.roster_receipt import current_roles


@dataclass(frozen=True)
class OwnStanding:
    """What this user may decide on the team, read once and kept by the screens (re-read after a sync: the roster may
    have changed): their footers and palette offer a coordinator's decisions to a coordinator only."""

    coordinator: bool
    """Whether they make a coordinator's decisions (always, without a team)."""
    projects: tuple[str, ...] = ()
    """The projects they maintain, in id order (empty for a coordinator who maintains none, or without a team)."""


ON_ONE_S_OWN = OwnStanding(coordinator=True)
"""The standing of a workspace with no team sync: every decision is its user's."""


def own_standing(config: Config | None, connection: EitherConnection) -> OwnStanding:
    """This user's standing: the roster's roles once there is one, else the config's (`is_coordinator`)."""
    if config is None or config.team is None:
        return ON_ONE_S_OWN
    roles = current_roles(connection, config.team.coordinators, config_roles(config))
    me = config.identity.fingerprint.upper()
    maintained = tuple(sorted(roles.maintained.get(me, frozenset())))
    return OwnStanding(me in roles.coordinators, maintained)


def is_coordinator(config: Config | None, connection: EitherConnection) -> bool:
    """Whether this user makes a coordinator's decisions: with no team sync, always; with a roster in the store, if
    the roster makes their key a coordinator's; else if `[team] coordinators` names it."""
    return own_standing(config, connection).coordinator


def coordinators_only(config: Config | None, connection: EitherConnection, *, merge: bool = False) -> str | None:
    """None if this user may make a coordinator's decision (a change of the case's fields, or a `merge`), else the
    rule every workstation would refuse it by."""
    return coordinators_rule(own_standing(config, connection), merge=merge)


def coordinators_rule(standing: OwnStanding, *, merge: bool = False) -> str | None:
    """`coordinators_only` for a standing already read (no query: what a screen asks on every key)."""
    if standing.coordinator:
        return None
    return MERGE_RULE if merge else CHANGES_RULE


REPLY_RULE = "a maintainer does not write to reporters; the coordinators do"
"""Why a maintainer's workstation offers no reply: the reporter hears from the team's coordinators only."""


def replies_refused(config: Config | None, connection: EitherConnection) -> str | None:
    """None if this user writes to reporters (no team sync, or a coordinator), else the rule that says who does."""
    return reply_rule(own_standing(config, connection))


def reply_rule(standing: OwnStanding) -> str | None:
    """`replies_refused` for a standing already read."""
    return None if standing.coordinator else REPLY_RULE


def changes_refused(config: Config | None, connection: EitherConnection, fields: Iterable[str]) -> str | None:
    """None if this user may change the case's `fields`, else the rule every workstation would refuse it by, naming
    them as the refusal of the event itself does (said before any other rule: whose decision it is comes first)."""
    if is_coordinator(config, connection):
        return None
    return changes_rule(fields)
