"""Tests a maintainer's keys in the app: the footers (inbox, case, matrix) and the palette offer no coordinator's
decision, the key itself still answers with the rule, the standing is read once and again after a sync (a roster
that changed shows at once), the matrix opens on the maintainer's own project, and coordinators and solo workspaces
keep every key; one 80x24 snapshot of the maintainer's case screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gnupg
import msgspec
import pytest
from textual.pilot import Pilot

import triage_tui.team.own_rights as own_rights
from roster_fixtures import deliver
from test_app_snapshots import SnapCompare, keys_then_settle
from test_app_team import (  # noqa: F401  (the fixtures: fixed keys, a workstation's keyring, a rostered store)
    Keys,
    added,
    keys,
    receiver,
    rostered,
    team_app,
    team_config,
)
from triage_tui.app import TriageApp
from triage_tui.commands import BindingCommands
from triage_tui.config import Config, Identity, TeamConfig
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.inbox import InboxScreen
from triage_tui.screens.matrix import MatrixScreen
from triage_tui.screens.questions import ChoiceModal
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.own_rights import OwnStanding
from triage_tui.team.rights import CHANGES_RULE
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.matrix_grid import MatrixGrid
from ui_fixtures import frozen_clock, seeded_store, settle, small_inbox, workspace_config

SIZE = (200, 50)
COORDINATOR_WORDS = ("Reply", "State", "Close", "Assign", "Duplicate", "Severity", "Embargo")
"""The case footer's words for a coordinator's decisions."""
ME = "0123456789ABCDEF0123456789ABCDEF01234567"
"""The identity of `workspace_config`."""


def footer_words(app: TriageApp) -> list[str]:
    """The descriptions the screen's footer offers, in order."""
    return [binding.description for binding, _enabled in app.screen.query_one(KeysFooter)._keys]


async def palette_titles(app: TriageApp) -> list[str]:
    return [str(hit.text) async for hit in BindingCommands(app.screen).discover()]


