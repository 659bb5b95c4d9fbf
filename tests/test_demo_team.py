"""Tests `triage-tui demo --team` end to end, through the command line: three workstations with their own keys and
the team's private Dovecot (real gpg, real Dovecot with per-member accounts and ACLs), every project's maintainers of
the demo's mail on the roster (pip's and uv's first on workstations, with their own keys), each maintainer holding only
the cases of their project, every workstation syncing, `--stop` and a second build into the same folder."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gnupg
import pytest

from triage_tui.cli import run
from triage_tui.demo.dovecot_run import DovecotMissing, find_program
from triage_tui.demo.people import TEAM_EMAIL, make_cast
from triage_tui.demo.team_build import MEMBERS, stop_team_demo
from triage_tui.demo.team_server import TeamServer

CASES = 30
ENV = {member.folder: member.password_env for member in MEMBERS}
ACCOUNT = {member.folder: member.imap_user for member in MEMBERS}


def _new_root() -> Path:
    # Under /tmp and 0755: as root Dovecot runs as nobody, who must be able to walk to the demo's server folder.
    root = Path(tempfile.mkdtemp(prefix="ttt", dir="/tmp"))
    root.chmod(0o755)
    return root


def _build(home: Path, cases: int = CASES) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["demo", "--team", "--home", str(home), "--cases", str(cases), "--no-open"], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _remove(root: Path) -> None:
    home = root / "team"
    if home.exists():
        stop_team_demo(home, remove_keys=True)
    shutil.rmtree(root, ignore_errors=True)


def _dovecots_of(home: Path) -> list[int]:
    """Live processes started with the demo's Dovecot config (the master and whatever it left behind)."""
    config = str(home / "server" / "dovecot.conf").encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if config in command and state != "Z":
            found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def team_demo() -> Iterator[tuple[Path, str]]:
    """The team demo built once in a fresh folder: (its home, what it printed on stdout)."""
    try:
        find_program("dovecot")
    except DovecotMissing as error:
        pytest.fail(str(error), pytrace=False)
    root = _new_root()
    try:
        code, out, err = _build(root / "team")
        assert code == 0, err
        yield root / "team", out
    finally:
        _remove(root)


def _password_env(monkeypatch: pytest.MonkeyPatch, home: Path, folder: str) -> None:
    password = (home / "server" / "passwords" / ACCOUNT[folder]).read_text()
    monkeypatch.setenv(ENV[folder], password)


def _cli_json(monkeypatch: pytest.MonkeyPatch, home: Path, folder: str, *argv: str) -> Any:
    _password_env(monkeypatch, home, folder)
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--home", str(home / folder), "--json"], out=out, err=err)
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


def _config(home: Path, folder: str) -> dict[str, Any]:
    return tomllib.loads((home / folder / "config.toml").read_text())


def test_three_workstations_and_a_running_server_each_told_how_to_open(team_demo: tuple[Path, str]) -> None:
    home, printed = team_demo
    server = TeamServer(home / "server")
    assert server.running
    coordinator = _config(home, "coordinator")
    (reports,) = coordinator["sources"].values()
    assert reports["kind"] == "imap" and reports["folders"] == ["Reports/security"]
    assert reports["username"] == "coordinator" and reports["port"] == server.port
    assert coordinator["team"]["prefix"] == "Team/" and coordinator["team"]["server"]["username"] == "coordinator"
    for folder in ("pip", "uv"):
        config = _config(home, folder)
        assert "sources" not in config and "projects" not in config  # written by team join: no reports source
        assert config["team"]["server"]["username"] == ACCOUNT[folder]
        assert config["team"]["server"]["password_env"] == ENV[folder]
        assert config["team"]["coordinators"] == [coordinator["identity"]["fingerprint"]]
        # The joiner's keyring was their own: the coordinator's key came to it through the roster.
        assert config["identity"]["gnupg_home"] != coordinator["identity"]["gnupg_home"]
    for folder in ("coordinator", "pip", "uv"):
        assert f"{ENV[folder]}=" in printed and f"--home {home / folder}" in printed
    assert f"triage-tui demo --team --stop --home {home}" in printed
    for folder in ("coordinator", "pip", "uv"):  # no password is printed, only where it is
        assert server.password_of(ACCOUNT[folder]) not in printed


