"""Tests that `triage-tui team rotate-key` refuses, naming why and keeping nothing, every key that cannot become the
member's key (a subkey, a key that cannot both sign and encrypt, the current key, a key whose secret is not here);
that `team members` shows ISO 8601 UTC times and marks this workstation's identity; that `team init` by a member who
is not a founding coordinator gets advice that fits them; and that a workstation whose key is no current roster key
is told so in one line (`identity_problem`)."""

from __future__ import annotations

import json
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from gpg_fixtures import exchange, generate_key, kill_and_remove, new_keyring
from roster_fixtures import TeamOfFive, add, at, deliver, five, remove, revoke, rotate
from team_config_fixtures import linked_store
from test_case_cli import cli
from test_roster_convergence import CASE, empty_keyring
from test_team_roster_cli import coordinator, make_workspace, unsent_roster_kinds
from triage_tui.config import load_config
from triage_tui.config.tables import TeamConfig
from triage_tui.store import cipher
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import CLOCK_TEXT
from triage_tui.team.identity_check import identity_problem
from triage_tui.team.log import rejected
from triage_tui.team.roster import fold
from triage_tui.team.roster_writes import add_member

__all__ = ["coordinator", "five"]


def subkey_of(team: TeamOfFive, fingerprint: str) -> str:
    (key,) = team.ring.gpg.list_keys(keys=[fingerprint])
    (sub,) = key["subkeys"]
    return str(sub[2]).upper()


def sign_only_key(team: TeamOfFive, email: str) -> str:
    subprocess.run(
        ["gpg", "--homedir", str(team.ring.home), "--batch", "--passphrase", "", "--quick-gen-key", email,
         "ed25519", "sign", "never"],
        capture_output=True, check=True,
    )  # fmt: skip
    (key,) = team.ring.gpg.list_keys(keys=[email])
    return str(key["fingerprint"]).upper()


