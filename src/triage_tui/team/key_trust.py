"""Provides who may accept a changed signing key: a coordinator (the roster's once there is one, else the config's;
every user of a workstation without team sync is one)."""

from __future__ import annotations

from triage_tui.config import Config
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.own_rights import is_coordinator


def may_accept_keys(config: Config | None, connection: EitherConnection | None = None) -> bool:
    """Whether this workstation's user is a coordinator, so their acceptance of a changed key counts: with a roster
    in the store (read through `connection`), the roster decides, as every receiver of the acceptance will judge it;
    without one, the config's `[team] coordinators`."""
    if config is None or config.team is None:
        return True
    if connection is not None:
        return is_coordinator(config, connection)
    return config.identity.fingerprint.upper() in {f.upper() for f in config.team.coordinators}
