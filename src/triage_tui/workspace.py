"""Provides the workspace location: `--home`, else `$TRIAGE_TUI_HOME`, else platformdirs' defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "triage-tui"
HOME_ENV = "TRIAGE_TUI_HOME"
CONFIG_FILE = "config.toml"
DATABASE_FILE = "triage.db"


@dataclass(frozen=True)
class Workspace:
    """Where the config file and the database live."""

    config_path: Path
    data_dir: Path

    @property
    def database_path(self) -> Path:
        """The SQLite store of this workspace."""
        return self.data_dir / DATABASE_FILE

    @property
    def root(self) -> Path:
        """The folder holding the config file."""
        return self.config_path.parent


def resolve_workspace(home: str | os.PathLike[str] | None = None) -> Workspace:
    """Find the workspace from an explicit `home`, the environment, or platformdirs.

    With a home folder (given or from the environment) both files live in it; otherwise the config
    lives in the user config dir and the database in the user data dir.
    """
    chosen = home if home is not None else os.environ.get(HOME_ENV) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return Workspace(config_path=root / CONFIG_FILE, data_dir=root)
    import platformdirs

    return Workspace(
        config_path=Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE,
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
    )
