"""Tests for OSV's `modified` of a saved draft: an import saved as it came keeps its source's time, a saved change is
stamped with the save time (from the editor too, where an untouched import is no change), and the OSV export says
what the record says."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.widgets import Static

from gpg_fixtures import GpgWorld
from test_advisory_drafts import NOW, drafts  # noqa: F401  (the fixture: drafts over a store with cases)
from test_advisory_import import cli_home
from test_app_advisory import press
from test_matrix_export import database  # noqa: F401  (the fixture the drafts fixture stands on)
from triage_tui.advisories.importers import parse_document
from triage_tui.advisories.osv import SCHEMA_VERSION, from_osv, osv_timestamp, to_osv
from triage_tui.advisories.record import Advisory
from triage_tui.app import TriageApp
from triage_tui.cli import run
from triage_tui.config import load_config
from triage_tui.screens.advisory_draft import DraftSaver
from triage_tui.screens.advisory_editor import AdvisoryEditor
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.store.connection import reader
from ui_fixtures import settle

PIP_RECORD = Path(__file__).parent / "data" / "pypa-advisory-db" / "vulns" / "pip" / "PYSEC-2023-228.yaml"
CASE = "PSC-2026-0001"


def _imported() -> tuple[Any, Advisory]:
    document = parse_document(PIP_RECORD.read_bytes())
    return document, from_osv(document, CASE, {"pip": ("pip",)})


def test_an_unchanged_import_keeps_its_modified_and_a_saved_change_gets_the_save_time(
    drafts: AdvisoryDrafts,  # noqa: F811
) -> None:
    document, advisory = _imported()
    assert not drafts.load(CASE).saved
    assert drafts.save(advisory)  # the first save of an import, as the import command does it
    stored = drafts.load(CASE).advisory
    assert stored.modified == document["modified"] != osv_timestamp(NOW)
    assert to_osv(stored, NOW) == document  # exported later, it still says its source's time
    assert drafts.save(stored) == []  # nothing changed: nothing written, the time stays
    assert drafts.load(CASE).advisory.modified == document["modified"]

    assert drafts.save(replace(stored, summary="pip follows a crafted link")) == ["summary"]
    changed = drafts.load(CASE).advisory
    assert changed.modified == osv_timestamp(NOW) and changed.schema_version == SCHEMA_VERSION
    exported = to_osv(changed, NOW.replace(year=NOW.year + 1))
    assert exported["modified"] == osv_timestamp(NOW) and exported["published"] == document["published"]
    assert exported["schema_version"] == SCHEMA_VERSION  # written by this exporter now


def test_a_first_draft_is_stamped_when_it_is_saved(drafts: AdvisoryDrafts) -> None:  # noqa: F811
    first = drafts.load(CASE).advisory
    assert first.modified == ""
    assert drafts.save(first)
    assert drafts.load(CASE).advisory.modified == osv_timestamp(NOW)


def test_the_editor_saves_again_after_a_stamped_save_and_exports_what_is_stored(
    drafts: AdvisoryDrafts,  # noqa: F811
) -> None:
    _document, advisory = _imported()
    drafts.save(advisory)
    saver = DraftSaver(drafts, drafts.load(CASE).advisory.to_json())
    assert saver.save(replace(advisory, summary="one")) == ["summary"]
    assert saver.record is not None and saver.record.modified == osv_timestamp(NOW)
    # The editor goes on from the record as stored: the stamp it got is not someone else's save.
    assert saver.save(replace(saver.record, details="two")) == ["details"]
    assert drafts.load(CASE).advisory == saver.record


async def test_opening_an_import_in_the_editor_changes_nothing_and_saving_it_keeps_its_modified(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    """Its details end with a newline, as YAML's `|` writes them: the editor does not count that as an edit."""
    document, _advisory = _imported()
    assert document["details"].endswith("\n")
    home = cli_home(tmp_path, gpg_world)
    assert run(["--home", str(home), "import", str(PIP_RECORD)]) == 0
    app = TriageApp(home / "triage.db", load_config(home / "config.toml"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "A")
        editor = app.screen
        assert isinstance(editor, AdvisoryEditor)
        assert "changed since" not in str(editor.query_one("#advisory-state", Static).visual)
        assert not editor.saver.differs(editor.typed())
    with reader(home / "triage.db") as connection:
        (stored,) = connection.execute("SELECT record FROM advisories").fetchone()
    assert to_osv(Advisory.from_json(json.loads(stored)), NOW) == document