def test_the_roster_holds_every_projects_maintainers_and_pip_and_uv_sign_with_their_own_keys(
    team_demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = team_demo
    coordinator = _config(home, "coordinator")
    # The single demo's cast: the maintainers whose signed replies are in the reports' threads.
    cast = make_cast(random.Random(2026), CASES)
    ring = gnupg.GPG(gnupghome=coordinator["identity"]["gnupg_home"])
    fingerprint = {
        uid.rsplit("<", 1)[-1].rstrip(">"): key["fingerprint"] for key in ring.list_keys() for uid in key["uids"]
    }
    expected = {(TEAM_EMAIL, "coordinator", (), coordinator["identity"]["fingerprint"])} | {
        (person.email, "maintainer", (project,), fingerprint[person.email])
        for project, group in cast.maintainers.items()
        for person in group
    }
    members = _cli_json(monkeypatch, home, "coordinator", "team", "members")
    assert {(m["email"], m["role"], tuple(m["projects"]), m["member_id"]) for m in members} == expected
    accounts = TeamServer(home / "server").accounts
    assert all(m["imap_user"] in accounts for m in members)  # every member's server access is planned and set
    # Who is on the team is the roster's to say: the coordinator's config names no maintainers.
    assert all(project["maintainers"] == [] for project in coordinator["projects"].values())
    for folder in ("pip", "uv"):
        config = _config(home, folder)
        own = fingerprint[cast.maintainers[folder][0].email]
        assert config["identity"]["fingerprint"] == own  # the corpus's first maintainer of the project, on the roster
        secret = gnupg.GPG(gnupghome=config["identity"]["gnupg_home"]).list_keys(secret=True)
        assert [key["fingerprint"] for key in secret] == [own]  # their secret key only, never the coordinator's
        assert _cli_json(monkeypatch, home, folder, "team", "members") == members


def test_every_workstation_syncs_with_its_own_account(
    team_demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = team_demo
    for folder in ("coordinator", "pip", "uv"):
        reports = _cli_json(monkeypatch, home, folder, "sync")
        assert reports and all(report["ok"] for report in reports), (folder, reports)
        sources = {report["source"] for report in reports}
        assert sources == ({"reports", "team"} if folder == "coordinator" else {"team"})


def test_each_maintainer_holds_their_projects_cases_only_and_the_coordinator_all(
    team_demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = team_demo
    everything = _cli_json(monkeypatch, home, "coordinator", "cases")
    assert len(everything) == CASES

    def decided(case: dict[str, Any]) -> dict[str, str]:  # the cells the coordinator set (not intake's guesses)
        return {p["project"]: p["status"] for p in case["projects"] if p["status"] != "unknown"}

    linked = {case["id"]: decided(case) for case in everything if decided(case).keys() & {"pip", "uv"}}
    pip_only = {c for c, cells in linked.items() if "pip" in cells and "uv" not in cells}
    uv_only = {c for c, cells in linked.items() if "uv" in cells and "pip" not in cells}
    both = {c for c, cells in linked.items() if {"pip", "uv"} <= cells.keys()}
    assert pip_only and uv_only and both  # the demo shows every kind of link
    titles = {case["id"]: case["title"] for case in everything}

    def report(case: dict[str, Any]) -> tuple[str, str, str]:  # one report on every workstation (ids are each's own)
        return case["title"], case["reporter"], case["received_at"]

    coordinators_id = {report(case): case["id"] for case in everything}
    assert len(coordinators_id) == len(everything)
    for folder, own, other_only in (("pip", pip_only, uv_only), ("uv", uv_only, pip_only)):
        held = _cli_json(monkeypatch, home, folder, "cases")
        assert {coordinators_id[report(case)] for case in held} == own | both, folder
        shown = json.dumps(held)
        for case_id in other_only:  # not the title of another project's case (each workstation numbers its own)
            assert titles[case_id] not in shown, (folder, case_id)
        for case in held:  # the cells of their project arrived as the coordinator set them
            cells = {p["project"]: p["status"] for p in case["projects"]}
            assert cells[folder] == linked[coordinators_id[report(case)]][folder], (folder, case["id"])


def test_a_second_build_replaces_the_first_and_stop_leaves_no_dovecot() -> None:
    root = _new_root()
    home = root / "team"
    try:
        code, _, err = _build(home, cases=8)
        assert code == 0, err
        first = TeamServer(home / "server")
        first_pid, first_key = first.pid, _config(home, "coordinator")["identity"]["fingerprint"]
        assert first_pid is not None

        code, _, err = _build(home, cases=8)
        assert code == 0, err
        second = TeamServer(home / "server")
        assert second.running and second.pid != first_pid
        assert _dovecots_of(home) == [second.pid]  # the first build's server was stopped, not left behind
        assert _config(home, "coordinator")["identity"]["fingerprint"] != first_key  # rebuilt, not piled up
        assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == [
            "coordinator", "invitations", "pip", "server", "uv",
        ]  # fmt: skip

        out, err_stream = io.StringIO(), io.StringIO()
        assert run(["demo", "--team", "--stop", "--home", str(home)], out=out, err=err_stream) == 0
        assert "stopped" in out.getvalue()
        assert _dovecots_of(home) == [] and not TeamServer(home / "server").running
        out = io.StringIO()
        assert run(["demo", "--team", "--stop", "--home", str(home)], out=out, err=err_stream) == 0
        assert "was not running" in out.getvalue()
    finally:
        _remove(root)


def test_a_folder_the_team_demo_did_not_build_is_left_alone(tmp_path: Path) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("mine")
    err = io.StringIO()
    assert run(["demo", "--team", "--home", str(tmp_path), "--cases", "1"], out=io.StringIO(), err=err) == 2
    assert "was not built by `triage-tui demo --team`" in err.getvalue()
    assert run(["demo", "--team", "--stop", "--home", str(tmp_path)], out=io.StringIO(), err=err) == 2
    assert precious.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_stop_is_for_the_team_demo_only(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run(["demo", "--stop", "--home", str(tmp_path)], out=io.StringIO(), err=err) == 2
    assert "--team --stop" in err.getvalue()
