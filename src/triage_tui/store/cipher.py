"""Provides the store's SQLite driver: SQLCipher's build of SQLite, opening each database with its key if it has one.

One driver serves both encrypted stores and older plain ones (SQLCipher without a key is plain SQLite), so every
connection, stdlib-style or SQLAlchemy's, comes from `connect`. Keys live in this process's memory only: the
services layer unlocks them through gpg (`services.store_key`) and registers them here before the store is opened.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import cast

import sqlcipher3.dbapi2 as dbapi

__all__ = ["DatabaseError", "OperationalError", "Row", "connect", "dbapi", "register_key"]

KEY_BYTES = 32
PAGE_SIZE = 8192
PLAIN_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of a plain SQLite file; an encrypted one starts with its random salt."""

DatabaseError: type[Exception] = dbapi.DatabaseError
OperationalError: type[Exception] = dbapi.OperationalError
Row: type[sqlite3.Row] = dbapi.Row
"""SQLCipher's row class, the same shape as sqlite3's."""

_keys: dict[str, bytes] = {}


def _unchanged_none(value: None) -> None:
    return value


# SQLCipher's module binds only exact str, int and float directly; any other value goes through its adapter lookup,
# whose miss (no adapter, no __adapt__, no __conform__) costs about 1 microsecond a value, four times a str's. A
# registered adapter is a dictionary hit: None and bytes, which every team event's row binds several of, then cost
# a quarter of that. Both adapters hand the value back unchanged: NULL and BLOB are stored as before.
dbapi.register_adapter(type(None), _unchanged_none)
dbapi.register_adapter(bytes, bytes)  # bytes(b) is b itself for bytes, in C


def _slot(path: Path) -> str:
    # abspath, not resolve(): no file-system calls on every connection.
    return os.path.abspath(path)


def register_key(path: Path, key: bytes) -> None:
    """Open the database at `path` with `key` from now on, in this process."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a store key is {KEY_BYTES} bytes, not {len(key)}")
    _keys[_slot(path)] = key


def forget_key(path: Path) -> None:
    """Open the database at `path` without a key again (tests, and a workspace closed for good)."""
    _keys.pop(_slot(path), None)


def has_key(path: Path) -> bool:
    """Whether connections to `path` are opened with a key."""
    return _slot(path) in _keys


def _key_pragmas(key: bytes, schema: str = "main") -> list[str]:
    # A raw 256-bit key (x'…') skips SQLCipher's PBKDF2 step: the key is already random, and every connection
    # would otherwise pay for 256,000 rounds of key derivation. The page size is not readable from an encrypted
    # file's header, so every connection has to state it.
    return [f"PRAGMA {schema}.key = \"x'{key.hex()}'\"", f"PRAGMA {schema}.cipher_page_size = {PAGE_SIZE}"]


def connect(path: Path, **options: object) -> sqlite3.Connection:
    """A connection to the store at `path` (sqlite3's API), keyed if a key is registered for it."""
    connection = dbapi.connect(os.fspath(path), **options)  # fspath: None is an error, not a file named "None"
    key = _keys.get(_slot(path))
    if key is not None:
        try:
            for pragma in _key_pragmas(key):
                connection.execute(pragma)
        except BaseException:
            connection.close()
            raise
    return cast(sqlite3.Connection, connection)


def create_private(path: Path) -> None:
    """Create `path` empty and readable by its owner only, if it does not exist (SQLite gives its WAL and shared-memory
    files the database file's mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        pass


def is_plain_database(path: Path) -> bool:
    """Whether `path` is an unencrypted SQLite file with content (an empty or missing file is neither)."""
    try:
        with path.open("rb") as file:
            return file.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def has_content(path: Path) -> bool:
    """Whether `path` exists and is not empty."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def encrypt_database(path: Path, key: bytes) -> None:
    """Replace the plain database at `path` with an encrypted copy under `key`; nothing else may have it open.

    The copy is written beside it and renamed over it, so a crash leaves either the plain file or the encrypted one,
    never half of each. The caller keeps the key somewhere first, or the copy could not be opened again.
    """
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    create_private(target)
    plain = dbapi.connect(str(path), isolation_level=None)
    try:
        # Fold the WAL into the file first, so the copy sees every committed change and the old WAL can go.
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(target),))
        plain.execute(f"PRAGMA encrypted.cipher_page_size = {PAGE_SIZE}")
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    copy = dbapi.connect(str(target), isolation_level=None)
    try:
        for pragma in _key_pragmas(key):
            copy.execute(pragma)
        copy.execute("PRAGMA journal_mode = WAL")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise DatabaseError(f"{target}: the encrypted copy does not check out; {path} is left as it was")
    finally:
        copy.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(target, path)
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
