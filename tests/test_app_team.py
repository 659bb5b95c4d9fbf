"""Tests the Team screen (`T` from the inbox): the roster folded from real roster events (fixed public keys in
tests/data/team_keys, taken in by a real gpg), this workstation's role in one line, hostile names shown literally,
the explanation without a roster, and the key in help, the palette and the user's keymap; one 80x24 snapshot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import gnupg
import msgspec
import pytest
from textual.command import CommandPalette

from conftest import SNAPSHOT_ROOT
from gpg_fixtures import kill_and_remove, make_home
from roster_fixtures import at, deliver, remove, revoke
from test_app_snapshots import SnapCompare, keys_then_settle
from triage_tui.app import TriageApp
from triage_tui.commands import BindingCommands
from triage_tui.config import Config, Identity, TeamConfig
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.team import TeamScreen
from triage_tui.store.connection import reader
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.roles import TeamRoles
from triage_tui.team.team_view import read_team_view, role_line
from ui_fixtures import frozen_clock, screen_text, seeded_store, settle, small_inbox, workspace_config

KEYS = Path(__file__).parent / "data" / "team_keys"
"""Public keys made once (ed25519, created 2026-01-01) so the roster, and so the snapshot, is the same every run."""
HOSTILE_NAME = "[@click=app.quit]Mallory[/] \x1b[2J\x1b]52;c;aGk=\x07 \u202eexe.txt [RED]x"
HOSTILE_EMAIL = "m[b]x\x1b[31m@evil.example"
SIZE = (100, 40)
TALL = (100, 60)


@dataclass(frozen=True)
class Keys:
    """The fingerprints of the four fixed keys, and their armour."""

    casey: str
    pat: str
    mallory: str
    robin: str
    armored: dict[str, str]


@pytest.fixture(scope="module")
def keys() -> Keys:
    home = make_home()
    try:
        gpg = gnupg.GPG(gnupghome=str(home))
        armored = {name: (KEYS / f"{name}.asc").read_text() for name in ("casey", "pat", "mallory", "robin")}
        found = {name: gpg.import_keys(text).fingerprints[0] for name, text in armored.items()}
    finally:
        kill_and_remove(home)
    by_fingerprint = {found[name]: armored[name] for name in armored}
    return Keys(found["casey"], found["pat"], found["mallory"], found["robin"], by_fingerprint)


@pytest.fixture
def receiver() -> Iterator[gnupg.GPG]:
    """The workstation's keyring: empty, the roster brings the team's keys."""
    home = make_home()
    try:
        yield gnupg.GPG(gnupghome=str(home))
    finally:
        kill_and_remove(home)


def added(keys: Keys, member: str, name: str, email: str, role: str, projects: Sequence[str], when: float) -> TeamEvent:
    spec = {
        "name": name, "email": email, "role": role, "projects": sorted(projects), "imap_user": None,
        "fingerprint": member, "key": keys.armored[member],
    }  # fmt: skip
    return TeamEvent(ROSTER_CASE, keys.casey, at(when), "member-add", roster={"member": spec})


def roster(keys: Keys) -> list[TeamEvent]:
    """Casey founds the team; Pat keeps pip; Mallory (a hostile name) keeps uv until her key is revoked; Robin kept
    pip until removed."""
    return [
        added(keys, keys.casey, "Casey Coordinator", "casey@team.example", "coordinator", [], 1),
        added(keys, keys.pat, "Pat Maintainer", "pat@team.example", "maintainer", ["pip"], 2),
        added(keys, keys.mallory, HOSTILE_NAME, HOSTILE_EMAIL, "maintainer", ["uv"], 3),
        added(keys, keys.robin, "Robin Gone", "robin@team.example", "maintainer", ["pip"], 4),
        revoke(keys.casey, keys.mallory, 5, 5.5),
        remove(keys.casey, keys.robin, 6),
    ]


def team_config(keys: Keys, me: str) -> Config:
    """A workstation's config on the team Casey founded, signing as `me`."""
    solo = workspace_config(Path("config.toml"))
    team = TeamConfig(coordinators=(keys.casey,), source="reports")
    return msgspec.structs.replace(solo, team=team, identity=Identity("Me", "me@team.example", me))