def refused(home: Path, new: str, *extra: str) -> str:
    done = cli(home, "team", "rotate-key", new, *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert unsent_roster_kinds(home / "triage.db") == ["member-add"]  # nothing recorded
    return done.stderr


@pytest.mark.parametrize("extra", [(), ("--keep-identity",)])
def test_rotate_key_refuses_every_key_that_cannot_become_the_members_key(
    coordinator: Path, five: TeamOfFive, extra: tuple[str, ...]
) -> None:
    """With or without `--keep-identity` (the roster alone: no store check stands in front of the roster's)."""
    home = coordinator
    assert cli(home, "team", "init").returncode == 0
    config_before = (home / "config.toml").read_text()
    # The member's own encryption subkey (finding 6 of the cold try): named with its primary key.
    subkey = subkey_of(five, five.c)
    assert f"{subkey} is a subkey of the key {five.c}" in refused(home, subkey, *extra)
    # Another key's subkey too, with its secret here.
    other = generate_key(five.ring.gpg, f"c-sub{len(extra)}@team.example")
    assert f"is a subkey of the key {other}" in refused(home, subkey_of(five, other), *extra)
    # A primary key that can sign but not encrypt: no event could be encrypted to it.
    signer = sign_only_key(five, f"c-signer{len(extra)}@team.example")
    assert f"the key {signer} cannot both sign and encrypt" in refused(home, signer, *extra)
    # A key whose secret is elsewhere: it could neither prove the rotation nor sign anything after it.
    stranger = new_keyring(f"c-elsewhere{len(extra)}@team.example")
    try:
        exchange(stranger, five.ring)
        assert f"the secret key of {stranger.fingerprint} is not in" in refused(home, stranger.fingerprint, *extra)
    finally:
        kill_and_remove(stranger.home)
    assert "nothing to rotate" in refused(home, five.c.lower(), *extra)
    assert (home / "config.toml").read_text() == config_before
    # A good key still rotates.
    assert cli(home, "team", "rotate-key", other, *extra).returncode == 0


def test_members_shows_iso_times_and_marks_this_workstation(coordinator: Path, five: TeamOfFive) -> None:
    home = coordinator
    assert cli(home, "team", "init").returncode == 0
    with Store(home / "triage.db") as store:
        add_member(store, load_config(home / "config.toml"), five.ring.gpg, armored=five.armored(five.p), name="Pat",
                   email="pat@pip.example", role="maintainer", projects=["pip"])  # fmt: skip
    done = cli(home, "team", "revoke", five.p, "--since", "2026-01-01T10:00:00+00:00")
    assert done.returncode == 0, done.stderr
    assert "revoked since 2026-01-01T10:00:00.000Z" in done.stdout
    listed = cli(home, "team", "members").stdout.splitlines()
    assert any(line.startswith("coordinator") and line.endswith("(you)") for line in listed), listed
    assert any(line.endswith("key revoked since 2026-01-01T10:00:00.000Z") for line in listed), listed
    assert cli(home, "team", "remove", five.p).returncode == 0
    text = cli(home, "team", "members").stdout + cli(home, "team", "members", "--json").stdout
    assert "0001" not in text, text  # no raw clock value anywhere
    (pat,) = [m for m in json.loads(cli(home, "team", "members", "--json").stdout) if m["member_id"] == five.p]
    assert pat["removed_at"].endswith("Z") and pat["keys"][0]["valid_from"].endswith("Z")


def test_team_init_by_a_member_who_is_no_founding_coordinator_says_to_join(tmp_path: Path, five: TeamOfFive) -> None:
    database = make_workspace(tmp_path / "d", five, five.d)
    try:
        done = cli(tmp_path / "d", "team", "init")
        assert done.returncode == 2
        assert "you are not a founding coordinator: join the team with the invitation" in done.stderr
        assert "put your fingerprint" not in done.stderr
    finally:
        cipher.forget_key(database)


def test_identity_problem_names_what_happened_to_this_workstations_key(five: TeamOfFive) -> None:
    team = TeamConfig(coordinators=(five.c,), source="mailbox", prefix="Team/")
    start = [add(five, five.c, five.c, "coordinator", (), 1), add(five, five.c, five.q, "maintainer", ["pip"], 2)]
    assert identity_problem(fold(start, [five.c]), team, five.q) is None
    assert identity_problem(fold([], [five.c]), team, five.q) is None  # no roster: the config decides
    rotated = identity_problem(fold([*start, rotate(five, five.q, five.q2, 3)], [five.c]), team, five.q)
    assert rotated == (
        f"this workstation's key {five.q} ({five.q[:6]}) was rotated to {five.q2} at {at(3).iso()}"
        " (set identity.fingerprint to it); it can no longer read Team/pip"
    )
    removed = identity_problem(fold([*start, remove(five.c, five.q, 4)], [five.c]), team, five.q)
    assert removed is not None and f"was removed from the team at {at(4).iso()}" in removed
    assert removed.endswith("it can no longer read Team/pip")
    revoked = identity_problem(fold([*start, revoke(five.c, five.c, 5, 6)], [five.c]), team, five.c)
    assert revoked is not None and f"is revoked since {at(5).iso()}" in revoked
    assert revoked.endswith("it can no longer read Team/coordinators, Team/pip")
    stranger = identity_problem(fold(start, [five.c]), team, five.d)
    assert stranger is not None and "is not on the team's roster" in stranger


def test_a_refusal_naming_a_revocation_shows_its_time_in_iso(five: TeamOfFive, tmp_path: Path) -> None:
    database = linked_store(tmp_path / "base.db", (CASE, "pip"))
    with ExitStack() as stack:
        receiver = stack.enter_context(contextmanager(empty_keyring)())
        early = TeamEvent(CASE, five.d, at(5), "note", note="signed after the theft")
        roster = [add(five, five.c, five.c, "coordinator", [], 1), add(five, five.c, five.d, "coordinator", [], 2)]
        deliver(database, receiver, [five.c], [roster, [early], [revoke(five.c, five.d, 4, 10)]])
    with reader(database) as connection:
        (reason,) = [row[3] for row in rejected(connection) if row[0] == CASE]
    assert f"revoked since {at(4).iso()}" in reason, reason
    assert not CLOCK_TEXT.search(reason)
