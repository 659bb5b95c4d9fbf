"""Provides opening a workspace: its encrypted store unlocked (or created) first, and the workstation on it."""

from __future__ import annotations

from typing import TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK
from triage_tui.config import Config
from triage_tui.store.store import Store
from triage_tui.workspace import Workspace


def unlock(workspace: Workspace, config: Config, err: TextIO) -> None:
    """Unlock (or on first use create) the encrypted store before anything opens it."""
    from triage_tui.services.store_key import StoreUnlock, key_file_of, unlock_store
    from triage_tui.untrusted import neutralise_line

    def say_waiting(holder: int | None) -> None:
        who = f"another triage-tui (pid {holder})" if holder else "another triage-tui"
        print(f"triage-tui: waiting for {who} to finish setting up the store…", file=err, flush=True)

    outcome = unlock_store(
        workspace.database_path, config.identity.fingerprint, config.gnupg_home(), on_wait=say_waiting
    )
    if outcome is StoreUnlock.ENCRYPTED:
        print(neutralise_line(f"triage-tui: {workspace.database_path} is now encrypted at rest"), file=err)
    if outcome is not StoreUnlock.OPENED:  # the paths are the typed --home's: neutralised
        key_file = key_file_of(workspace.database_path)
        print(
            neutralise_line(f"triage-tui: its key is {key_file}, encrypted to your OpenPGP key; back both up together"),
            file=err,
        )


def open_app(store: Store, config: Config) -> int:
    """Run the workstation on `store` until the user leaves it."""
    from triage_tui.app import TriageApp

    app = TriageApp(store, config)
    app.run()
    return EXIT_FAILED if app.return_code else EXIT_OK  # 1 after a failure the app ended with (one line on stderr)
