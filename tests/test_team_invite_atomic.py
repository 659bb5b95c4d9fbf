"""Tests that `triage-tui team invite` is all or nothing on a real encrypted workspace and gpg: an invitee's key gpg
cannot encrypt to (no encryption subkey, expired) or an invitation file that cannot be written exits 2 naming the
problem, and leaves no roster member nobody was invited as, no roster event waiting to be sent and no file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gpg_fixtures import Keyring, kill_and_remove, new_keyring
from test_case_cli import cli
from test_team_recipients import BadKeys, bad_keys
from test_team_roster_cli import members, unsent_roster_kinds
from triage_tui.services.store_key import unlock_store
from triage_tui.store import cipher
from ui_fixtures import seeded_store, small_inbox

__all__ = ["bad_keys"]


def coordinator_config(ring: Keyring) -> str:
    return f"""
[identity]
name = "Cora"
email = "{ring.email}"
fingerprint = "{ring.fingerprint}"
gnupg_home = "{ring.home}"

[projects.pip]
name = "pip"
packages = ["pip"]

[sources.mailbox]
kind = "imap"
host = "127.0.0.1"
port = 143
security = "none"
username = "coord"
password_env = "TT_TEAM_IMAP"
folders = ["INBOX"]

[team]
coordinators = ["{ring.fingerprint}"]
source = "mailbox"
prefix = "Team/"
"""


@pytest.fixture
def founded(tmp_path: Path) -> Iterator[tuple[Path, Keyring]]:
    """A founding coordinator's workspace whose roster holds them alone (its keyring is the test's own: the keys
    an invite imports go nowhere else)."""
    ring = new_keyring("cora@team.example")
    home = tmp_path / "c"
    home.mkdir()
    (home / "config.toml").write_text(coordinator_config(ring))
    database = seeded_store(home / "triage.db", small_inbox())
    unlock_store(database, ring.fingerprint, ring.home)
    try:
        done = cli(home, "team", "init")
        assert done.returncode == 0, done.stderr
        yield home, ring
    finally:
        cipher.forget_key(database)
        kill_and_remove(ring.home)


def invite(home: Path, key: str | Path, output: Path, *project: str) -> tuple[int, str]:
    """`team invite` of Pat as a maintainer of `project` (default pip) with `key` (a key file or a fingerprint):
    its exit code and standard error."""
    projects = [arg for p in project for arg in ("--project", p)] or ["--project", "pip"]
    done = cli(home, "team", "invite", "--role", "maintainer", *projects, "--key", str(key), "--email",
               "pat@pip.example", "--imap-user", "pat", "--output", str(output), "--no-server")  # fmt: skip
    return done.returncode, done.stderr


def exported_key(ring: Keyring, path: Path) -> Path:
    """The public key of `ring` written to `path` (as an invitee hands it over)."""
    path.write_text(str(ring.gpg.export_keys(ring.fingerprint)))
    return path


@pytest.mark.parametrize(("kind", "reason"), [("sign-only", "no usable encryption subkey"), ("expired", "expired")])
def test_an_invitee_key_gpg_cannot_encrypt_to_is_refused_before_anything_is_recorded(
    founded: tuple[Path, Keyring], bad_keys: BadKeys, tmp_path: Path, kind: str, reason: str
) -> None:
    home, ring = founded
    key_file = tmp_path / "pat.asc"
    key_file.write_text(str(bad_keys.gpg.export_keys(bad_keys.fingerprints[kind])))
    output = tmp_path / "pat.invitation"

    code, said = invite(home, key_file, output)

    assert code == 2 and reason in said and said.count("\n") == 1, said
    assert [m["member_id"] for m in members(home)] == [ring.fingerprint]  # nobody added that nobody invited
    assert unsent_roster_kinds(home / "triage.db") == ["member-add"]  # the founder's own, nothing more
    assert not output.exists()


def test_an_invitation_file_that_cannot_be_written_is_refused_before_anything_is_recorded(
    founded: tuple[Path, Keyring], tmp_path: Path
) -> None:
    home, ring = founded
    invitee = new_keyring("pat@pip.example")
    try:
        key_file = exported_key(invitee, tmp_path / "pat.asc")
        output = tmp_path / "no-such-folder" / "pat.invitation"

        code, said = invite(home, key_file, output)

        assert code == 2, said
        assert [m["member_id"] for m in members(home)] == [ring.fingerprint]
        assert unsent_roster_kinds(home / "triage.db") == ["member-add"]
        assert "does not exist" in said and "nothing was recorded" in said and said.count("\n") == 1, said
        # The same invitation to a folder that is there: written, and the member added with it.
        written = tmp_path / "pat.invitation"
        code, said = invite(home, key_file, written)
        assert code == 0, said
        assert written.is_file() and written.stat().st_mode & 0o777 == 0o600
        assert sorted(str(m["member_id"]) for m in members(home)) == sorted([ring.fingerprint, invitee.fingerprint])
        assert unsent_roster_kinds(home / "triage.db") == ["member-add", "member-add"]
    finally:
        kill_and_remove(invitee.home)
