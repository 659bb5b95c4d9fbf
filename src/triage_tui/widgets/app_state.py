"""Provides the app's remembered theme (restored at start, saved on every change) and screenshots saved to a folder
that exists, with a notification that says where."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App
from textual.theme import Theme

from triage_tui.services.ui_state import read_ui_state, save_ui_state, screenshots_folder, ui_state_path


def remember_theme(app: App[None], data_dir: Path) -> None:
    """Put back the theme saved for this workspace (a name no longer known is ignored) and save every later change,
    whether made from the palette's "Theme" or by code."""
    path = ui_state_path(data_dir)
    saved = read_ui_state(path).get("theme")
    if saved is not None and saved in app.available_themes:
        app.theme = saved

    def save(theme: Theme) -> None:
        if read_ui_state(path).get("theme") == theme.name:
            return
        try:
            save_ui_state(path, theme=theme.name)
        except OSError as error:
            app.notify(
                f"The theme could not be saved for the next start ({error.strerror or 'the disk refused it'}).",
                severity="warning",
                markup=False,
            )

    app.theme_changed_signal.subscribe(app, save)


def save_screenshot(app: App[None], data_dir: Path, filename: str | None, path: str | None) -> str | None:
    """Save an SVG of the screen into `path` or the workspace's screenshots folder (made when missing) and say where;
    a folder that cannot be written gets a sentence, not a crash."""
    try:
        folder = Path(path).expanduser() if path else screenshots_folder(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        saved = app.save_screenshot(filename, str(folder))
        os.chmod(saved, 0o600)  # it shows decrypted reports: readable by the user only, as exports are
    except OSError as error:
        app.notify(
            f"The screenshot could not be saved ({error.strerror or 'the folder refused it'}).",
            title="Screenshot",
            severity="error",
            markup=False,
        )
        return None
    app.notify(f"Screenshot saved to {saved}.", title="Screenshot", markup=False)
    return saved
