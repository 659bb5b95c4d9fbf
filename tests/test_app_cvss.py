"""Provides Pilot tests and snapshots of the CVSS calculator: keys change the vector and the live score, enter stores
the vector on the case (the score is computed), tab switches between 3.1 and 4.0."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from triage_tui.app import TriageApp
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.cvss import CvssScreen, SeverityChoice
from ui_fixtures import make_app, screen_text, settle

SIZE = (120, 36)
SnapCompare = Callable[..., bool]
CRITICAL_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


class ModalHost(App[None]):
    """One modal on a blank screen, so its snapshots do not change with the case view behind it."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.calculator = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.calculator, self.results.append)


async def open_case(pilot: Pilot[None], case_id: str) -> CaseScreen:
    """Show `case_id` in the case screen and wait until it is read."""
    app = pilot.app
    assert isinstance(app, TriageApp)
    await settle(pilot)
    screen = CaseScreen(app.context, case_id)
    await app.push_screen(screen)
    await settle(pilot)
    return screen


def metric_by_metric(letters: str) -> list[str]:
    """The keys that choose `letters` for the metrics in order: each letter, then down to the next metric."""
    return [key for letter in letters for key in (letter, "down")]


def vectors(app: TriageApp, case_id: str) -> tuple[str | None, str | None]:
    detail = app.reads.case(case_id)
    assert detail is not None
    return detail.summary.cvss_vector, detail.summary.cvss4_vector


