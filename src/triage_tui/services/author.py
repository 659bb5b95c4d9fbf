"""Provides who decisions are recorded as: the same name whether the screens or the command line decide."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage_tui.config import Config


def author_name(config: Config | None) -> str:
    """Who decisions are recorded as: the config's identity name (or email), else the login name."""
    if config is not None:
        return str(config.identity.name or config.identity.email)
    return getpass.getuser()
