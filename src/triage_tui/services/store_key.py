"""Provides unlocking the encrypted store: a random key kept beside the database, encrypted to the user's OpenPGP key.

At start the key file is decrypted through gpg (so gpg-agent asks for the passphrase, or already holds it) and the
key is handed to the store's driver for this process only. The first unlock of a workspace makes the key; an older
plain `triage.db` found then is encrypted in place. Both happen under the workspace's setup lock, so processes
starting together on a new or plain store take turns instead of each making a key of its own.
"""

from __future__ import annotations

import enum
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.services.workspace_lock import lock_file_of, workspace_lock
from triage_tui.store import cipher
from triage_tui.store.connection import StoreError
from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    import gnupg

KEY_FILE_SUFFIX = ".key.asc"


class StoreUnlock(enum.Enum):
    """What unlocking found."""

    OPENED = "opened"
    """The key file was there and decrypted."""
    CREATED = "created"
    """A new workspace: a key was made for it."""
    ENCRYPTED = "encrypted"
    """An older plain store was encrypted under a new key."""


def key_file_of(database: Path) -> Path:
    """Where the encrypted key of `database` is kept."""
    return database.with_name(database.name + KEY_FILE_SUFFIX)


def unlock_store(
    database: Path,
    fingerprint: str,
    gnupg_home: Path | None,
    *,
    on_wait: Callable[[int | None], None] | None = None,
) -> StoreUnlock:
    """Make connections to `database` use its key, creating the key (and encrypting a plain store) if there is none.

    Setting a store up is serialised by the workspace's setup lock; `on_wait` is told the pid of the process being
    waited for. StoreError says what is wrong and what to do when the key cannot be had.
    """
    _let_pinentry_use_this_terminal()
    key_file = key_file_of(database)
    # The usual start: the key file is written before a store is encrypted under it, so once it exists and the
    # store is not plain, there is nothing to set up and nothing to wait for.
    if key_file.exists() and not cipher.is_plain_database(database):
        cipher.register_key(database, _decrypt_key(key_file, fingerprint, gnupg_home))
        return StoreUnlock.OPENED
    with workspace_lock(lock_file_of(database, "setup"), wait=True, on_wait=on_wait):
        # Looked at again under the lock: the process waited for may have set the store up meanwhile.
        return _set_up_store(database, key_file, fingerprint, gnupg_home)


def _set_up_store(database: Path, key_file: Path, fingerprint: str, gnupg_home: Path | None) -> StoreUnlock:
    """Unlock, create the key of, or encrypt the store; only while holding the setup lock."""
    plain = cipher.is_plain_database(database)
    if key_file.exists():
        key = _decrypt_key(key_file, fingerprint, gnupg_home)
        outcome = StoreUnlock.OPENED
    elif cipher.has_content(database) and not plain:
        raise StoreError(f"{database} is encrypted but its key file {key_file} is missing; restore it from your backup")
    else:
        import gnupg

        key = secrets.token_bytes(cipher.KEY_BYTES)
        gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
        _write_key_file(key_file, _encrypt_key(gpg, key, fingerprint))
        outcome = StoreUnlock.ENCRYPTED if plain else StoreUnlock.CREATED
    if plain:
        # Also finishes an encryption a crash interrupted after the key file was written.
        try:
            cipher.encrypt_database(database, key)
        except (cipher.DatabaseError, OSError) as error:
            raise StoreError(f"{database}: cannot encrypt the store ({error}); it is left as it was") from None
        outcome = StoreUnlock.ENCRYPTED
    cipher.register_key(database, key)
    return outcome


def _let_pinentry_use_this_terminal() -> None:
    # gpg-agent's curses pinentry asks on the terminal named by GPG_TTY; without it a passphrase prompt has nowhere
    # to appear (gpg's own documentation asks users to export it).
    if "GPG_TTY" not in os.environ and sys.stdin is not None and sys.stdin.isatty():
        os.environ["GPG_TTY"] = os.ttyname(sys.stdin.fileno())


def _encrypt_key(gpg: gnupg.GPG, key: bytes, fingerprint: str) -> bytes:
    # Only to a key whose secret half is here: a store encrypted to a key we cannot use would be lost at once.
    if not gpg.list_keys(secret=True, keys=[fingerprint]):
        raise StoreError(
            f"the store is encrypted to your own key, but GnuPG ({gpg.gnupghome or 'default home'}) has no secret "
            f"key {fingerprint} (identity.fingerprint); import it or fix the config"
        )
    result = gpg.encrypt(key, [fingerprint], armor=True, always_trust=True)
    if not result.ok:
        raise StoreError(f"cannot encrypt the store's key to {fingerprint}: {result.status}")
    return bytes(str(result), "ascii")


def _decrypt_key(key_file: Path, fingerprint: str, gnupg_home: Path | None) -> bytes:
    # gpg itself, not python-gnupg: this runs at every start, before the app sets its malloc arenas, and
    # python-gnupg's reader threads (and its `gpg --version` probe) would cost start-up time and resident memory.
    command = [shutil.which("gpg") or "gpg", "--batch", "--quiet", "--no-tty", "--decrypt", str(key_file)]
    if gnupg_home is not None:
        command[1:1] = ["--homedir", str(gnupg_home)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StoreError(f"cannot unlock the store: gpg did not run ({error})") from None
    key = done.stdout
    if done.returncode != 0 or len(key) != cipher.KEY_BYTES:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = neutralise_line(lines[-1][:200]) if lines else ""  # gpg's last word on it
        raise StoreError(
            f"cannot unlock the store: gpg could not decrypt {key_file} ({said or 'no answer'}); it needs "
            f"the secret key {fingerprint} and its passphrase (is gpg-agent running, and GPG_TTY set?)"
        )
    return key


def _write_key_file(path: Path, armour: bytes) -> None:
    """Write the key file durably before anything is encrypted under it: a temporary file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(armour)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
