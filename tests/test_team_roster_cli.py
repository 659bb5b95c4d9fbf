"""Tests `triage-tui team init|members|remove|rotate-key|revoke` on a real encrypted workspace and gpg: each change a
signed roster event waiting to be sent (exit 0), a change the roster's rules refuse exits 2 naming the rule and
keeps nothing; and a maintainer's decision beyond their rights (`triage-tui case`) exits 2 naming the rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpg_fixtures import TEAM_PROJECTS, generate_key
from roster_fixtures import TeamOfFive, add, at, deliver, five
from test_case_cli import TEAM_SOURCES, cli
from triage_tui.config import load_config
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.store_key import unlock_store
from triage_tui.services.triage import TriageService
from triage_tui.store import cipher
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.roster_writes import RosterRefused, add_member
from ui_fixtures import seeded_store, small_inbox

__all__ = ["five"]
CASE = "PSC-2026-0001"


def config_text(team: TeamOfFive, me: str) -> str:
    return f"""
[identity]
name = "{me[:6]}"
email = "{me[:6].lower()}@team.example"
fingerprint = "{me}"
gnupg_home = "{team.ring.home}"
{TEAM_PROJECTS}{TEAM_SOURCES.format(fingerprint=team.c)}"""


def make_workspace(home: Path, team: TeamOfFive, me: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(config_text(team, me))
    database = seeded_store(home / "triage.db", small_inbox())
    unlock_store(database, me, team.ring.home)  # encrypted here, so this process reads it too
    setup = TriageService(Store(database), "setup")
    setup.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    setup.store.close()
    return database


@pytest.fixture
def coordinator(tmp_path: Path, five: TeamOfFive) -> Iterator[Path]:
    database = make_workspace(tmp_path / "c", five, five.c)
    try:
        yield tmp_path / "c"
    finally:
        cipher.forget_key(database)


def members(home: Path) -> list[dict[str, object]]:
    done = cli(home, "team", "members", "--json")
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, object]] = json.loads(done.stdout)
    return listed


def unsent_roster_kinds(database: Path) -> list[str]:
    with reader(database) as connection:
        rows = connection.execute(
            "SELECT kind FROM team_events WHERE case_id = 'roster' AND origin = 'local' AND sent = 0 ORDER BY at"
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_the_roster_is_started_changed_and_listed_from_the_command_line(coordinator: Path, five: TeamOfFive) -> None:
    home = coordinator
    done = cli(home, "team", "members")
    assert done.returncode == 0 and "no roster yet" in done.stdout
    done = cli(home, "team", "init")
    assert done.returncode == 0, done.stderr
    assert f"coordinator {five.c} added" in done.stdout
    config = load_config(home / "config.toml")
    with Store(home / "triage.db") as store:
        add_member(store, config, five.ring.gpg, armored=five.armored(five.p), name="Pat", email="pat@pip.example",
                   role="maintainer", projects=["pip"], imap_user="pat")  # fmt: skip
        # From a key of the keyring, by its fingerprint; a key that is not the one named is refused.
        add_member(store, config, five.ring.gpg, fingerprint=five.d.lower(), name="Dee", email="dee@team.example",
                   role="coordinator")  # fmt: skip
        with pytest.raises(RosterRefused, match=f"the key given is {five.p}, not {five.q}"):
            add_member(store, config, five.ring.gpg, armored=five.armored(five.p), fingerprint=five.q, name="Q",
                       email="q@pip.example", role="maintainer", projects=["pip"])  # fmt: skip
    listed = members(home)
    assert [m["role"] for m in listed] == ["coordinator", "coordinator", "maintainer"]  # coordinators first
    assert sorted((m["role"], m["member_id"], m["projects"]) for m in listed) == sorted(
        [("coordinator", five.c, []), ("coordinator", five.d, []), ("maintainer", five.p, ["pip"])]
    )
    done = cli(home, "team", "init")
    assert done.returncode == 2 and "started already" in done.stderr
    # Refused, in one line naming the rule, and nothing kept: a key that is no member's.
    done = cli(home, "team", "remove", five.q)
    assert done.returncode == 2 and f"{five.q} is no member's key" in done.stderr
    assert done.stderr.count("\n") == 1
    done = cli(home, "team", "revoke", five.p, "--since", "2026-01-01T00:00:00+00:00")
    assert done.returncode == 0, done.stderr
    (pat,) = [m for m in members(home) if m["member_id"] == five.p]
    assert pat["keys"][0]["revoked_since"] == "2026-01-01T00:00:00.000Z"  # type: ignore[index]
    done = cli(home, "team", "revoke", five.p, "--since", "yesterday")
    assert done.returncode == 2 and "not an ISO 8601" in done.stderr
    assert cli(home, "team", "remove", five.p).returncode == 0
    assert [m["removed_at"] is not None for m in members(home)] == [False, False, True]
    new_key = generate_key(five.ring.gpg, "c-next@team.example")
    done = cli(home, "team", "rotate-key", new_key.lower())
    assert done.returncode == 0, done.stderr
    (me,) = [m for m in members(home) if m["member_id"] == five.c]
    assert [k["fingerprint"] for k in me["keys"]] == [five.c, new_key]  # type: ignore[attr-defined]
    assert unsent_roster_kinds(home / "triage.db") == [
        "member-add", "member-add", "member-add", "key-revoke", "member-remove", "key-rotate",
    ]  # fmt: skip
    assert cli(home, "team", "rotate-key", "not-a-key").returncode == 2


def test_only_a_founding_coordinator_starts_the_roster(tmp_path: Path, five: TeamOfFive) -> None:
    database = make_workspace(tmp_path / "d", five, five.d)
    try:
        done = cli(tmp_path / "d", "team", "init")
        assert done.returncode == 2 and "founding coordinator" in done.stderr
        done = cli(tmp_path / "d", "team", "remove", five.c)
        assert done.returncode == 2 and "only a coordinator" in done.stderr
        assert unsent_roster_kinds(database) == []
    finally:
        cipher.forget_key(database)


@pytest.mark.parametrize(
    ("decision", "rule"),
    [
        (("state", "triage"), "a maintainer may not change state"),
        (("embargo", "2026-09-01"), "a maintainer may not change embargo_until"),
        (("cell", "uv", "affected"), "not a maintainer of uv"),
    ],
)
def test_a_maintainers_decision_beyond_their_rights_is_refused_before_it_is_made(
    tmp_path: Path, five: TeamOfFive, decision: tuple[str, ...], rule: str
) -> None:
    database = make_workspace(tmp_path / "p", five, five.p)
    try:
        # The maintainer's workstation holds the roster (as a sync brings it): C founded it and added P for pip; and
        # C's cell links pip to the case (a maintainer's cell counts only on a case a coordinator linked).
        link = TeamEvent(CASE, five.c, at(3), "impact", impacts={"pip": ImpactCell(ImpactStatus.UNKNOWN).to_json()})
        roster = [add(five, five.c, five.c, "coordinator", [], 1), add(five, five.c, five.p, "maintainer", ["pip"], 2)]
        deliver(database, five.ring.gpg, [five.c], [[*roster, link]])
        done = cli(tmp_path / "p", "case", CASE, *decision)
        assert done.returncode == 2, done.stderr
        assert rule in done.stderr and done.stderr.count("\n") == 1
        ok = cli(tmp_path / "p", "case", CASE, "cell", "pip", "affected")  # their own project's cell: theirs
        assert ok.returncode == 0, ok.stderr
    finally:
        cipher.forget_key(database)
