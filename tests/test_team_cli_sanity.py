"""Tests the team commands' sanity checks on a real encrypted workspace and gpg: the last coordinator cannot revoke
or remove themselves (the team could never decide again), revoking one's own key says this workstation can no
longer sign, `team invite` refuses a project the config does not have and a key that is a member's already (or
revoked), and the roster's rules and the sync's identity line read as plain English."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import gnupg
import pytest

from gpg_fixtures import Keyring, kill_and_remove, make_home, new_keyring
from roster_fixtures import TeamOfFive, add, at, five, remove, revoke, rotate
from test_case_cli import cli
from test_team_invite_atomic import coordinator_config, exported_key, founded, invite
from test_team_roster_cli import members, unsent_roster_kinds
from triage_tui.config import load_config
from triage_tui.config.tables import TeamConfig
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell, ImpactError, check_cell
from triage_tui.store.store import Store
from triage_tui.team.identity_check import identity_problem
from triage_tui.team.roster import fold
from triage_tui.team.roster_writes import add_member

__all__ = ["five", "founded"]


def test_the_last_coordinator_cannot_revoke_or_remove_their_own_key(founded: tuple[Path, Keyring]) -> None:
    home, ring = founded
    me = ring.fingerprint
    for args in (("revoke", me), ("revoke", me, "--since", "2099-01-01T00:00:00Z"), ("remove", me)):
        done = cli(home, "team", *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "no one could sign the team's decisions again" in done.stderr
        assert "add another coordinator first" in done.stderr
    assert "your own key" in cli(home, "team", "revoke", me).stderr
    assert unsent_roster_kinds(home / "triage.db") == ["member-add"]  # nothing kept
    assert all(m["removed_at"] is None for m in members(home))


def test_revoking_ones_own_key_with_another_coordinator_left_says_you_can_no_longer_sign(
    founded: tuple[Path, Keyring],
) -> None:
    home, ring = founded
    other = new_keyring("dee@team.example")
    try:
        config = load_config(home / "config.toml")
        with Store(home / "triage.db") as store:
            add_member(store, config, ring.gpg, armored=str(other.gpg.export_keys(other.fingerprint)), name="Dee",
                       email="dee@team.example", role="coordinator")  # fmt: skip
        done = cli(home, "team", "revoke", ring.fingerprint, "--since", "2030-01-01T00:00:00Z")
        assert done.returncode == 0, done.stderr
        assert (
            f"{ring.fingerprint} is your own key: from 2030-01-01T00:00:00.000Z you can no longer sign" in done.stdout
        )
        # Dee, the other coordinator, is now the only one who can sign from 2030 on: revoking Dee's key is refused.
        refused = cli(home, "team", "revoke", other.fingerprint)
        assert refused.returncode == 2 and f"{other.fingerprint} is the last coordinator key" in refused.stderr
    finally:
        kill_and_remove(other.home)


def test_invite_refuses_an_unknown_project_and_a_key_that_is_a_members_already(
    founded: tuple[Path, Keyring], tmp_path: Path
) -> None:
    home, ring = founded
    pat = new_keyring("pat@pip.example")
    try:
        key_file = exported_key(pat, tmp_path / "pat.asc")
        output = tmp_path / "pat.invitation"

        code, said = invite(home, str(key_file), output, "pip", "nosuch")
        assert code == 2 and said.count("\n") == 1, said
        assert "no project nosuch in the config (its projects: pip)" in said
        code, said = invite(home, ring.fingerprint, output)  # the founder's own key: a member already
        assert code == 2 and said.count("\n") == 1, said
        assert f"{ring.fingerprint} is the key of Cora <{ring.email}> (coordinator), a member already" in said
        assert invite(home, str(key_file), output)[0] == 0
        output.unlink()
        code, said = invite(home, str(key_file), output)  # Pat again
        assert code == 2 and "a member already: remove them first" in said, said
        assert cli(home, "team", "revoke", pat.fingerprint).returncode == 0
        code, said = invite(home, str(key_file), output)
        assert code == 2 and f"{pat.fingerprint} is a revoked key of " in said, said
        assert not output.exists()
        assert unsent_roster_kinds(home / "triage.db") == ["member-add", "member-add", "key-revoke"]
    finally:
        kill_and_remove(pat.home)


def test_the_roster_rules_say_what_a_non_coordinator_may_not_do(five: TeamOfFive) -> None:
    start = [add(five, five.c, five.c, "coordinator", (), 1), add(five, five.c, five.p, "maintainer", ["pip"], 2)]
    by_maintainer = [remove(five.p, five.c, 3), revoke(five.p, five.c, 3, 4)]
    history = fold([*start, *by_maintainer], [five.c])
    assert [history.refused[event.id] for event in by_maintainer] == [
        "only a coordinator (valid at the event's time) may remove a member",
        "only a coordinator (valid at the event's time) may revoke a key",
    ]


def test_after_a_rotation_written_to_the_config_the_sync_says_to_restart(five: TeamOfFive, tmp_path: Path) -> None:
    team = TeamConfig(coordinators=(five.c,), source="mailbox", prefix="Team/")
    events = [
        add(five, five.c, five.c, "coordinator", (), 1),
        add(five, five.c, five.q, "maintainer", ["pip"], 2),
        rotate(five, five.q, five.q2, 3),
    ]
    history = fold(events, [five.c])
    path = tmp_path / "config.toml"
    path.write_text(coordinator_config(Keyring(five.ring.home, five.ring.gpg, five.q2, "q@team.example")))
    said = identity_problem(history, team, five.q, path)
    assert said == (
        f"this workstation's key {five.q} ({five.q[:6]}) was rotated to {five.q2} at {at(3).iso()}"
        " (config.toml names it already: restart triage-tui to use it); it can no longer read Team/pip"
    )
    path.write_text(coordinator_config(Keyring(five.ring.home, five.ring.gpg, five.q, "q@team.example")))
    assert "(set identity.fingerprint to it)" in (identity_problem(history, team, five.q, path) or "")


PASSPHRASE = "correct horse"


def invite_protected(home: Path, keys: Path, tmp_path: Path) -> Path:
    """Pat's key, protected by PASSPHRASE, made in the GnuPG home `keys`, invited by the coordinator at `home`."""
    gpg = gnupg.GPG(gnupghome=str(keys))
    recipe = gpg.gen_key_input(key_type="EDDSA", key_curve="ed25519", subkey_type="ECDH", subkey_curve="cv25519",
                               name_email="pat@pip.example", passphrase=PASSPHRASE, expire_date=0)  # fmt: skip
    fingerprint = str(gpg.gen_key(recipe).fingerprint)
    key_file = tmp_path / "pat.asc"
    key_file.write_text(str(gpg.export_keys(fingerprint)))
    invitation = tmp_path / "pat.invitation"
    assert invite(home, str(key_file), invitation)[0] == 0
    return invitation


