"""Pilot tests of a case's kept records in the advisory editor: ctrl+n (and "advisory: next record") switches the
preview from the draft to each record imported into the case, by id, read-only, and back; ctrl+o exports the record
shown; a case keeping one record offers no switch."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static, TextArea

from test_advisory_import_many import CORPUS, TENSORFLOW, TF_CONFIG
from test_app_advisory import press
from test_app_maintainer_keys import palette_titles
from triage_tui.app import TriageApp
from triage_tui.config import parse_config
from triage_tui.screens.advisory_editor import AdvisoryEditor
from triage_tui.screens.advisory_export_modal import AdvisoryExportModal
from triage_tui.screens.case import CaseScreen
from triage_tui.services.advisory_import import import_advisory_files
from triage_tui.services.kept_records import record_file_stem
from triage_tui.store.store import Store
from ui_fixtures import frozen_clock, seeded_store, settle, small_inbox

SIZE = (120, 40)
RECORDS = ("PYSEC-2019-204", "PYSEC-2019-222", "PYSEC-2019-229")


def tensorflow_app(tmp_path: Path, names: tuple[str, ...] = TENSORFLOW) -> tuple[TriageApp, str]:
    """The small inbox, and one case made by importing `names` (by default the three records of CVE-2018-10055)."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    config = parse_config(tmp_path / "config.toml", TF_CONFIG)
    store = Store(database)
    try:
        results = import_advisory_files(store, config, [CORPUS / "vulns" / f"{name}.yaml" for name in names])
    finally:
        store.close()
    (case_id,) = {result.case_id for result in results}
    assert case_id is not None
    return TriageApp(database, config, clock=frozen_clock), case_id


async def open_imported(pilot, case_id: str) -> AdvisoryEditor:  # type: ignore[no-untyped-def]
    """Open the newest case (the imported one) and its advisory editor."""
    await settle(pilot)
    await press(pilot, "g", "enter")
    assert isinstance(pilot.app.screen, CaseScreen) and pilot.app.screen.case_id == case_id
    await press(pilot, "A")
    editor = pilot.app.screen
    assert isinstance(editor, AdvisoryEditor)
    return editor


def title(editor: AdvisoryEditor) -> str:
    return str(editor.query_one("#advisory-title", Static).content)


def preview(editor: AdvisoryEditor) -> str:
    return editor.query_one("#preview", TextArea).text


class TestKeptRecords:
    async def test_ctrl_n_shows_each_kept_record_then_the_draft(self, tmp_path: Path) -> None:
        """The title names the record and its place; the OSV preview is that record (its id, its one package);
        the fields stay the draft's and cannot be typed in; after the last record, the draft again."""
        app, case_id = tensorflow_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            editor = await open_imported(pilot, case_id)
            assert "3 kept records (ctrl+n shows each)" in title(editor)
            assert title(editor).index("kept records") < title(editor).index("PYSEC-2019-204")
            assert '"id": "PYSEC-2019-204"' in preview(editor) and "tensorflow-gpu" in preview(editor)
            for position, (record_id, package) in enumerate(
                zip(RECORDS, ("tensorflow", "tensorflow-cpu", "tensorflow-gpu"), strict=True), start=1
            ):
                await press(pilot, "ctrl+n")
                assert f"record {record_id} ({position} of 3)" in title(editor), title(editor)
                assert "read-only" in title(editor)
                shown = json.loads(preview(editor))
                assert shown["id"] == record_id
                assert [a["package"]["name"] for a in shown["affected"]] == [package]
                assert editor.query_one("#summary", Input).is_disabled
            await press(pilot, "ctrl+n")
            assert title(editor).startswith(f"Advisory draft · {case_id}")
            assert not editor.query_one("#summary", Input).is_disabled
            assert "tensorflow-gpu" in preview(editor) and "tensorflow-cpu" in preview(editor)

    async def test_ctrl_o_exports_the_record_shown(self, tmp_path: Path) -> None:
        """With PYSEC-2019-222 shown, the export writes that record (named after it), not the draft."""
        app, case_id = tensorflow_app(tmp_path)
        folder = tmp_path / "out"
        folder.mkdir()
        async with app.run_test(size=SIZE) as pilot:
            editor = await open_imported(pilot, case_id)
            await press(pilot, "ctrl+n", "ctrl+n")
            assert "record PYSEC-2019-222 (2 of 3)" in title(editor)
            await press(pilot, "ctrl+o")
            modal = app.screen
            assert isinstance(modal, AdvisoryExportModal)
            modal.query_one("#folder", Input).value = str(folder)
            await press(pilot, "enter")
            assert app.screen is editor
            written = folder / f"{record_file_stem(case_id, 'PYSEC-2019-222')}.osv.json"
            assert [path.name for path in folder.iterdir()] == [written.name]
            exported = json.loads(written.read_text())
            assert exported["id"] == "PYSEC-2019-222" and "CVE-2018-10055" in exported["aliases"]
            assert [a["package"]["name"] for a in exported["affected"]] == ["tensorflow-cpu"]

    async def test_the_case_side_panel_lists_the_kept_records(self, tmp_path: Path) -> None:
        app, case_id = tensorflow_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "g", "enter")
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case_id
            side = str(app.screen.query_one("#case-reporter", Static).content)
            assert "3 kept records (A, then ctrl+n shows each):" in side
            assert side.index(RECORDS[0]) < side.index(RECORDS[1]) < side.index(RECORDS[2])

    async def test_the_palette_offers_the_switch_only_for_several_records(self, tmp_path: Path) -> None:
        app, case_id = tensorflow_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_imported(pilot, case_id)
            assert "advisory: next record" in await palette_titles(app)
        one, one_case = tensorflow_app(tmp_path / "one", TENSORFLOW[:1])
        async with one.run_test(size=SIZE) as pilot:
            editor = await open_imported(pilot, one_case)
            assert "advisory: next record" not in await palette_titles(one)
            await press(pilot, "ctrl+n")
            assert title(editor).startswith(f"Advisory draft · {one_case}")


def test_a_record_id_never_leaves_the_folder_in_a_file_name() -> None:
    assert record_file_stem("PSC-2026-0001", "../../etc/passwd") == "PSC-2026-0001.etc_passwd"
    assert record_file_stem("PSC-2026-0001", "..") == "PSC-2026-0001.record"
    assert record_file_stem("PSC-2026-0001", "GHSA-abcd-efgh-ijkl") == "PSC-2026-0001.GHSA-abcd-efgh-ijkl"