class TestCalculatorKeys:
    async def test_keys_build_a_vector_with_a_live_score(self) -> None:
        """Letter keys set the current metric and move nothing; down moves to the next metric; the score appears
        once every metric has a value and follows each change."""
        screen = CvssScreen("PSC-2026-0001", None, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "no score yet" in screen_text(app)
            await pilot.press(*metric_by_metric("nlnnuhhh"))
            text = screen_text(app)
            assert CRITICAL_31 in text
            assert "9.8 Critical" in text
            await pilot.press("up", "up", "up", "up", "c")  # Scope: changed
            text = screen_text(app)
            assert "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" in text
            assert "10.0 Critical" in text
            await pilot.press("down", "right", "down", "right", "right", "down", "left")  # C:L, I:N, A:N
            assert "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N" in screen_text(app)
            assert "5.8 Medium" in screen_text(app)  # NVD calculator: AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N = 5.8

    async def test_a_key_the_metric_does_not_take_explains(self) -> None:
        screen = CvssScreen("PSC-2026-0001", None, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("down", "n")  # Attack Complexity is Low or High
            assert "Attack Complexity takes l/h" in screen_text(app)
            assert screen.draft.choices[1] is None

    async def test_tab_switches_versions_each_keeping_its_draft(self) -> None:
        """The 4.0 draft starts from the stored 4.0 vector; switching back finds the 3.1 one untouched."""
        v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        screen = CvssScreen("PSC-2026-0001", CRITICAL_31, v4)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("tab")
            assert screen.version == "4.0"
            assert "9.3 Critical" in screen_text(app)
            await pilot.press("down", "down", "p")  # Attack Requirements: present
            assert "CVSS:4.0/AV:N/AC:L/AT:P/" in screen_text(app)
            await pilot.press("tab")
            assert screen.version == "3.1"
            assert "9.8 Critical" in screen_text(app)
            await pilot.press("tab", "enter")
            assert app.results == [SeverityChoice({"4.0": v4.replace("AT:N", "AT:P")})]

    async def test_incomplete_vector_is_not_saved(self) -> None:
        screen = CvssScreen("PSC-2026-0001", None, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "enter")
            assert "CVSS 3.1: choose a value for AC, PR, UI, S, C, I, A first" in screen_text(app)
            assert app.results == []
            await pilot.press("escape")  # a metric was chosen: escape asks before discarding it (every dialog's rule)
            await pilot.pause()
            assert app.results == [] and "Discard" in screen_text(app)
            await pilot.press("y")
            await pilot.pause()
            assert app.results == [None]

    async def test_unset_all_then_enter_clears_the_stored_vector(self) -> None:
        screen = CvssScreen("PSC-2026-0001", CRITICAL_31, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("delete", "enter")
            assert app.results == [SeverityChoice({"3.1": None})]

    async def test_enter_keeps_the_vectors_built_on_both_tabs(self) -> None:
        """A 3.1 vector built, tab, a 4.0 vector built, enter: both are returned, not just the tab on screen."""
        screen = CvssScreen("PSC-2026-0001", None, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*metric_by_metric("nlnnuhhh"), "tab", *metric_by_metric("nlnnnhhhnnn"), "enter")
            assert app.results == [SeverityChoice({"3.1": CRITICAL_31, "4.0": V4_CRITICAL})]

    async def test_a_half_built_vector_on_the_other_tab_is_said_not_dropped(self) -> None:
        """Enter with the 4.0 tab half built (while on 3.1) shows the 4.0 tab and what it lacks; nothing closes."""
        screen = CvssScreen("PSC-2026-0001", None, None)
        app = ModalHost(screen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("tab", "n", "tab", *metric_by_metric("nlnnuhhh"), "enter")
            assert app.results == []
            assert screen.version == "4.0"
            assert "CVSS 4.0: choose a value for AC, AT, PR" in screen_text(app)
            await pilot.press("delete", "enter")  # unset the 4.0 draft: the 3.1 vector alone is stored
            assert app.results == [SeverityChoice({"3.1": CRITICAL_31})]


class TestCalculatorStores:
    async def test_enter_stores_the_vector_and_the_case_shows_the_score(self, tmp_path: Path) -> None:
        """v opens the calculator on the case; enter stores the vector, and the header shows the computed score."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0002")
            await pilot.press("v")
            assert isinstance(app.screen, CvssScreen)
            await pilot.press(*metric_by_metric("nlnnuhnn"))
            assert "7.5 High" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert vectors(app, "PSC-2026-0002") == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", None)
            assert "7.5 high (CVSS 3.1)" in screen_text(app)

    async def test_calculator_opens_on_the_stored_vector_and_stores_4_0_beside_it(self, tmp_path: Path) -> None:
        """The next time, the calculator opens on the stored 3.1 vector; a 4.0 vector is stored beside it."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0002")
            await pilot.press("v", *metric_by_metric("nlnnuhhh"), "enter")
            await settle(pilot)
            await pilot.press("v")
            calculator = app.screen
            assert isinstance(calculator, CvssScreen)
            assert calculator.draft.vector() == CRITICAL_31
            await pilot.press("tab", *metric_by_metric("nlnnnhhhnnn"), "enter")
            await settle(pilot)
            v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
            assert vectors(app, "PSC-2026-0002") == (CRITICAL_31, v4)
            assert "9.3 critical (CVSS 4.0)" in screen_text(app)

    async def test_both_vectors_built_in_one_opening_are_stored(self, tmp_path: Path) -> None:
        """Both tabs filled in one opening, enter: the case keeps the 3.1 and the 4.0 vector (one event)."""
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0002")
            await pilot.press("v", *metric_by_metric("nlnnuhhh"), "tab", *metric_by_metric("nlnnnhhhnnn"), "enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert vectors(app, "PSC-2026-0002") == (CRITICAL_31, V4_CRITICAL)

    async def test_escape_stores_nothing(self, tmp_path: Path) -> None:
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, "PSC-2026-0002")
            await pilot.press("v", *metric_by_metric("nlnnuhhh"), "escape")
            await settle(pilot)
            assert vectors(app, "PSC-2026-0002") == (None, None)


def show_calculator(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


class TestCalculatorSnapshots:
    def test_cvss_31(self, snap_compare: SnapCompare) -> None:
        """The 3.1 calculator on a stored critical vector, cursor on Scope: 9.8 Critical."""
        app = ModalHost(CvssScreen("PSC-2026-0001", CRITICAL_31, None))
        assert snap_compare(app, terminal_size=SIZE, run_before=show_calculator("down", "down", "down", "down"))

    def test_cvss_40(self, snap_compare: SnapCompare) -> None:
        """The 4.0 calculator (tab) half filled in: partial vector, no score yet."""
        app = ModalHost(CvssScreen("PSC-2026-0001", None, None))
        keys = ("tab", "n", "down", "l", "down", "p", "down")
        assert snap_compare(app, terminal_size=(120, 40), run_before=show_calculator(*keys))
