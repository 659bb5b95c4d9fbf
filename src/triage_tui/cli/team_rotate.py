"""Provides `triage-tui team rotate-key NEW_FPR`: the roster's key-rotate event, then (unless `--keep-identity`) the
store's key re-encrypted to the new key and `[identity] fingerprint` in config.toml changed to it, so nothing is left
to edit by hand.

The order is the one in which a crash at any point leaves a workspace that opens and a command that finishes when
run again: (1) everything that could refuse is checked first (the new key can hold the store's key, the config can be
edited in place), so a refusal changes nothing; (2) the roster event, the team's decision (a refused rotation leaves
the workstation as it was); (3) the store's key file, renamed over atomically with the previous one kept: gpg opens
it with whichever of the two secret keys here it is encrypted to; (4) the config last, so a config naming the new key
always comes with a key file that the new key opens (the old secret key may then be retired). Run again after a
crash, a rotation the roster already holds is not recorded twice: the local steps are done again (both are
idempotent)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_OK, CliError
from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    import gnupg

    from triage_tui.config import Config
    from triage_tui.store.store import Store
    from triage_tui.workspace import Workspace


def run_rotate(
    store: Store, config: Config, workspace: Workspace, gpg: gnupg.GPG, args: argparse.Namespace, out: TextIO
) -> int:
    """`team rotate-key`: exit 2 naming the problem when nothing changed."""
    from triage_tui.config.identity_writing import IdentityWriteError, with_identity_fingerprint
    from triage_tui.services.store_key import check_store_recipient
    from triage_tui.store.connection import StoreError
    from triage_tui.team import roster_writes as writes

    old = config.identity.fingerprint.upper()
    try:
        new = writes.fingerprint_of(args.new_fingerprint)
    except writes.RosterRefused as error:
        raise CliError(neutralise_line(str(error))) from None
    if new == old:
        raise CliError(f"identity.fingerprint already names {new}: nothing to rotate")
    problem = None if _rotated_already(store, config, old, new) else writes.rotation_problem(gpg, old, new)
    if problem is not None:
        raise CliError(neutralise_line(problem) + "; nothing changed")
    local = not args.keep_identity
    if local:
        try:
            check_store_recipient(new, config.gnupg_home())
            with_identity_fingerprint(_config_text(workspace.config_path), new)
        except (StoreError, IdentityWriteError) as error:
            raise CliError(f"{neutralise_line(str(error))}; nothing changed (or --keep-identity)") from None
    if _rotated_already(store, config, old, new):
        out.write(f"roster: key {old} is rotated to {new} already\n")
    else:
        try:
            writes.rotate_key(store, config, gpg, new)
        except writes.RosterRefused as error:
            raise CliError(neutralise_line(str(error))) from None
        out.write(
            f"roster: key {old} rotated to {new}; the change waits to be sent to every member (triage-tui sync)\n"
        )
    if not local:
        out.write(f"identity kept: `triage-tui rekey {new}`, then set identity.fingerprint in config.toml to it\n")
        return EXIT_OK
    _switch_identity(workspace, config, old, new, out)
    return EXIT_OK


def _rotated_already(store: Store, config: Config, old: str, new: str) -> bool:
    """The roster holds this rotation already: a crash came after it was recorded."""
    from triage_tui.team.roster_receipt import load_history

    founders = config.team.coordinators if config.team else ()
    with store.read() as connection:
        member = load_history(connection, founders).current.holder(old)
    return member is not None and [key.fingerprint for key in member.keys][-2:] == [old, new]


def _switch_identity(workspace: Workspace, config: Config, old: str, new: str, out: TextIO) -> None:
    """The store's key to the new key (as `triage-tui rekey` does), then the config's identity (read back)."""
    from triage_tui.config import ConfigError, load_config
    from triage_tui.config.identity_writing import IdentityWriteError, with_identity_fingerprint
    from triage_tui.services.safe_write import WriteError, write_new_file
    from triage_tui.services.store_key import key_file_of, rekey_store
    from triage_tui.store.connection import StoreError

    then = f"the roster's rotation is recorded: finish with `triage-tui team rotate-key {new}` once that is fixed"
    database = workspace.database_path
    try:
        kept = rekey_store(database, new, config.gnupg_home(), current_fingerprint=old)
    except StoreError as error:
        raise CliError(f"{neutralise_line(str(error))}; {then}") from None
    out.write(f"{key_file_of(database)} is now encrypted to {new} (the previous one is kept as {kept})\n")
    path = workspace.config_path
    try:
        text = with_identity_fingerprint(_config_text(path), new)
        write_new_file(path, text.encode("utf-8"), overwrite=True)
        written = load_config(path).identity.fingerprint.upper()
    except (IdentityWriteError, WriteError, ConfigError) as error:
        raise CliError(f"{neutralise_line(str(error))}; {then}") from None
    if written != new:
        raise CliError(f"{path} reads back identity.fingerprint {written}, not {new}; {then}")
    out.write(f"{path}: identity.fingerprint is now {new}; this workstation signs with it from now on\n")


def _config_text(path: Path) -> str:
    """The config's exact text (bytes decoded as they are: no newline translation, so every byte is kept)."""
    from triage_tui.config.identity_writing import IdentityWriteError

    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IdentityWriteError(f"cannot read {path} ({error})") from None
