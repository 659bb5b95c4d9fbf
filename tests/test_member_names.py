"""Tests that the team's members are shown by the roster's name, not a key fingerprint (real gpg, a real roster
folded from signed roster events): notes and the timeline (a rotated key still names its member), who shared a case,
who last set a cell in `show --json` (the key in its own field); names are drawn as text, never markup; and a case
shared before shared cases had their own verdict word reads "shared" after the store's migration."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import gnupg
import msgspec
import pytest

from roster_fixtures import TeamOfFive, at, deliver, five, rotate  # noqa: F401 (five: the keyring fixture)
from team_config_fixtures import linked_store
from test_roster_convergence import empty_keyring
from triage_tui.app import TriageApp
from triage_tui.cli.reads import show_case
from triage_tui.config import Config, Identity, TeamConfig
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.impact_editor import ImpactEditor
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.log import case_ref, share_of
from ui_fixtures import frozen_clock, screen_text, seeded_store, settle, workspace_config

CASE = "PSC-2026-0001"
CASEY = "Casey Coordinator"
PAT = "Pat [b]Maint[/b]"
"""Pip's maintainer: a name with markup in it, which must show literally."""
QUINN = "Quinn Keyturner"


def named_add(team: TeamOfFive, author: str, member: str, name: str, role: str, projects: Sequence[str], when: float
              ) -> TeamEvent:  # fmt: skip
    spec = {
        "name": name, "email": f"{member[:6].lower()}@team.example", "role": role, "projects": sorted(projects),
        "imap_user": None, "fingerprint": member, "key": team.armored(member),
    }  # fmt: skip
    return TeamEvent(ROSTER_CASE, author, at(when), "member-add", roster={"member": spec})


def roster(team: TeamOfFive) -> list[TeamEvent]:
    """C founds it; P and Q maintain pip; Q then rotates to Q2."""
    return [
        named_add(team, team.c, team.c, CASEY, "coordinator", [], 1),
        named_add(team, team.c, team.p, PAT, "maintainer", ["pip"], 2),
        named_add(team, team.c, team.q, QUINN, "maintainer", ["pip"], 3),
        rotate(team, team.q, team.q2, 5),
    ]


def config_for(team: TeamOfFive, me: str) -> Config:
    solo = workspace_config(Path("config.toml"))
    with_team = msgspec.structs.replace(solo, team=TeamConfig(coordinators=(team.c,), source="x"))
    return msgspec.structs.replace(with_team, identity=Identity("Me", "me@team.example", me))


@pytest.fixture
def receiver() -> Iterator[gnupg.GPG]:
    yield from empty_keyring()


