"""Tests `triage-tui team rotate-key NEW_FPR` on a real encrypted workspace and gpg: the roster's rotation, the
store's key re-encrypted to the new key and `[identity] fingerprint` changed in config.toml (every other byte kept),
nothing left to edit by hand; a crash after any step leaves a workspace that opens, and running the command again
finishes it; `--keep-identity` changes the roster only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gpg_fixtures import generate_key
from roster_fixtures import TeamOfFive, five
from test_case_cli import cli
from test_team_roster_cli import coordinator, members, unsent_roster_kinds
from triage_tui.config import load_config
from triage_tui.services.store_key import key_file_of, rekey_store
from triage_tui.store.store import Store
from triage_tui.team.roster_writes import rotate_key

__all__ = ["coordinator", "five"]


def encryption_key_ids(team: TeamOfFive, fingerprint: str) -> set[str]:
    listed = subprocess.run(
        ["gpg", "--homedir", str(team.ring.home), "--batch", "--with-colons", "--list-keys", fingerprint],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    records = [line.split(":") for line in listed.splitlines()]
    return {r[4] for r in records if r[0] == "sub" and "e" in r[11]}


def encrypted_to(team: TeamOfFive, key_file: Path) -> set[str]:
    """The key ids the key file is encrypted to (its packets say so; no secret key is needed to list them)."""
    packets = subprocess.run(
        ["gpg", "--homedir", str(team.ring.home), "--batch", "--list-only", "--list-packets", str(key_file)],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return {line.split("keyid ")[1].split()[0] for line in packets.splitlines() if "keyid " in line}


def started(home: Path) -> tuple[str, str]:
    """The roster started, and a trailing comment on the identity line (kept by the rewrite, as every other byte)."""
    done = cli(home, "team", "init")
    assert done.returncode == 0, done.stderr
    path = home / "config.toml"
    old = load_config(path).identity.fingerprint
    path.write_text(path.read_text().replace(f'fingerprint = "{old}"', f'fingerprint = "{old}"  # my key'))
    return old, path.read_text()


def test_rotate_key_changes_the_roster_the_store_key_and_the_config(coordinator: Path, five: TeamOfFive) -> None:
    home = coordinator
    old, before = started(home)
    new = generate_key(five.ring.gpg, "c-rotated@team.example")
    key_file = key_file_of(home / "triage.db")
    assert encrypted_to(five, key_file) == encryption_key_ids(five, old)

    done = cli(home, "team", "rotate-key", new.lower())

    assert done.returncode == 0, done.stderr
    after = (home / "config.toml").read_text()
    assert after == before.replace(f'fingerprint = "{old}"  # my key', f'fingerprint = "{new}"  # my key')
    assert f'coordinators = ["{old}"]' in after  # the founders list names the member's first key: untouched
    assert load_config(home / "config.toml").identity.fingerprint == new
    assert encrypted_to(five, key_file) == encryption_key_ids(five, new)
    assert encrypted_to(five, key_file.with_name(key_file.name + ".old")) == encryption_key_ids(five, old)
    (me,) = members(home)  # the workspace opens under the new identity
    assert [k["fingerprint"] for k in me["keys"]] == [old, new]  # type: ignore[attr-defined]
    assert unsent_roster_kinds(home / "triage.db") == ["member-add", "key-rotate"]


@pytest.mark.parametrize("crash_after", ["roster event", "store key"])
def test_after_a_crash_at_any_step_the_workspace_opens_and_rotate_key_finishes(
    coordinator: Path, five: TeamOfFive, crash_after: str
) -> None:
    home = coordinator
    old, before = started(home)
    new = generate_key(five.ring.gpg, f"c-{crash_after[:5]}@team.example")
    config = load_config(home / "config.toml")
    with Store(home / "triage.db") as store:  # what the command had done when the process died
        rotate_key(store, config, five.ring.gpg, new)
    if crash_after == "store key":
        rekey_store(home / "triage.db", new, five.ring.home, current_fingerprint=old)
    assert (home / "config.toml").read_text() == before
    assert len(members(home)) == 1  # the workspace opens as it is

    done = cli(home, "team", "rotate-key", new)

    assert done.returncode == 0, done.stderr
    assert "already" in done.stdout
    assert load_config(home / "config.toml").identity.fingerprint == new
    assert encrypted_to(five, key_file_of(home / "triage.db")) == encryption_key_ids(five, new)
    assert unsent_roster_kinds(home / "triage.db") == ["member-add", "key-rotate"]  # recorded once


def test_keep_identity_changes_the_roster_only(coordinator: Path, five: TeamOfFive) -> None:
    home = coordinator
    old, before = started(home)
    key_file = key_file_of(home / "triage.db")
    key_before = key_file.read_bytes()
    new = generate_key(five.ring.gpg, "c-kept@team.example")

    done = cli(home, "team", "rotate-key", new, "--keep-identity")

    assert done.returncode == 0, done.stderr
    assert f"triage-tui rekey {new}" in done.stdout
    assert (home / "config.toml").read_text() == before and key_file.read_bytes() == key_before
    (me,) = members(home)
    assert [k["fingerprint"] for k in me["keys"]] == [old, new]  # type: ignore[attr-defined]
