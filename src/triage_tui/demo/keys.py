"""Provides throwaway GnuPG homes for the demo: short paths, batch key generation, key copying and agent clean-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import gnupg

from triage_tui.demo.people import Person
from triage_tui.services.identity_key import identity_key_input

# gpg-agent puts its sockets inside GNUPGHOME when /run/user/<uid> is missing, and a unix socket path
# must fit in ~108 bytes, so a home longer than this would make every private-key operation fail.
MAX_HOME_LENGTH = 70


def short_home(preferred: Path) -> Path:
    """Create a GnuPG home (mode 0700): `preferred` if its path is short enough, else a fresh /tmp folder."""
    if len(str(preferred)) <= MAX_HOME_LENGTH:
        preferred.mkdir(mode=0o700, parents=True, exist_ok=True)
        preferred.chmod(0o700)
        return preferred
    # Not tempfile.gettempdir(): $TMPDIR may itself be long, which is the very problem being avoided.
    return Path(tempfile.mkdtemp(prefix="ttg", dir="/tmp"))


def open_gpg(home: Path) -> gnupg.GPG:
    """A python-gnupg handle on `home`."""
    return gnupg.GPG(gnupghome=str(home))


def generate_keys(gpg: gnupg.GPG, people: Sequence[Person]) -> dict[str, str]:
    """Generate an ed25519/cv25519 key without passphrase or expiry for each person; return email → fingerprint.

    All keys go through one gpg process (one `%commit` block each), which saves a process spawn per key.
    """
    if not people:
        return {}
    blocks = [
        identity_key_input(gpg, person.name, person.email, expire_date=0, no_protection=True) for person in people
    ]
    result = gpg.gen_key("".join(blocks))
    if not result.fingerprint:
        raise RuntimeError(f"gpg could not generate demo keys: {result.stderr.strip()[-400:]}")
    wanted = {person.email for person in people}
    found: dict[str, str] = {}
    for key in gpg.list_keys(secret=True):
        for uid in key["uids"]:
            email = uid.rsplit("<", 1)[-1].rstrip(">")
            if email in wanted:
                found[email] = key["fingerprint"]
    missing = wanted - found.keys()
    if missing:
        raise RuntimeError(f"gpg did not create keys for: {', '.join(sorted(missing))}")
    return found


def copy_public_keys(source: gnupg.GPG, target: gnupg.GPG, fingerprints: Iterable[str]) -> None:
    """Import the public halves of `fingerprints` from `source` into `target`."""
    wanted = list(fingerprints)
    if not wanted:
        return
    armour = source.export_keys(wanted)
    result = target.import_keys(armour)
    if result.count < len(wanted):
        raise RuntimeError(f"gpg imported {result.count} of {len(wanted)} demo keys")


def copy_secret_key(source: gnupg.GPG, target: gnupg.GPG, fingerprint: str) -> None:
    """Import the secret key `fingerprint` (with its public half) from `source` into `target`: the demo's keys have no
    passphrase, so gpg exports them without asking."""
    armour = str(source.export_keys(fingerprint, secret=True, expect_passphrase=False) or "")
    result = target.import_keys(armour)
    if "BEGIN PGP PRIVATE KEY BLOCK" not in armour or not result.sec_imported:
        raise RuntimeError(f"gpg could not move the demo key {fingerprint}: {result.stderr.strip()[-400:]}")


def trust_ultimately(gpg: gnupg.GPG, fingerprints: Iterable[str]) -> None:
    """Make imported keys valid in `gpg` so encrypting to them needs no `--trust-model always`."""
    wanted = list(fingerprints)
    if wanted:
        gpg.trust_keys(wanted, "TRUST_ULTIMATE")


def kill_agent(home: Path) -> None:
    """Stop the gpg-agent of `home`: it detaches and would otherwise outlive the demo."""
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "all"],
        env={**os.environ, "GNUPGHOME": str(home)},
        capture_output=True,
        check=False,
    )


def remove_home(home: Path) -> None:
    """Stop the agent of `home` and delete it."""
    kill_agent(home)
    shutil.rmtree(home, ignore_errors=True)
