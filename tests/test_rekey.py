"""Tests `triage-tui rekey NEW_FPR`: the store's key re-encrypted to a new identity key with the real gpg; nothing
lost on a refusal or a crash."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gpg_fixtures import Keyring, exchange, generate_key, kill_and_remove, make_home, new_keyring
from triage_tui.services.store_key import RekeyRefused, key_file_of, rekey_store, unlock_store
from triage_tui.store import cipher
from triage_tui.store.connection import StoreError
from ui_fixtures import seeded_store, small_inbox

NEW_EMAIL = "new@team.example.com"


@dataclass(frozen=True)
class Rings:
    me: Keyring  # my old key, then my new one too (both secret)
    old_only: Keyring  # a copy of my keyring from before the new key: the old secret key only
    new_only: Path  # a copy of my keyring after the new key, without the old one
    new_fingerprint: str
    public_only: str  # someone's key whose public half only is in my keyring


@pytest.fixture(scope="module")
def rings() -> Iterator[Rings]:
    me = new_keyring("old@team.example.com")
    old_only = make_home()
    shutil.rmtree(old_only)
    shutil.copytree(me.home, old_only, ignore=shutil.ignore_patterns("S.*", "*.lock"))
    import gnupg

    new_fingerprint = generate_key(me.gpg, NEW_EMAIL)
    new_only = make_home()
    shutil.rmtree(new_only)
    shutil.copytree(me.home, new_only, ignore=shutil.ignore_patterns("S.*", "*.lock"))
    subprocess.run(
        ["gpg", "--homedir", str(new_only), "--batch", "--yes", "--delete-secret-and-public-keys", me.fingerprint],
        check=True,
        capture_output=True,
    )
    someone = new_keyring("someone@example.org")
    exchange(someone, me)
    try:
        old_ring = Keyring(old_only, gnupg.GPG(gnupghome=str(old_only)), me.fingerprint, me.email)
        yield Rings(me, old_ring, new_only, new_fingerprint, someone.fingerprint)
    finally:
        for home in (me.home, old_only, new_only, someone.home):
            kill_and_remove(home)


def _config(home: Path, fingerprint: str, ring: Keyring) -> None:
    (home / "config.toml").write_text(
        f'[identity]\nname = "Me"\nemail = "{ring.email}"\nfingerprint = "{fingerprint}"\ngnupg_home = "{ring.home}"\n'
        '\n[projects.pip]\nname = "pip"\npackages = ["pip"]\n'
    )


@pytest.fixture
def home(tmp_path: Path, rings: Rings) -> Iterator[Path]:
    _config(tmp_path, rings.me.fingerprint, rings.me)
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    unlock_store(database, rings.me.fingerprint, rings.me.home)
    cipher.forget_key(database)
    yield tmp_path
    cipher.forget_key(database)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TRIAGE_TUI_HOME": ""},
    )


def case_ids(home: Path) -> list[str]:
    done = cli(home, "cases", "--json")
    assert done.returncode == 0, done.stderr
    return sorted(case["id"] for case in json.loads(done.stdout))


def decrypts(key_file: Path, ring_home: Path) -> bool:
    done = subprocess.run(
        ["gpg", "--homedir", str(ring_home), "--batch", "--decrypt", str(key_file)], capture_output=True, check=False
    )
    return done.returncode == 0 and len(done.stdout) == cipher.KEY_BYTES


def test_after_rekey_the_store_opens_with_the_new_key_and_every_case_is_there(home: Path, rings: Rings) -> None:
    before = case_ids(home)
    assert len(before) >= 3
    old_bytes = key_file_of(home / "triage.db").read_bytes()
    done = cli(home, "rekey", rings.new_fingerprint)
    assert done.returncode == 0, done.stderr
    assert f'fingerprint = "{rings.new_fingerprint}"' in done.stdout.splitlines()
    assert (home / "config.toml").read_text().count(rings.me.fingerprint) == 1  # the config is not rewritten
    key_file = key_file_of(home / "triage.db")
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The old key can no longer decrypt the key file; the previous file is kept beside it, as it was.
    assert not decrypts(key_file, rings.old_only.home)
    assert key_file.with_name(key_file.name + ".old").read_bytes() == old_bytes
    assert not key_file.with_name(key_file.name + ".new").exists()
    # Configured with the new fingerprint, the store opens with every case, with the new key alone as well.
    _config(home, rings.new_fingerprint, rings.me)
    assert case_ids(home) == before
    new_ring = Keyring(rings.new_only, rings.me.gpg, rings.new_fingerprint, NEW_EMAIL)
    _config(home, rings.new_fingerprint, new_ring)
    assert case_ids(home) == before
    _config(home, rings.me.fingerprint, rings.old_only)  # the old key alone no longer opens it
    refused = cli(home, "cases", "--json")
    assert refused.returncode == 2 and "cannot unlock the store" in refused.stderr


def test_a_fingerprint_without_its_secret_key_is_refused(home: Path, rings: Rings) -> None:
    before = key_file_of(home / "triage.db").read_bytes()
    done = cli(home, "rekey", rings.public_only)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert rings.public_only in done.stderr and "not its secret key" in done.stderr
    assert key_file_of(home / "triage.db").read_bytes() == before


@pytest.mark.parametrize(
    ("typed", "said"),
    [("0123456789ABCDEF0123456789ABCDEF01234567", "has no key 0123456789ABCDEF"), ("\x1b[31mcafe", "not a 40-hex")],
)
def test_an_unknown_or_malformed_fingerprint_is_refused(home: Path, typed: str, said: str) -> None:
    before = key_file_of(home / "triage.db").read_bytes()
    done = cli(home, "rekey", typed)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and said in done.stderr and "\x1b" not in done.stderr
    assert key_file_of(home / "triage.db").read_bytes() == before


def test_a_plain_store_is_refused_and_left_plain(tmp_path: Path, rings: Rings) -> None:
    _config(tmp_path, rings.me.fingerprint, rings.me)
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    cipher.forget_key(database)
    done = cli(tmp_path, "rekey", rings.new_fingerprint)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "not an encrypted store" in done.stderr
    assert cipher.is_plain_database(database) and not key_file_of(database).exists()


def test_a_crash_before_the_rename_leaves_a_store_that_opens_with_the_old_key(
    home: Path, rings: Rings, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = home / "triage.db"
    key_file = key_file_of(database)
    before = key_file.read_bytes()
    real_replace = os.replace

    def crash_onto_the_key_file(source: object, target: object) -> None:
        if Path(str(target)) == key_file:
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", crash_onto_the_key_file)
    with pytest.raises(StoreError, match="it is left as it was") as refused:
        rekey_store(database, rings.new_fingerprint, rings.me.home, current_fingerprint=rings.me.fingerprint)
    assert not isinstance(refused.value, RekeyRefused)
    monkeypatch.undo()
    assert key_file.read_bytes() == before and decrypts(key_file, rings.old_only.home)
    assert not key_file.with_name(key_file.name + ".new").exists()
    # The store still opens with the old key alone.
    assert unlock_store(database, rings.me.fingerprint, rings.old_only.home).value == "opened"
    assert cipher.has_key(database)


def test_a_key_that_cannot_encrypt_is_refused(home: Path, rings: Rings) -> None:
    made = subprocess.run(
        [
            *("gpg", "--homedir", str(rings.me.home), "--batch", "--passphrase", "", "--with-colons"),
            *("--quick-gen-key", "Sign Only <sign@team.example.com>", "ed25519", "sign", "never"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = subprocess.run(
        ["gpg", "--homedir", str(rings.me.home), "--with-colons", "--list-keys", "sign@team.example.com"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert made.returncode == 0
    sign_only = next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:"))
    done = cli(home, "rekey", sign_only)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "no usable encryption subkey" in done.stderr


def test_a_subkey_fingerprint_is_refused_naming_the_primary_key(home: Path, rings: Rings) -> None:
    listed = subprocess.run(
        ["gpg", "--homedir", str(rings.me.home), "--with-colons", "--list-keys", rings.new_fingerprint],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    subkey = [line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:")][1]
    done = cli(home, "rekey", subkey.lower())
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert f"{subkey} is a subkey of {rings.new_fingerprint}" in done.stderr
