"""Tests that processes starting together on a new workspace, or on an older plain store, take turns to set it up."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gpg_fixtures import GpgWorld, write_team_config
from triage_tui.store import cipher
from ui_fixtures import seeded_store, small_inbox

ROUNDS = 20
PROCESSES = 4
"""Per round: one `sync` (as cron starts it) and three `cases --json` (the app and other commands)."""

# Every process imports the command line, says it is ready and waits for the same file, so all of them reach the
# store's first start within a millisecond or two of each other.
STARTER = """
import os, sys, time
from triage_tui.cli import main
go, ready = sys.argv.pop(1), sys.argv.pop(1)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.0005)
main()
"""


def _start_together(home: Path) -> list[tuple[subprocess.Popen[str], str]]:
    go = home.parent / f"{home.name}.go"
    commands = ["sync", *(["cases"] * (PROCESSES - 1))]
    started = []
    for number, command in enumerate(commands):
        ready = home.parent / f"{home.name}.ready{number}"
        argv = [sys.executable, "-c", STARTER, str(go), str(ready), command, "--home", str(home), "--json"]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append((process, command))
    deadline = time.monotonic() + 60
    while len(list(home.parent.glob(f"{home.name}.ready*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()
    return started


def _round(home: Path, expected_titles: list[str]) -> list[str]:
    """Start PROCESSES processes at once on `home`; each must open the store and see every case. Their stderr."""
    started = _start_together(home)
    errors = []
    for process, command in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{command}: {err}"
        errors.append(err)
        if command == "cases":
            assert sorted(case["title"] for case in json.loads(out)) == expected_titles, err
    cipher.forget_key(home / "triage.db")
    return errors


def test_processes_starting_together_take_turns_to_create_and_encrypt_the_store(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    template = tmp_path / "template"
    write_team_config(template, gpg_world)
    plain = seeded_store(tmp_path / "plain.db", small_inbox())
    cipher.forget_key(plain)
    with cipher.connect(plain) as connection:
        titles = sorted(row[0] for row in connection.execute("SELECT title FROM cases"))
    assert len(titles) == 6
    waits = 0
    began = time.monotonic()
    for number in range(ROUNDS):
        for kind, expected in (("new", []), ("plain", titles)):
            home = tmp_path / f"{kind}{number}"
            shutil.copytree(template, home)
            if kind == "plain":
                shutil.copy(plain, home / "triage.db")
            errors = _round(home, expected)
            waits += sum("waiting for another triage-tui (pid " in err for err in errors)
            assert all("Traceback" not in err for err in errors)
            # Every process used the one key there is: the store opens for the next one too, encrypted.
            assert not cipher.is_plain_database(home / "triage.db")
            assert not home.joinpath("triage.db.key.asc.new").exists()
    elapsed = time.monotonic() - began
    print(f"{2 * ROUNDS} rounds of {PROCESSES} processes started at once: {elapsed:.1f} s, {waits} waited")
    # Setting a store up takes gpg a few dozen milliseconds: processes started together meet it and say they wait.
    assert waits > 0


def test_a_process_waiting_for_the_setup_lock_names_the_holder(tmp_path: Path, gpg_world: GpgWorld) -> None:
    from triage_tui.services.workspace_lock import lock_file_of, workspace_lock

    home = tmp_path / "w"
    write_team_config(home, gpg_world)
    with workspace_lock(lock_file_of(home / "triage.db", "setup"), wait=True):
        process = subprocess.Popen(
            [sys.executable, "-m", "triage_tui", "cases", "--home", str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        assert process.poll() is None  # it waits while this test holds the lock
        assert not home.joinpath("triage.db.key.asc").exists()
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert f"waiting for another triage-tui (pid {os.getpid()}) to finish setting up the store" in err
