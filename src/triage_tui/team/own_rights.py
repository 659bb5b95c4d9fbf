"""What this workstation's own user may decide on the team: a coordinator's decisions are offered only to a
coordinator (the roster's once there is one, else the config's), so a screen says the rule when a maintainer asks for
one instead of recording a decision every workstation would refuse."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.config import Config
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.rights import CHANGES_RULE, changes_rule
from triage_tui.team.roles import config_roles
from triage_tui.team.roster_receipt import current_roles


def is_coordinator(config: Config | None, connection: EitherConnection) -> bool:
    """Whether this user makes a coordinator's decisions: with no team sync, always; with a roster in the store, if
    the roster makes their key a coordinator's; else if `[team] coordinators` names it."""
    if config is None or config.team is None:
        return True
    roles = current_roles(connection, config.team.coordinators, config_roles(config))
    return config.identity.fingerprint.upper() in roles.coordinators


def coordinators_only(config: Config | None, connection: EitherConnection, *, merge: bool = False) -> str | None:
    """None if this user may make a coordinator's decision (a change of the case's fields, or a `merge`), else the
    rule every workstation would refuse it by."""
    if is_coordinator(config, connection):
        return None
    return "only a coordinator merges cases" if merge else CHANGES_RULE


REPLY_RULE = "a maintainer does not write to reporters; the coordinators do"
"""Why a maintainer's workstation offers no reply: the reporter hears from the team's coordinators only."""


def replies_refused(config: Config | None, connection: EitherConnection) -> str | None:
    """None if this user writes to reporters (no team sync, or a coordinator), else the rule that says who does."""
    return None if is_coordinator(config, connection) else REPLY_RULE


def changes_refused(config: Config | None, connection: EitherConnection, fields: Iterable[str]) -> str | None:
    """None if this user may change the case's `fields`, else the rule every workstation would refuse it by, naming
    them as the refusal of the event itself does (said before any other rule: whose decision it is comes first)."""
    if is_coordinator(config, connection):
        return None
    return changes_rule(fields)