@pytest.fixture
def rostered(tmp_path: Path, keys: Keys, receiver: gnupg.GPG) -> Path:
    """A store whose roster is the four members', taken in as a team sync takes it."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    deliver(database, receiver, [keys.casey], [roster(keys)])
    return database


def team_app(database: Path, config: Config) -> TriageApp:
    return TriageApp(database, config, clock=frozen_clock)


class TestTeamScreen:
    async def test_lists_the_roster_under_your_role(self, rostered: Path, keys: Keys) -> None:
        """T shows every member with role, projects, grouped key and its times, removed and revoked ones marked, under
        the maintainer's own rights; a hostile name shows literally and puts no escape on the terminal."""
        app = team_app(rostered, team_config(keys, keys.pat))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("T")
            await settle(pilot)
            assert isinstance(app.screen, TeamScreen)
            text = screen_text(app)
            assert (
                "You are a maintainer of pip: you set pip's cells and add notes; coordinators decide the rest" in text
            )
            assert "Team members (4), times in UTC" in text
            assert "Casey Coordinator <casey@team.example>" in text
            assert "Pat Maintainer <pat@team.example> (you)" in text
            assert " ".join(keys.pat[i : i + 4] for i in range(0, 40, 4)) in text
            assert "maintainer of pip · key valid from 2025-10-09 08:53" in text
            assert "maintainer of pip · key valid from 2025-10-09 08:53 until 2025-10-09 08:53" in text
            assert "removed 2025-10-09 08:53" in text
            assert "revoked since 2025-10-09 08:53" in text
            assert "[@click=app.quit]Mallory[/] ␛[2J␛]52;c;aGk=" in text
            assert "[RED]x <m[b]x␛[31m@evil.example>" in text
            assert not any(c in text for c in "\x1b\x07\u202e")
            assert text.index("Casey") < text.index("Pat Maintainer") < text.index("Robin") < text.index("Mallory")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, InboxScreen)
            assert app.is_running

    async def test_without_a_roster_says_how_to_start_one(self, tmp_path: Path, keys: Keys) -> None:
        """With [team] but no roster, the config's role heads a paragraph naming `team init` and `team join`."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = team_app(database, team_config(keys, keys.casey))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("T")
            await settle(pilot)
            text = " ".join(screen_text(app).split())
            assert "You are a coordinator: you make every decision on every case" in text
            assert "This team has no roster yet" in text
            assert "`triage-tui team init`" in text
            assert "`triage-tui team join`" in text

    async def test_a_workspace_off_the_team(self, tmp_path: Path) -> None:
        """Without [team], the screen says the workspace is on no team and how to start or join one."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = team_app(database, workspace_config(tmp_path / "config.toml"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("T")
            await settle(pilot)
            text = " ".join(screen_text(app).split())
            assert "This workspace is not on a team" in text
            assert "`triage-tui team join`" in text

    async def test_help_palette_and_keymap_offer_it(self, tmp_path: Path) -> None:
        """Help lists T, the palette's "inbox: team members" opens the screen, and the keymap moves its key."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = team_app(database, workspace_config(tmp_path / "config.toml", keys={"inbox.team": "Y"}))
        async with app.run_test(size=TALL) as pilot:  # the whole help table on one screen
            await settle(pilot)
            titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
            assert "inbox: team members" in titles
            await pilot.press("question_mark")
            await pilot.pause()
            help_line = next(line for line in screen_text(app).splitlines() if "Team members" in line)
            assert help_line.split()[1] == "Y"
            await pilot.press("escape")
            await pilot.press("Y")
            await settle(pilot)
            assert isinstance(app.screen, TeamScreen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"team members")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TeamScreen)


def test_your_role_follows_the_roster(rostered: Path, keys: Keys) -> None:
    """A removed member, a revoked key and a key the roster lacks each say the team refuses what they sign."""
    with reader(rostered) as connection:
        said = {me: read_team_view(connection, team_config(keys, me)).you for me in (keys.robin, keys.mallory)}
        stranger = read_team_view(connection, team_config(keys, "F" * 40))
    assert (
        said[keys.robin] == "You were removed from the team on 2025-10-09 08:53 UTC: the team refuses events you sign"
    )
    assert said[keys.mallory].startswith("Your key is no longer your current key on the roster")
    assert stranger.you.startswith("You are not on the team's roster")
    assert stranger.own_member is None and len(stranger.members) == 4


def test_role_line_names_several_projects() -> None:
    """A maintainer of several projects reads them all, and the coordinators' rights read once."""
    roles = TeamRoles(frozenset({"C" * 40}), {"pip": frozenset({"P" * 40}), "uv": frozenset({"P" * 40})})
    assert role_line("P" * 40, roles) == (
        "You are a maintainer of pip and uv: you set their cells and add notes; coordinators decide the rest"
    )
    assert role_line("X" * 40, roles) == "You hold no role on the team: the team refuses events you sign"


class TestTeamSnapshot:
    def test_team_screen(self, snap_compare: SnapCompare, rostered: Path, keys: Keys) -> None:
        """The Team screen at 80x24 for pip's maintainer: the rights line, then the members, hostile name literal."""
        app = team_app(rostered, team_config(keys, keys.pat))
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_settle("T"))
        assert (SNAPSHOT_ROOT / "test_app_team").is_dir()
