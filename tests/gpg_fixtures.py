"""Provides GnuPG fixtures for tests: short-path homes with ed25519/cv25519 keys and no passphrase."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gnupg
import pytest

from triage_tui.demo.keys import generate_keys
from triage_tui.demo.people import Person
from triage_tui.team.envelope import TeamRoles

TEAM_EMAIL = "security@team.example.com"
REPORTER_EMAIL = "reporter@example.org"
STRANGER_EMAIL = "stranger@example.net"
OTHER_EMAIL = "other@example.org"


@dataclass(frozen=True)
class Keyring:
    """One GnuPG home with its own key (secret included) for `email`."""

    home: Path
    gpg: gnupg.GPG
    fingerprint: str
    email: str


def make_home() -> Path:
    # The agent's socket lives inside the home when /run/user is missing; 86 characters is the limit.
    return Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))


def kill_and_remove(home: Path) -> None:
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
    shutil.rmtree(home, ignore_errors=True)


def generate_key(gpg: gnupg.GPG, email: str) -> str:
    # The same key recipe as the demo (ed25519/cv25519, no passphrase, no expiry).
    return generate_keys(gpg, [Person(name=email.split("@")[0], email=email)])[email]


def new_keyring(email: str) -> Keyring:
    home = make_home()
    gpg = gnupg.GPG(gnupghome=str(home))
    return Keyring(home=home, gpg=gpg, fingerprint=generate_key(gpg, email), email=email)


def exchange(a: Keyring, b: Keyring) -> None:
    """Import a's public key into b."""
    result = b.gpg.import_keys(a.gpg.export_keys(a.fingerprint))
    assert result.count == 1


@dataclass(frozen=True)
class GpgWorld:
    """The team (who receives reports) and the people who write to it."""

    team: Keyring
    reporter: Keyring  # the team has its public key
    stranger: Keyring  # the team does NOT have its public key
    other: Keyring  # a second known reporter, for From/signer mismatches
    outsider: Keyring  # a key the team has no secret for (mail to it is not for us)


@pytest.fixture(scope="session")
def gpg_world() -> Iterator[GpgWorld]:
    rings: list[Keyring] = []
    try:
        for email in (TEAM_EMAIL, REPORTER_EMAIL, STRANGER_EMAIL, OTHER_EMAIL, "outsider@example.com"):
            rings.append(new_keyring(email))
        team, reporter, stranger, other, outsider = rings
        for sender in (reporter, stranger, other):
            exchange(team, sender)
            exchange(outsider, sender)
        exchange(reporter, team)
        exchange(other, team)
        yield GpgWorld(team=team, reporter=reporter, stranger=stranger, other=other, outsider=outsider)
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


@pytest.fixture(scope="session")
def team_gnupg(gpg_world: GpgWorld) -> object:
    """The intake GnuPG wrapper bound to the team's home."""
    from triage_tui.intake.gnupg_batch import GnuPG

    return GnuPG(gpg_world.team.home)


def pgpmime_envelope(armour: bytes, *, subject: str = "...", sender: str = f"Rep <{REPORTER_EMAIL}>") -> bytes:
    """A hand-made RFC 3156 multipart/encrypted around any ciphertext (for ciphertexts compose cannot make)."""
    head = (
        f"From: {sender}\r\nTo: {TEAM_EMAIL}\r\nSubject: {subject}\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n"
        "Message-ID: <handmade@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="XXenv"\r\n\r\n'
    ).encode()
    return (
        head
        + b"--XXenv\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
        + b'--XXenv\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
        + armour.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        + b"\r\n--XXenv--\r\n"
    )


def rfc2440_encrypt(sender: Keyring, recipient_fpr: str, data: bytes) -> bytes:
    """Ciphertext without an MDC (integrity protection), made with the gpg CLI as python-gnupg cannot."""
    proc = subprocess.run(
        [
            *("gpg", "--homedir", str(sender.home), "--batch", "--rfc2440", "--trust-model", "always"),
            *("--armor", "--recipient", recipient_fpr, "--encrypt"),
        ],
        input=data,
        capture_output=True,
        check=True,
    )
    return proc.stdout


TEAM_PROJECTS = """
[projects.pip]
name = "pip"
packages = ["pip"]

[projects.uv]
name = "uv"
packages = ["uv"]
"""
"""The projects `write_team_config` writes unless told otherwise, as config TOML."""


def write_team_config(home: Path, world: GpgWorld, sources: str = "", *, projects: str = TEAM_PROJECTS) -> Path:
    """A workspace config for the team key of `world`, the `projects` TOML (the pip and uv projects unless given),
    and the given `[sources.*]` TOML."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(
        f"""
[identity]
name = "Team"
email = "{world.team.email}"
fingerprint = "{world.team.fingerprint}"
gnupg_home = "{world.team.home}"
{projects}{sources}
"""
    )
    return path


def team_keyrings(*emails: str) -> list[Keyring]:
    """One keyring per email, each holding every other's public key (a team that has met)."""
    rings = [new_keyring(email) for email in emails]
    for a in rings:
        for b in rings:
            if a is not b:
                exchange(a, b)
    return rings


TEAM_OF_THREE = ("coord@team.example", "pip@pip.example", "uv@uv.example")
"""A coordinator, a pip maintainer and a uv maintainer."""


@dataclass(frozen=True)
class TeamKeys:
    """The keyrings of a coordinator, a pip maintainer and a uv maintainer, and the roles they hold."""

    coordinator: Keyring
    pip: Keyring
    uv: Keyring

    @property
    def roles(self) -> TeamRoles:
        return TeamRoles(
            coordinators=frozenset({self.coordinator.fingerprint}),
            maintainers={"pip": frozenset({self.pip.fingerprint}), "uv": frozenset({self.uv.fingerprint})},
        )


def with_identity(config_text: str, ring: Keyring) -> str:
    """`config_text` with its identity's fingerprint replaced by `ring`'s real key and home: the command line
    encrypts the store to that key, so a config that runs a command needs one whose secret half is here."""
    import re

    replacement = f'fingerprint = "{ring.fingerprint}"\ngnupg_home = "{ring.home}"'
    config_text = re.sub(r"^gnupg_home = .*\n", "", config_text, flags=re.M)  # only [identity] has one
    changed, count = re.subn(r'^fingerprint = ".*"$', lambda _m: replacement, config_text, count=1, flags=re.M)
    assert count == 1, "the config has no identity fingerprint line"
    return changed