def warnings(app: TriageApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_first_case(app: TriageApp, pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, CaseScreen)


class TestMaintainerFooters:
    async def test_the_case_footer_and_palette_leave_out_a_coordinators_decisions(
        self,
        rostered: Path,  # noqa: F811
        keys: Keys,  # noqa: F811
    ) -> None:
        """Pip's maintainer (on the roster) sees Note, Advisory, Save file and Back on the case, no State, Close,
        Assign, Reply...; the palette offers "case: note" and no "case: state"."""
        app = team_app(rostered, team_config(keys, keys.pat))
        async with app.run_test(size=SIZE) as pilot:
            await open_first_case(app, pilot)
            words = footer_words(app)
            assert not set(COORDINATOR_WORDS) & set(words), words
            assert {"Back", "Note", "Advisory", "Save file"} <= set(words)
            titles = await palette_titles(app)
            assert "case: note" in titles
            assert not {"case: state", "case: close", "case: assign", "case: reply", "case: labels"} & set(titles)

    async def test_a_hidden_key_still_answers_with_the_rule(self, rostered: Path, keys: Keys) -> None:  # noqa: F811
        """`t` (off the maintainer's footer) opens no dialog and says the rule the team would refuse it by."""
        app = team_app(rostered, team_config(keys, keys.pat))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_first_case(app, pilot)
            await pilot.press("t")
            await settle(pilot)
            assert not isinstance(app.screen, ChoiceModal)
            assert any(CHANGES_RULE in text for text in warnings(app))

    async def test_the_inbox_footer_leaves_out_the_bulk_decisions(self, rostered: Path, keys: Keys) -> None:  # noqa: F811
        """The inbox offers no Select, Close as spam, Assign all or Label all to a maintainer; `x` still says why."""
        app = team_app(rostered, team_config(keys, keys.pat))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            await pilot.press("space")  # a case selected: the bulk decisions are live (a coordinator sees them)
            await settle(pilot)
            words = footer_words(app)
            assert not {"Select+next", "Close as spam", "Assign all", "Label all"} & set(words), words
            assert {"Search", "Filter", "Matrix", "Open"} <= set(words)
            assert "inbox: close as spam" not in await palette_titles(app)
            await pilot.press("x")
            await settle(pilot)
            assert any(CHANGES_RULE in text for text in warnings(app))


class TestEveryKeyStays:
    async def test_a_coordinator_keeps_every_key(self, rostered: Path, keys: Keys) -> None:  # noqa: F811
        """The roster's coordinator sees every decision on the case footer and in the palette."""
        app = team_app(rostered, team_config(keys, keys.casey))
        async with app.run_test(size=SIZE) as pilot:
            await open_first_case(app, pilot)
            assert set(COORDINATOR_WORDS) <= set(footer_words(app))
            assert {"case: state", "case: reply", "case: labels"} <= set(await palette_titles(app))

    async def test_a_workspace_off_the_team_keeps_every_key(self, tmp_path: Path) -> None:
        """Without [team], nothing is read and nothing is left out."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("space")
            await settle(pilot)
            assert {"Select+next", "Close as spam", "Assign all"} <= set(footer_words(app))
            await pilot.press("space")
            await open_first_case(app, pilot)
            assert set(COORDINATOR_WORDS) <= set(footer_words(app))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[OwnStanding]]:
    """Every reading of this user's standing, as it is read."""
    found: list[OwnStanding] = []
    real = own_rights.own_standing

    def counted(config: Config | None, connection: EitherConnection) -> OwnStanding:
        standing = real(config, connection)
        found.append(standing)
        return standing

    monkeypatch.setattr(own_rights, "own_standing", counted)
    yield found


async def test_the_standing_is_read_once_then_after_each_sync(
    tmp_path: Path,
    keys: Keys,  # noqa: F811
    receiver: gnupg.GPG,  # noqa: F811
    reads: list[OwnStanding],
) -> None:
    """Robin is not on the roster yet: no State on the footer. Keys pressed and redrawn read nothing again; a sync
    that brings Robin's addition as a coordinator is followed by one reading, and the footer offers State."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    founding = [added(keys, keys.casey, "Casey Coordinator", "casey@team.example", "coordinator", [], 1)]
    deliver(database, receiver, [keys.casey], [founding])
    app = team_app(database, team_config(keys, keys.robin))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_first_case(app, pilot)
        assert "State" not in footer_words(app)
        for _ in range(5):
            app.screen.refresh_bindings()
            await pilot.press("t")
            await pilot.pause()
        await pilot.press("n", "p")
        await settle(pilot)
        assert reads == [OwnStanding(coordinator=False)]
        robin = added(keys, keys.robin, "Robin", "robin@team.example", "coordinator", [], 2)
        deliver(database, receiver, [keys.casey], [[robin]])
        app.post_message(TriageApp.SyncFinished([], cancelled=False))  # what the sync that brought it posts
        await settle(pilot)
        assert reads == [OwnStanding(coordinator=False), OwnStanding(coordinator=True)]
        assert "State" in footer_words(app)


def config_maintainer(tmp_path: Path, project: str) -> Config:
    """A team workstation without a roster, whose config makes its user the maintainer of `project` only."""
    solo = workspace_config(tmp_path / "config.toml")
    projects = {
        pid: msgspec.structs.replace(p, maintainers=(ME,)) if pid == project else p for pid, p in solo.projects.items()
    }
    team = TeamConfig(coordinators=("C" * 40,), source="reports")
    return msgspec.structs.replace(solo, team=team, projects=projects, identity=Identity("Me", "me@x.example", ME))


class TestMatrixColumn:
    async def test_a_maintainer_opens_the_matrix_on_their_project(self, tmp_path: Path) -> None:
        """twine's maintainer's matrix puts twine's column first (not pip's, first in id order) and opens with the
        cursor on it; a re-read keeps it where the user moved it."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = TriageApp(database, config_maintainer(tmp_path, "twine"), clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, MatrixScreen)
            grid = app.screen.query_one(MatrixGrid)
            assert grid.projects == ["twine", "pip", "setuptools", "uv"]
            assert grid.projects[grid.column] == "twine"
            await pilot.press("right")
            app.screen.reload()
            await settle(pilot)
            assert grid.projects[grid.column] != "twine"

    async def test_a_coordinator_opens_it_on_the_first_column(self, tmp_path: Path) -> None:
        """A workstation off the team opens it on the first column, as before."""
        database = seeded_store(tmp_path / "triage.db", small_inbox())
        app = TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            assert app.screen.query_one(MatrixGrid).column == 0


class TestMaintainerSnapshot:
    def test_case_footer(self, snap_compare: SnapCompare, rostered: Path, keys: Keys) -> None:  # noqa: F811
        """Pip's maintainer's case screen at 80x24: its footer offers Back, Advisory, Note and Save file, none of a
        coordinator's decisions."""
        app = team_app(rostered, team_config(keys, keys.pat))
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_settle("enter"))
