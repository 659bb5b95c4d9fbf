"""Pilot tests of the advisory editor (`A` on a case): the first fill, the preview of every format, problems shown
under their field, save, leave-saves, taking the matrix again, export with the embargo's confirmation, the palette;
snapshots of each preview and of validation errors; hostile text."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from test_advisory_drafts import CONFIG, complete
from test_app_hostile import assert_no_raw_controls
from test_app_matrix import seed_cells
from test_app_snapshots import SIZE, SnapCompare, keys_then_settle
from triage_tui.advisories.format_names import FORMATS
from triage_tui.app import TriageApp
from triage_tui.commands import BindingCommands
from triage_tui.config import parse_config
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.screens.advisory_editor import AdvisoryEditor
from triage_tui.screens.advisory_export_modal import AdvisoryExportModal
from triage_tui.screens.case import CaseScreen
from triage_tui.screens.questions import DeliberateConfirmModal
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from ui_fixtures import FROZEN_NOW, frozen_clock, hostile_inbox, screen_text, seeded_store, settle, small_inbox


def advisory_app(tmp_path: Path, messages=None) -> TriageApp:  # type: ignore[no-untyped-def]
    """The small inbox (or `messages`) with matrix cells for PSC-2026-0001 and a config naming the publisher."""
    database = seeded_store(tmp_path / "triage.db", small_inbox() if messages is None else messages)
    seed_cells(database)
    config = parse_config(tmp_path / "config.toml", CONFIG)
    return TriageApp(database, config, clock=frozen_clock)


def complete_draft(app: TriageApp) -> None:
    """Save a draft of PSC-2026-0001 that validates, as an author would have written it."""
    assert app.config is not None
    drafts = AdvisoryDrafts(Store(app.database), "alex@example.org", app.config, clock=frozen_clock)
    drafts.save(complete(drafts, "PSC-2026-0001"))
    drafts.store.close()


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)
    await pilot.pause(0.3)  # the editor checks after a short pause in typing
    await settle(pilot)


async def open_editor(pilot: Pilot[None]) -> AdvisoryEditor:
    await settle(pilot)
    await press(pilot, "G", "enter")
    assert isinstance(pilot.app.screen, CaseScreen) and pilot.app.screen.case_id == "PSC-2026-0001"
    await press(pilot, "A")
    screen = pilot.app.screen
    assert isinstance(screen, AdvisoryEditor)
    return screen


def problems_of(editor: AdvisoryEditor, field: str) -> str:
    return str(editor.query_one(f"#{field}-problems", Static).content)


def stored_record(database: Path) -> dict[str, object] | None:
    with reader(database) as connection:
        row = connection.execute("SELECT record FROM advisories WHERE case_id = 'PSC-2026-0001'").fetchone()
    return json.loads(row[0]) if row else None


class TestAdvisoryEditor:
    async def test_a_opens_the_first_fill_and_the_preview_cycles_through_every_format(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            editor = await open_editor(pilot)
            assert editor.query_one("#summary", Input).value == editor.typed().summary != ""
            assert "pip/pip  fixed" in str(editor.query_one("#packages", Static).content)
            assert "uv/uv  not-affected" in str(editor.query_one("#packages", Static).content)
            assert "required" in problems_of(editor, "details")  # the first fill has no details yet
            markers = {
                "osv": '"schema_version": "1.7.5"',
                "cve": '"dataType": "CVE_RECORD"',
                "cve-cna": '"providerMetadata"',
                "ghsa": '"vulnerabilities"',
                "csaf": '"csaf_version": "2.0"',
                "text": "Subject: [SECURITY]",
            }
            for fmt in FORMATS:
                assert editor.format == fmt
                assert markers[fmt] in editor.query_one("#preview", TextArea).text, fmt
                await press(pilot, "ctrl+f")
            assert editor.format == "osv"
            await press(pilot, "ctrl+b")
            assert editor.format == "text"

    async def test_problems_are_shown_under_their_field_and_clear_when_fixed(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        complete_draft(app)
        async with app.run_test(size=SIZE) as pilot:
            editor = await open_editor(pilot)
            assert all(problems_of(editor, field) == "" for field in ("summary", "aliases", "cvss_v3", "details"))
            assert "validates" in str(editor.query_one("#advisory-summary-line", Static).content)
            aliases = editor.query_one("#aliases", Input)
            aliases.value = "CVE-2026-12345, GHSA-nope"
            editor.query_one("#cvss_v3", Input).value = "CVSS:3.1/AV:N"
            await press(pilot)
            assert "'GHSA-nope' is not a well-formed GHSA id" in problems_of(editor, "aliases")
            assert "does not parse" in problems_of(editor, "cvss_v3")
            assert "2 errors block the export" in str(editor.query_one("#advisory-summary-line", Static).content)
            aliases.value = "CVE-2026-12345"
            editor.query_one("#cvss_v3", Input).value = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
            await press(pilot)
            assert problems_of(editor, "aliases") == problems_of(editor, "cvss_v3") == ""

    async def test_ctrl_s_saves_and_escape_saves_what_changed_since(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        async with app.run_test(size=(160, 60), notifications=True) as pilot:
            editor = await open_editor(pilot)
            assert stored_record(app.database) is None
            await press(pilot, "ctrl+s")
            first = stored_record(app.database)
            assert first is not None and first["summary"] == editor.typed().summary
            editor.query_one("#details", TextArea).text = "Written in the editor."
            await press(pilot, "escape")
            assert isinstance(app.screen, CaseScreen)
            saved = stored_record(app.database)
            assert saved is not None and saved["details"] == "Written in the editor."
            text = screen_text(app)
            assert "drafted the advisory" in text and "edited the advisory (details)" in text

    async def test_ctrl_r_takes_the_matrix_again(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            editor = await open_editor(pilot)
            triage = TriageService(Store(app.database), "alex@example.org", clock=frozen_clock)
            triage.set_impact("PSC-2026-0001", "uv", ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.5",)))
            triage.store.close()
            await press(pilot)
            assert "uv/uv  not-affected" in str(editor.query_one("#packages", Static).content)  # as read at open
            await press(pilot, "ctrl+r")
            assert "uv/uv  affected  <0.5" in str(editor.query_one("#packages", Static).content)
            assert "the matrix says" not in problems_of(editor, "packages")

    async def test_export_writes_every_format_and_an_embargo_asks_first(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        complete_draft(app)
        folder = tmp_path / "out"
        folder.mkdir()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            editor = await open_editor(pilot)
            await press(pilot, "ctrl+o")
            modal = app.screen
            assert isinstance(modal, AdvisoryExportModal)
            assert modal.query_one("#folder", Input).value == str(tmp_path / "exports")  # never the current folder
            modal.query_one("#folder", Input).value = str(folder)
            modal.query_one("#format", Select).value = "all"
            await press(pilot, "enter")
            assert app.screen is editor
            await settle(pilot)
            assert sorted(p.name.split(".", 1)[1] for p in folder.iterdir()) == sorted(
                ["osv.json", "cve.json", "cve-cna.json", "ghsa.json", "csaf.json", "announcement.txt"]
            )
            # An embargo set after the editor opened still stops the export: it asks, and only y says yes.
            triage = TriageService(Store(app.database), "alex@example.org", clock=frozen_clock)
            triage.set_embargo("PSC-2026-0001", FROZEN_NOW + timedelta(days=14))
            triage.store.close()
            second = tmp_path / "second"
            second.mkdir()
            for answer, written in (("enter", 0), ("n", 0), ("y", 1)):
                await press(pilot, "ctrl+o")
                pilot.app.screen.query_one("#folder", Input).value = str(second)
                await press(pilot, "enter")
                assert isinstance(pilot.app.screen, DeliberateConfirmModal), answer
                assert "under embargo until 2026-03-28" in screen_text(app)
                await press(pilot, answer)
                await settle(pilot)
                assert len(list(second.iterdir())) == written, answer
            assert (second / "PSC-2026-0001.osv.json").exists()
        with reader(app.database) as connection:
            exports = connection.execute(
                "SELECT payload FROM events WHERE case_id = 'PSC-2026-0001' AND kind = 'advisory-export' ORDER BY id"
            ).fetchall()
        assert [json.loads(p)["embargoed"] for (p,) in exports] == [False, True]  # both on the audit log

    async def test_lines_that_cannot_be_read_are_never_dropped(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        complete_draft(app)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            editor = await open_editor(pilot)
            credits_box = editor.query_one("#credits", TextArea)
            credits_box.text = credits_box.text.replace("finder", "fnder")
            await press(pilot)
            assert "'fnder' is not a role" in problems_of(editor, "credits")
            for key in ("ctrl+s", "escape"):
                await press(pilot, key)
                assert app.screen is editor, key  # neither saves (it would drop the line) nor leaves
            assert any("Not saved: credits: line 1" in n.message for n in app._notifications)
            stored = stored_record(app.database)
            assert stored is not None and next(c["role"] for c in stored["credits"]) == "FINDER"  # type: ignore[attr-defined]

    async def test_a_draft_saved_elsewhere_meanwhile_is_not_overwritten(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        complete_draft(app)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            editor = await open_editor(pilot)
            assert app.config is not None
            other = AdvisoryDrafts(Store(app.database), "sam@example.org", app.config, clock=frozen_clock)
            theirs = replace(other.load("PSC-2026-0001").advisory, details="Sam's words.")
            other.save(theirs)
            other.store.close()
            editor.query_one("#details", TextArea).text = "My words."
            await press(pilot, "ctrl+s")
            assert any("saved by sam@example.org" in n.message for n in app._notifications)
            stored = stored_record(app.database)
            assert stored is not None and stored["details"] == "Sam's words."
            assert editor.query_one("#details", TextArea).text == "My words."  # still in the editor

    async def test_every_editor_action_is_in_the_palette(self, tmp_path: Path) -> None:
        app = advisory_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_editor(pilot)
            provider = BindingCommands(app.screen)
            titles = {title for title, _help, _active in provider._commands()}
            for title in (
                "advisory: save",
                "advisory: next format",
                "advisory: prev format",
                "advisory: from matrix",
                "advisory: export",
                "advisory: push",
                "advisory: back",
            ):
                assert title in titles, title

    async def test_hostile_text_is_shown_neutralised_everywhere(self, tmp_path: Path) -> None:
        messages = hostile_inbox()
        app = advisory_app(tmp_path, messages)
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "enter")
            await press(pilot, "A")
            editor = app.screen
            assert isinstance(editor, AdvisoryEditor)
            for _ in FORMATS:
                text = screen_text(app)
                assert_no_raw_controls(text)
                assert_no_raw_controls(editor.query_one("#preview", TextArea).text)
                await press(pilot, "ctrl+f")
            summary = editor.query_one("#summary", Input).value
            assert "<U+202E>" in summary or "␛" in summary  # the raw title's controls, made visible
            assert_no_raw_controls(app.export_screenshot())
            assert app.is_running


class TestAdvisorySnapshots:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_preview(self, snap_compare: SnapCompare, tmp_path: Path, fmt: str) -> None:
        """The editor of a complete draft previewing one format: OSV, CVE record, CVE CNA, GHSA, CSAF, announcement."""
        app = advisory_app(tmp_path)
        complete_draft(app)
        keys = ("G", "enter", "A", *(["ctrl+f"] * FORMATS.index(fmt)))
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle(*keys))

    def test_validation_errors(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """The first fill: details and a vector missing, shown under their fields, and the error count."""
        app = advisory_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("G", "enter", "A"))
