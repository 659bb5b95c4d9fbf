"""Tests a maintainer's workstation in the app, as `team join` wrote it (a real team Dovecot with per-user accounts
and ACLs, real gpg keyrings, nothing edited by hand): `s` syncs the team's events though there is no reports
source, `r` on a shared case says who writes to reporters, and a shared case reads as shared (no empty "<>", no
"unsigned" or "not encrypted" verdict, no claim of a signature this workstation did not check)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot

from onboarding_fixtures import PIP_CASE_TITLE, Station, Team
from team_templates import TeamTemplates
from triage_tui.app import TriageApp
from triage_tui.config import load_config
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.reply import ReplyScreen
from triage_tui.services.store_key import unlock_store
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import frozen_clock, screen_text, settle

SIZE = (200, 50)
NOTE = "coordinator note for pip's maintainer"


@pytest.fixture(scope="module")
def team(team_templates: TeamTemplates) -> Iterator[Team]:
    """A team whose pip maintainer joined and synced; the coordinator then notes the pip case (not yet taken in by
    pip: its app's sync brings it)."""
    built = team_templates.use(("pip",), onboarded=True)
    try:
        built.ok(built.coordinator, "case", built.cases[PIP_CASE_TITLE], "note", NOTE)
        built.sync(built.coordinator)
        yield built
    finally:
        team_templates.done(built)


def station_app(station: Station) -> TriageApp:
    database = station.home / "triage.db"
    unlock_store(database, station.fingerprint, station.ring.home)
    return TriageApp(database, load_config(station.home / "config.toml"), clock=frozen_clock)


def notifications(app: TriageApp) -> list[str]:
    return [n.message for n in app._notifications]


async def until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def open_pip_case(app: TriageApp, pilot: Pilot[None]) -> None:
    case_list = app.screen.query_one(CaseList)
    titles = [case_list._row(index) for index in range(case_list.count)]
    case_list.cursor = [case.title if case else "" for case in titles].index(PIP_CASE_TITLE)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, CaseScreen)


class TestMaintainerWorkstation:
    async def test_s_syncs_the_team_without_a_reports_source(self, team: Team) -> None:
        """A joined maintainer's config has [team] and no [sources]: `s` runs the team sync (the coordinator's note
        arrives), never advising to add a reports source."""
        pip = team.maintainers["pip"]
        assert "[sources" not in (pip.home / "config.toml").read_text()
        app = station_app(pip)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("s")
            assert await until(lambda: app.sync_cancel is None and app.sync_line is not None)
            await settle(pilot)
            assert not any("No sources" in text or "[sources" in text for text in notifications(app))
            assert "synced:" in str(app.sync_line)
            await open_pip_case(app, pilot)
            assert NOTE in screen_text(app)

    async def test_reply_is_refused_with_the_rule(self, team: Team) -> None:
        """`r` on a shared case says a maintainer does not write to reporters, and opens no reply dialog."""
        app = station_app(team.maintainers["pip"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await open_pip_case(app, pilot)
            await pilot.press("r")
            await settle(pilot)
            assert not isinstance(app.screen, ReplyScreen)
            assert any("a maintainer does not write to reporters; the coordinators do" in t for t in notifications(app))

    async def test_a_shared_case_reads_as_shared(self, team: Team) -> None:
        """The list and the case say "shared", the reporter has no empty "<>", and the verdict claims no signature
        or encryption it did not check here."""
        app = station_app(team.maintainers["pip"])
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            listed = screen_text(app)
            row = next(line for line in listed.splitlines() if PIP_CASE_TITLE[:40] in line)
            assert "↪ shared" in row and "unsigned" not in row
            await open_pip_case(app, pilot)
            text = screen_text(app)
            assert "<>" not in text
            assert "unsigned" not in text and "not encrypted" not in text and "✓ good" not in text
            assert "↪ shared by Casey Coordinator in a team event" in text  # the roster names who shared it
            assert "checked on the coordinator's workstation, not here" in text


def test_a_coordinator_still_replies(team: Team) -> None:
    """The rule binds maintainers only: the coordinator's workstation offers the reply."""

    async def run() -> bool:
        app = station_app(team.coordinator)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_pip_case(app, pilot)
            await pilot.press("r")
            await settle(pilot)
            return isinstance(app.screen, ReplyScreen)

    assert asyncio.run(run())