def join_command(invitation: Path, keys: Path, home: Path) -> list[str]:
    return [sys.executable, "-m", "triage_tui", "team", "join", str(invitation), "--yes", "--password-env", "TT_PW",
            "--gnupg-home", str(keys), "--home", str(home)]  # fmt: skip


def test_joining_with_a_passphrase_protected_key_and_no_prompt_says_the_passphrase_could_not_be_asked(
    founded: tuple[Path, Keyring], tmp_path: Path
) -> None:
    keys = make_home()
    try:
        invitation = invite_protected(founded[0], keys, tmp_path)
        # No terminal (stdin is not one) and no GPG_TTY: gpg-agent's pinentry has nowhere to ask.
        environment = {k: v for k, v in os.environ.items() if k != "GPG_TTY"}
        done = subprocess.run(
            join_command(invitation, keys, tmp_path / "pat"),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
            env={**environment, "GNUPGHOME": str(keys)},
        )  # fmt: skip
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "its passphrase was not given (no prompt could be shown" in done.stderr and "GPG_TTY" in done.stderr
        assert "not for you" not in done.stderr
        assert not (tmp_path / "pat" / "config.toml").exists()
    finally:
        kill_and_remove(keys)


def test_joining_from_a_terminal_asks_the_keys_passphrase_there(founded: tuple[Path, Keyring], tmp_path: Path) -> None:
    keys = make_home()
    try:
        invitation = invite_protected(founded[0], keys, tmp_path)
        # The joiner's terminal is a pseudo-terminal, GPG_TTY is not set: join names the terminal to gpg-agent, whose
        # pinentry asks there; the passphrase typed opens the invitation.
        controller, terminal = pty.openpty()
        environment = {k: v for k, v in os.environ.items() if k != "GPG_TTY"}
        process = subprocess.Popen(
            join_command(invitation, keys, tmp_path / "pat"), stdin=terminal, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env={**environment, "GNUPGHOME": str(keys), "TERM": "xterm"},
        )  # fmt: skip
        os.close(terminal)
        shown = b""
        deadline = time.monotonic() + 60
        while b"assphrase" not in shown and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    shown += os.read(controller, 65536)
                except OSError:  # the terminal closed: nothing asked on it
                    break
        assert b"assphrase" in shown, shown[-500:]
        time.sleep(0.5)
        os.write(controller, PASSPHRASE.encode() + b"\r")
        stdout, stderr = process.communicate(timeout=120)
        os.close(controller)
        said = stdout.decode() + stderr.decode()
        assert "joined as maintainer of pip" in said, said  # the first sync may fail: no server runs here
        assert (tmp_path / "pat" / "config.toml").is_file()
    finally:
        kill_and_remove(keys)


def test_a_cells_rule_reads_with_the_right_article() -> None:
    with pytest.raises(ImpactError, match=r"names a fixed version, not an affected one$"):
        check_cell(ImpactCell(ImpactStatus.AFFECTED, fixed_version="1.0"))
    with pytest.raises(ImpactError, match=r"^an unknown cell has no affected ranges"):
        check_cell(ImpactCell(ImpactStatus.UNKNOWN, ranges=("<1.0",)))
