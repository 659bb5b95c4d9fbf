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
    let_pinentry_use_this_terminal()
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


def let_pinentry_use_this_terminal() -> None:
    """GPG_TTY set to this process's terminal (when it has one and it is not set), so a passphrase can be asked."""
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
    _write_durably(temporary, armour)
    _rename_durably(temporary, path)


def _write_durably(path: Path, data: bytes) -> None:
    """A new private file `path` (an older one of that name is replaced) holding `data`, flushed to the disk."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _rename_durably(source: Path, target: Path) -> None:
    """Rename `source` over `target` atomically, and make the rename itself durable."""
    os.replace(source, target)
    _fsync_folder(target.parent)


def _fsync_folder(path: Path) -> None:
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


OLD_KEY_FILE_SUFFIX = ".old"


class RekeyRefused(StoreError):
    """Rekeying was refused before anything changed: the reason, in one line."""


def rekey_store(database: Path, new_fingerprint: str, gnupg_home: Path | None, *, current_fingerprint: str) -> Path:
    """Re-encrypt the store's key (the same 32 bytes; the data is not touched) to `new_fingerprint`; return where the
    previous key file is kept.

    The new key must be in GnuPG with a usable encryption subkey and its secret half, or the store could be locked to
    a key nobody here holds. The new file is written beside the old one (fsync), proven by decrypting it, and renamed
    over it; a crash at any point leaves a key file that opens the store. Held under the workspace's setup lock.
    """
    let_pinentry_use_this_terminal()
    key_file = key_file_of(database)
    with workspace_lock(lock_file_of(database, "setup"), wait=True):
        if not key_file.exists():
            if cipher.has_content(database) and not cipher.is_plain_database(database):
                raise RekeyRefused(f"{database} is encrypted but its key file {key_file} is missing; restore it first")
            raise RekeyRefused(
                f"{database} is not an encrypted store (no key file {key_file}); nothing to rekey: open it once "
                "with triage-tui to encrypt it"
            )
        if cipher.is_plain_database(database):
            raise RekeyRefused(f"{database} is a plain store (not yet encrypted); open it once with triage-tui first")
        check_store_recipient(new_fingerprint, gnupg_home)
        key = _decrypt_key(key_file, current_fingerprint, gnupg_home)
        import gnupg

        gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
        armour = _encrypt_key(gpg, key, new_fingerprint)
        fresh = key_file.with_name(key_file.name + ".new")
        old = key_file.with_name(key_file.name + OLD_KEY_FILE_SUFFIX)
        replaced = False
        try:
            _write_durably(fresh, armour)
            if _decrypt_key(fresh, new_fingerprint, gnupg_home) != key:
                raise RekeyRefused(f"the key file written for {new_fingerprint} does not decrypt to the store's key")
            staged_old = old.with_name(old.name + ".new")
            _write_durably(staged_old, key_file.read_bytes())
            _rename_durably(staged_old, old)
            os.replace(fresh, key_file)
            replaced = True
            _fsync_folder(key_file.parent)
        except BaseException as error:
            fresh.unlink(missing_ok=True)
            if isinstance(error, OSError) and not replaced:
                raise StoreError(
                    f"cannot replace {key_file} ({error.strerror or error}); it is left as it was, encrypted to "
                    f"{current_fingerprint}"
                ) from None
            raise
        return old


def check_store_recipient(fingerprint: str, gnupg_home: Path | None) -> None:
    """Refuse (RekeyRefused, one line) unless GnuPG holds `fingerprint` as a primary key that can encrypt now and
    whose secret encryption key is here."""
    where = f"GnuPG ({gnupg_home or 'default home'})"
    public = _colon_listing("--list-keys", fingerprint, gnupg_home)
    primary = next((r for r in public if r[0] == "pub"), None)
    if primary is None:
        raise RekeyRefused(f"{where} has no key {fingerprint}; import the new key (public and secret) first")
    if (primary_fingerprint := _fingerprint_after(public, "pub")) != fingerprint:
        raise RekeyRefused(f"{fingerprint} is a subkey of {primary_fingerprint}; give the primary key's fingerprint")
    if primary[1] in _UNUSABLE or "D" in _field(primary, 11):
        raise RekeyRefused(f"key {fingerprint} is {_UNUSABLE.get(primary[1], 'disabled')}; choose a valid key")
    usable = {_key_id(r) for r in public if r[0] in ("pub", "sub") and "e" in _field(r, 11) and r[1] not in _UNUSABLE}
    if not usable:
        raise RekeyRefused(f"key {fingerprint} has no usable encryption subkey (revoked, expired or none)")
    secret = _colon_listing("--list-secret-keys", fingerprint, gnupg_home)
    held = {_key_id(r) for r in secret if r[0] in ("sec", "ssb") and _field(r, 14) not in ("", "#")}
    if not secret:
        raise RekeyRefused(
            f"{where} has the public key {fingerprint} but not its secret key; the store would be locked to a key "
            "nobody here holds: import the secret key first"
        )
    if not usable & held:
        raise RekeyRefused(
            f"{where} has no secret for an encryption subkey of {fingerprint} (only stubs); import the secret subkey"
        )


_UNUSABLE = {"r": "revoked", "e": "expired", "i": "invalid"}
"""Validity letters of gpg's colon listing that make a key unusable, and what they mean."""


def _field(record: list[str], index: int) -> str:
    return record[index] if len(record) > index else ""


def _key_id(record: list[str]) -> str:
    return _field(record, 4)


def _fingerprint_after(records: list[list[str]], kind: str) -> str:
    """The fingerprint that follows the first `kind` record."""
    for index, record in enumerate(records):
        if record[0] == kind:
            following = records[index + 1] if index + 1 < len(records) else []
            return _field(following, 9) if following and following[0] == "fpr" else ""
    return ""


def _colon_listing(command: str, fingerprint: str, gnupg_home: Path | None) -> list[list[str]]:
    """gpg's machine-readable listing of `fingerprint` (empty when gpg has no such key)."""
    argv = [shutil.which("gpg") or "gpg", "--batch", "--no-tty", "--with-colons", "--fixed-list-mode", command]
    if gnupg_home is not None:
        argv[1:1] = ["--homedir", str(gnupg_home)]
    try:
        done = subprocess.run([*argv, "--", fingerprint], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StoreError(f"cannot look up key {fingerprint}: gpg did not run ({error})") from None
    if done.returncode != 0:
        return []
    return [line.split(":") for line in done.stdout.decode("utf-8", "replace").splitlines() if line]