@pytest.fixture
def coordinator_store(five: TeamOfFive, receiver: gnupg.GPG, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """C's workstation: the small inbox (the case involves pip), the roster, P's note and a note by Q's former key."""
    database = linked_store(tmp_path_factory.mktemp("names") / "c.db", (CASE, "pip"))
    with reader(database) as connection:
        ref = case_ref(connection, CASE)
    notes = [
        # A coordinator links pip to the case first (a maintainer's note counts only on a case linked to their project).
        TeamEvent(CASE, five.c, at(3.5), "impact", impacts={"pip": {"status": "affected", "ranges": []}}, ref=ref),
        TeamEvent(CASE, five.p, at(4), "note", note="pip reproduces it", ref=ref),
        TeamEvent(CASE, five.q, at(4.5), "note", note="signed by Q's first key", ref=ref),
    ]
    deliver(database, receiver, [five.c], [roster(five), notes])
    with sqlite3.connect(database) as connection:  # a cell as a received event sets it: its setter is a key
        connection.execute("UPDATE impacts SET set_by = ? WHERE case_id = ? AND project_id = 'pip'", (five.p, CASE))
    return database


async def test_notes_and_timeline_name_the_members(five: TeamOfFive, coordinator_store: Path) -> None:  # noqa: F811
    app = TriageApp(coordinator_store, config_for(five, five.c), clock=frozen_clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        await pilot.press("G")  # PSC-2026-0001 is the oldest case: the list's last row
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert PAT in text  # literally, markup and all
        assert text.count(QUINN) >= 2  # the former key names its member too: the note and its timeline line
        for fingerprint in (five.p, five.q):
            assert fingerprint not in text and fingerprint[:16] not in text


def test_show_json_names_authors_and_keeps_their_keys(five: TeamOfFive, coordinator_store: Path) -> None:  # noqa: F811
    out = io.StringIO()
    with Store(coordinator_store) as store:
        show_case(store, argparse.Namespace(case_id=CASE, json=True), out, config_for(five, five.c))
    document = json.loads(out.getvalue())
    notes = {e["payload"]["text"]: e for e in document["events"] if e["kind"] == "note"}
    assert (notes["pip reproduces it"]["author"], notes["pip reproduces it"]["author_fingerprint"]) == (PAT, five.p)
    assert notes["signed by Q's first key"]["author"] == QUINN
    [pip] = [cell for cell in document["impacts"] if cell["project"] == "pip"]
    assert (pip["set_by"], pip["set_by_fingerprint"]) == (PAT, five.p)


@pytest.fixture
def maintainer_store(five: TeamOfFive, receiver: gnupg.GPG, tmp_path: Path) -> Path:  # noqa: F811
    """P's workstation: none of the reports; the roster, then C shares the pip case."""
    base = linked_store(tmp_path / "c.db", (CASE, "pip"))
    with reader(base) as connection:
        content, ref = share_of(connection, CASE), case_ref(connection, CASE)
    database = seeded_store(tmp_path / "p.db", [])
    share = TeamEvent(CASE, five.c, at(6), "share", share=content, ref=ref)
    deliver(database, receiver, [five.c], [roster(five), [share]])
    return database


async def test_the_verdict_names_who_shared_the_case(five: TeamOfFive, maintainer_store: Path) -> None:  # noqa: F811
    app = TriageApp(maintainer_store, config_for(five, five.p), clock=frozen_clock)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert f"↪ shared by {CASEY} in a team event" in text
        assert f"shared by {CASEY} ({five.c})" in text
    out = io.StringIO()
    with Store(maintainer_store) as store:
        with reader(maintainer_store) as connection:
            case_id = str(connection.execute("SELECT id FROM cases").fetchone()[0])
        show_case(store, argparse.Namespace(case_id=case_id, json=False), out, config_for(five, five.p))
    shown = out.getvalue()
    assert f"shared by: {CASEY} ({five.c}); the report's own verdict was checked on the coordinator's" in shown
    # Neither the address a share does not carry, nor a verdict of this workstation's it never made.
    assert "<>" not in shown and "decryption:" not in shown


def test_a_case_shared_before_the_shared_verdict_reads_shared(maintainer_store: Path, tmp_path: Path) -> None:
    """A store from before: the shared case was stored "unsigned"; opening it with this version says "shared", and
    a report of its own stays as it was."""
    old = tmp_path / "old.db"
    shutil.copy(maintainer_store, old)
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE cases SET signature = 'unsigned'")
        # A report this workstation received itself, unsigned, beside the shared case.
        connection.execute(
            "INSERT INTO cases (id, year, number, title, reporter, reporter_email, signature, received_at, created_at, "
            "updated_at, message_count) SELECT 'PSC-2026-0900', 2026, 900, 'own report', 'R', 'r@x.example', "
            "'unsigned', received_at, created_at, updated_at, 1 FROM cases LIMIT 1"
        )
        connection.execute(
            "INSERT INTO messages (case_id, source, source_key, subject, sender_name, sender_email, received_at, body,"
            " warnings, content_hash) VALUES ('PSC-2026-0900', 'team', 'uid-7', 's', 'R', 'r@x.example', "
            "'2026-03-01 10:00:00', 'b', '[]', 'abc')"
        )
        connection.execute("DROP TABLE advisory_record_ids")  # what migration 15 adds, so it runs again
        connection.execute("DROP TABLE advisory_records")
        connection.execute("PRAGMA user_version = 12")
    with Store(old):
        pass
    with reader(old) as connection:
        rows = dict(connection.execute("SELECT id, signature FROM cases").fetchall())
    assert rows.pop("PSC-2026-0900") == "unsigned"  # a source that happens to be called "team": not a share
    assert set(rows.values()) == {"shared"}


async def test_the_cell_editor_names_who_last_set_the_cell(five: TeamOfFive, coordinator_store: Path) -> None:  # noqa: F811
    app = TriageApp(coordinator_store, config_for(five, five.c), clock=frozen_clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("G", "h", "h", "enter")  # PSC-2026-0001 (the oldest case), pip
        await settle(pilot)
        assert isinstance(app.screen, ImpactEditor)
        text = screen_text(app)
        assert "pip for PSC-2026-0001" in text
        assert f"last set by {PAT}" in text and five.p not in text
