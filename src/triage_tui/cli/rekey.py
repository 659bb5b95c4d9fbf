"""Provides `triage-tui rekey NEW_FPR`: the store's key re-encrypted to a new identity key (the data is untouched)."""

from __future__ import annotations

import re
from typing import TextIO

from triage_tui.cli.output import EXIT_OK, CliError
from triage_tui.config import Config
from triage_tui.untrusted import neutralise_line
from triage_tui.workspace import Workspace

_FINGERPRINT = re.compile(r"(?:[0-9A-Fa-f] *){40}")


def rekey(workspace: Workspace, config: Config, typed: str, out: TextIO, err: TextIO) -> int:
    """Re-encrypt the workspace's store key to the key `typed` names; print the config line to change."""
    from triage_tui.services.store_key import key_file_of, rekey_store

    if not _FINGERPRINT.fullmatch(typed.strip()):
        raise CliError(f"NEW_FPR {neutralise_line(typed[:100])!r} is not a 40-hex-digit key fingerprint")
    new = typed.replace(" ", "").upper()
    database = workspace.database_path
    old = rekey_store(database, new, config.gnupg_home(), current_fingerprint=config.identity.fingerprint)
    print(f"triage-tui: {key_file_of(database)} is now encrypted to {new} (the store's data is unchanged)", file=err)
    print(f"triage-tui: the previous key file is kept as {old}, encrypted to the old key", file=err)
    if config.identity.fingerprint == new:
        print(f"{workspace.config_path} already names it as identity.fingerprint", file=out)
    else:
        print(f"now change identity.fingerprint in {workspace.config_path} ([identity]) to:", file=out)
        print(f'fingerprint = "{new}"', file=out)
    return EXIT_OK
