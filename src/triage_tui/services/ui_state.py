"""Provides the workspace's small file of screen preferences (the theme): read leniently, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

UI_STATE_FILE = "ui-state.json"
SCREENSHOTS_FOLDER = "screenshots"
# Only a handful of names live here; anything larger was not written by us and is ignored unread.
_MAX_BYTES = 16 * 1024


def ui_state_path(data_dir: Path) -> Path:
    """Where the workspace whose store is in `data_dir` keeps its screen preferences (nothing secret goes there)."""
    return data_dir / UI_STATE_FILE


def read_ui_state(path: Path) -> dict[str, str]:
    """The saved preferences: string values only; a missing, oversized, unreadable or malformed file is none."""
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_BYTES + 1)
    except OSError:
        return {}
    if len(data) > _MAX_BYTES:
        return {}
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {key: value for key, value in found.items() if isinstance(key, str) and isinstance(value, str)}


def save_ui_state(path: Path, **values: str) -> None:
    """Merge `values` into the saved preferences, replacing the file in one step (a crash leaves the old one)."""
    state = read_ui_state(path) | values
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".ui-state-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(state, file, indent=2, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def screenshots_folder(data_dir: Path) -> Path:
    """The workspace's screenshots folder, made (private to the user) if it is missing."""
    folder = data_dir / SCREENSHOTS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
