"""Tests for the encrypted store: SQLCipher with a random key kept encrypted to the user's key, with the real gpg."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, Keyring
from triage_tui.services.store_key import StoreUnlock, key_file_of, unlock_store
from triage_tui.store import cipher
from triage_tui.store.connection import StoreError, prepare_database, reader
from triage_tui.store.migrations import LATEST_VERSION
from ui_fixtures import seeded_store, small_inbox

PHRASES = [b"crafted sdist", b"../../.bashrc", b"path traversal in tarfile"]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "triage.db"
    yield path
    cipher.forget_key(path)


def _raw_bytes(database: Path) -> bytes:
    """The database file and its WAL as they are on disk, whatever the connections hold."""
    parts = [database, database.with_name(database.name + "-wal")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


def _titles(database: Path) -> list[str]:
    with reader(database) as connection:
        return [row[0] for row in connection.execute("SELECT title FROM cases ORDER BY id")]


def _unlock(database: Path, ring: Keyring) -> StoreUnlock:
    return unlock_store(database, ring.fingerprint, ring.home)


def test_a_new_store_is_encrypted_under_a_key_only_its_owner_can_read(database: Path, gpg_world: GpgWorld) -> None:
    assert _unlock(database, gpg_world.team) is StoreUnlock.CREATED
    key_file = key_file_of(database)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PGP MESSAGE-----")
    seeded_store(database, small_inbox())
    assert "pip: path traversal in tarfile extraction of sdists" in _titles(database)
    assert database.stat().st_mode & 0o777 == 0o600  # and its WAL, which SQLite creates with the same mode
    raw = _raw_bytes(database)
    assert not raw.startswith(cipher.PLAIN_HEADER)
    assert not any(phrase in raw for phrase in PHRASES)
    # Without the key (a stolen laptop, or a process that did not unlock) the file cannot be opened.
    cipher.forget_key(database)
    with pytest.raises(StoreError, match="encrypted and was not unlocked"):
        prepare_database(database)
    # The next start decrypts the same key through gpg.
    assert _unlock(database, gpg_world.team) is StoreUnlock.OPENED
    assert len(_titles(database)) == len({m.subject for m in small_inbox() if not m.subject.startswith("Re:")})


def test_an_older_plain_store_is_encrypted_in_place_with_nothing_lost(database: Path, gpg_world: GpgWorld) -> None:
    seeded_store(database, small_inbox())
    before = _titles(database)
    assert cipher.PLAIN_HEADER == database.read_bytes()[:16] and b"crafted sdist" in _raw_bytes(database)
    assert _unlock(database, gpg_world.team) is StoreUnlock.ENCRYPTED
    assert _titles(database) == before
    with reader(database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        hits = connection.execute("SELECT count(*) FROM message_fts WHERE message_fts MATCH 'bashrc'").fetchone()[0]
    assert hits >= 1
    assert not any(phrase in _raw_bytes(database) for phrase in PHRASES)
    assert not database.with_name("triage.db.encrypting").exists()
    assert database.stat().st_mode & 0o777 == 0o600


def test_an_encryption_cut_short_after_the_key_was_written_is_finished(database: Path, gpg_world: GpgWorld) -> None:
    assert _unlock(database, gpg_world.team) is StoreUnlock.CREATED  # the key file, no database yet
    cipher.forget_key(database)
    seeded_store(database, small_inbox())  # a plain file where the encrypted copy should have been
    assert _unlock(database, gpg_world.team) is StoreUnlock.ENCRYPTED
    assert _titles(database) and not any(phrase in _raw_bytes(database) for phrase in PHRASES)


def test_an_encrypted_store_without_its_key_file_is_not_given_a_new_key(database: Path, gpg_world: GpgWorld) -> None:
    _unlock(database, gpg_world.team)
    seeded_store(database, small_inbox())
    cipher.forget_key(database)
    key_file_of(database).unlink()
    with pytest.raises(StoreError, match=r"key file .* is missing"):
        _unlock(database, gpg_world.team)
    assert not key_file_of(database).exists()


def test_no_key_is_made_for_an_identity_without_its_secret_key(database: Path, gpg_world: GpgWorld) -> None:
    # The team's keyring holds the reporter's public key only: a store encrypted to it could never be opened.
    with pytest.raises(StoreError, match="no secret key"):
        unlock_store(database, gpg_world.reporter.fingerprint, gpg_world.team.home)
    assert not key_file_of(database).exists() and not database.exists()


def test_a_key_file_for_someone_else_says_what_is_needed(database: Path, gpg_world: GpgWorld) -> None:
    _unlock(database, gpg_world.outsider)
    cipher.forget_key(database)
    with pytest.raises(StoreError, match="cannot unlock the store: gpg could not decrypt"):
        _unlock(database, gpg_world.team)
    assert not cipher.has_key(database)


@pytest.fixture(scope="module")
def synced_demo() -> Iterator[Path]:
    """A demo workspace built and synced by the command line, as `make demo` does."""
    home = Path(tempfile.mkdtemp(prefix="tte", dir="/tmp"))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "triage_tui", "demo", "--home", str(home), "--cases", "12", "--no-open"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "now encrypted" not in result.stderr and "back both up together" in result.stderr
        yield home
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home / "gnupg"), "--kill", "all"], check=False)
        shutil.rmtree(home, ignore_errors=True)


def _cli_json(home: Path, *args: str) -> object:
    result = subprocess.run(
        [sys.executable, "-m", "triage_tui", *args, "--home", str(home), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TRIAGE_TUI_HOME": ""},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_raw_database_and_wal_hold_no_phrase_of_the_synced_reports(synced_demo: Path) -> None:
    """A fresh process unlocks the store through gpg and reads every report; the bytes on disk show none of them."""
    cases = _cli_json(synced_demo, "cases")
    assert isinstance(cases, list) and len(cases) == 12
    phrases: set[str] = set()
    for case in cases:
        phrases.add(case["title"])
        shown = _cli_json(synced_demo, "show", case["id"])
        assert isinstance(shown, dict)
        for message in shown["messages"]:
            # Whole lines of the decrypted bodies: long enough to be the report's own words.
            phrases.update(line.strip() for line in message["body"].splitlines() if len(line.strip()) >= 24)
    assert len(phrases) > 50
    raw = _raw_bytes(synced_demo / "triage.db")
    assert len(raw) > 100_000
    found = [phrase for phrase in phrases if phrase.encode() in raw]
    assert found == []
    assert b"SQLite format 3" not in raw[:100]
