"""Provides unlocking the encrypted store: a random key kept beside the database, encrypted to the user's OpenPGP key.

At start the key file is decrypted through gpg (so gpg-agent asks for the passphrase, or already holds it) and the
key is handed to the store's driver for this process only. The first unlock of a workspace makes the key; an older
plain `triage.db` found then is encrypted in place.
"""

from __future__ import annotations

import enum
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from triage_tui.store import cipher
from triage_tui.store.connection import StoreError

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


def unlock_store(database: Path, fingerprint: str, gnupg_home: Path | None) -> StoreUnlock:
    """Make connections to `database` use its key, creating the key (and encrypting a plain store) if there is none.

    StoreError says what is wrong and what to do when the key cannot be had.
    """
    import gnupg

    _let_pinentry_use_this_terminal()
    gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
    key_file = key_file_of(database)
    plain = cipher.is_plain_database(database)
    if key_file.exists():
        key = _decrypt_key(gpg, key_file, fingerprint)
        outcome = StoreUnlock.OPENED
    elif cipher.has_content(database) and not plain:
        raise StoreError(f"{database} is encrypted but its key file {key_file} is missing; restore it from your backup")
    else:
        key = secrets.token_bytes(cipher.KEY_BYTES)
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


def _encrypt_key(gpg: Any, key: bytes, fingerprint: str) -> bytes:
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


def _decrypt_key(gpg: Any, key_file: Path, fingerprint: str) -> bytes:
    result = gpg.decrypt(key_file.read_bytes())
    key = bytes(result.data)
    if not result.ok or len(key) != cipher.KEY_BYTES:
        raise StoreError(
            f"cannot unlock the store: gpg could not decrypt {key_file} ({result.status or 'no answer'}); it needs "
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
