"""Provides who may accept a changed signing key: a coordinator (every user of a workstation without team sync is)."""

from __future__ import annotations

from triage_tui.config import Config


def may_accept_keys(config: Config | None) -> bool:
    """Whether this workstation's user is a coordinator, so their acceptance of a changed key counts."""
    if config is None or config.team is None:
        return True
    return config.identity.fingerprint.upper() in {f.upper() for f in config.team.coordinators}
