"""Provides tests that an imported withdrawn advisory (OSV `withdrawn`, GitHub's `withdrawn_at`, a REJECTED CVE
record) stays withdrawn: `triage-tui export` writes every format saying so in that format's own way, each checked
against the format's official schema."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from textual.widgets import Static

from advisory_fixtures import (
    CNA_ORG_ID,
    csaf_validator,
    cve_record_validator,
    load_schema,
    osv_validator,
    schema_errors,
)
from csaf_reference import AddDocument, csaf_reference, csaf_reference_batch  # noqa: F401  (the fixtures: the reference validator)
from gpg_fixtures import GpgWorld
from test_advisory_import import OSV_RECORD, cli_home
from test_app_advisory import press
from triage_tui.advisories.csaf_checks import csaf_problems
from triage_tui.advisories.importers import ImportError_, to_record
from triage_tui.advisories.record import Advisory, Withdrawal
from triage_tui.app import TriageApp
from triage_tui.cli import run
from triage_tui.config import load_config
from triage_tui.screens.advisory_editor import AdvisoryEditor
from triage_tui.store.connection import reader
from ui_fixtures import settle

OSV_WITHDRAWN = dict(OSV_RECORD, withdrawn="2026-06-01T08:00:00Z")
GHSA_WITHDRAWN: dict[str, Any] = {
    "ghsa_id": "GHSA-8r3f-844c-mc37",
    "cve_id": None,
    "summary": "uv resolves a local path named like a package index",
    "description": "Reported by mistake: the path is the user's own configuration.",
    "state": "withdrawn",
    "published_at": "2026-05-20T09:00:00Z",
    "withdrawn_at": "2026-05-22T10:30:00Z",
    "vulnerabilities": [
        {
            "package": {"ecosystem": "pip", "name": "uv"},
            "vulnerable_version_range": ">= 0.4.0, < 0.4.9",
            "patched_versions": "0.4.9",
            "vulnerable_functions": [],
        }
    ],
}
CVE_REJECTED: dict[str, Any] = {
    "dataType": "CVE_RECORD",
    "dataVersion": "5.1",
    "cveMetadata": {
        "cveId": "CVE-2026-40009",
        "assignerOrgId": CNA_ORG_ID,
        "assignerShortName": "PSF",
        "state": "REJECTED",
        "dateReserved": "2026-04-01T00:00:00Z",
        "dateRejected": "2026-04-20T12:00:00Z",
    },
    "containers": {
        "cna": {
            "providerMetadata": {"orgId": CNA_ORG_ID, "shortName": "PSF"},
            "rejectedReasons": [{"lang": "en", "value": "This is a duplicate of CVE-2026-40001."}],
        }
    },
}


def cna_rejected_validator() -> Draft7Validator:
    """The CVE schema's rejected CNA container (the full record schema's own definition of it)."""
    schema = load_schema("cve-record-5.1.1.schema.json")
    wrapper = {"$ref": "#/definitions/cnaRejectedContainer", "definitions": schema["definitions"]}
    return Draft7Validator(wrapper, format_checker=FormatChecker())


def import_and_export(tmp_path: Path, gpg_world: GpgWorld, record: dict[str, Any], capsys: Any) -> dict[str, str]:
    """Import `record` with the command line, export every format of its case, and return each file's text."""
    home = cli_home(tmp_path, gpg_world)
    (tmp_path / "record.json").write_text(json.dumps(record))
    assert run(["--home", str(home), "import", str(tmp_path / "record.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    out = tmp_path / "out"
    out.mkdir()
    status = run(["--home", str(home), "export", case_id, "--format", "all", "--output", str(out)])
    assert status == 0, capsys.readouterr().err
    return {path.name.removeprefix(f"{case_id}."): path.read_text() for path in out.iterdir()}


def assert_csaf_withdrawn(text: str, at: str, reason: str) -> None:
    document = json.loads(text)
    assert schema_errors(csaf_validator(), document) == []
    assert csaf_problems(document) == []
    meta = document["document"]
    assert meta["category"] == "csaf_base"
    assert meta["title"].startswith("WITHDRAWN: ")
    assert meta["notes"][0] == {
        "category": "description",
        "title": "Reasoning for Withdrawal",
        "text": f"Withdrawn on {at}: {reason}",
    }
    assert meta["tracking"]["revision_history"][-1]["summary"] == f"Withdrawn: {reason}"


@pytest.mark.parametrize(
    ("record", "at", "reason"),
    [
        (OSV_WITHDRAWN, "2026-06-01T08:00:00Z", "This advisory has been withdrawn by its publisher"),
        (GHSA_WITHDRAWN, "2026-05-22T10:30:00Z", "This advisory has been withdrawn by its publisher"),
        (CVE_REJECTED, "2026-04-20T12:00:00Z", "This is a duplicate of CVE-2026-40001."),
    ],
    ids=["osv-withdrawn", "ghsa-withdrawn_at", "cve-rejected"],
)
def test_an_imported_withdrawn_advisory_is_withdrawn_in_every_export(
    tmp_path: Path,
    gpg_world: GpgWorld,
    capsys: pytest.CaptureFixture[str],
    csaf_reference: AddDocument,  # noqa: F811
    record: dict[str, Any],
    at: str,
    reason: str,
) -> None:
    files = import_and_export(tmp_path, gpg_world, record, capsys)
    said = reason if reason.endswith(".") else f"{reason} and should no longer be used."

    osv = json.loads(files["osv.json"])
    assert schema_errors(osv_validator(), osv) == []
    assert osv["withdrawn"] == at

    ghsa = json.loads(files["ghsa.json"])
    assert ghsa["withdrawn_at"] == at

    cna = json.loads(files["cve-cna.json"])
    assert schema_errors(cna_rejected_validator(), cna) == []
    assert cna["rejectedReasons"] == [{"lang": "en", "value": said}]
    if "cve.json" in files:  # only a record with a CVE id has a full CVE record
        cve = json.loads(files["cve.json"])
        assert schema_errors(cve_record_validator(), cve) == []
        assert cve["cveMetadata"]["state"] == "REJECTED"
        assert cve["cveMetadata"]["dateRejected"] == at
    assert ("cve.json" in files) == (record is not GHSA_WITHDRAWN)

    assert_csaf_withdrawn(files["csaf.json"], at, said)
    csaf_reference(json.loads(files["csaf.json"]))

    announcement = files["announcement.txt"].splitlines()
    assert announcement[0] == f"WITHDRAWN on {at}: {said}"
    assert announcement[2].startswith("Subject: [SECURITY] [WITHDRAWN] ")


def test_the_withdrawal_survives_the_store_and_a_save_from_the_editor_fields(
    tmp_path: Path, gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    """The draft as stored keeps the withdrawal; a record without one (stored before) reads as not withdrawn."""
    home = cli_home(tmp_path, gpg_world)
    (tmp_path / "record.json").write_text(json.dumps(OSV_WITHDRAWN))
    assert run(["--home", str(home), "import", str(tmp_path / "record.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    with reader(home / "triage.db") as connection:
        (stored,) = connection.execute("SELECT record FROM advisories WHERE case_id = ?", (case_id,)).fetchone()
    advisory = Advisory.from_json(json.loads(stored))
    assert advisory.withdrawn == Withdrawal("2026-06-01T08:00:00Z")
    edited = replace(advisory, summary="edited")  # how the editor builds what it saves
    assert Advisory.from_json(edited.to_json()).withdrawn == advisory.withdrawn
    older = {key: value for key, value in json.loads(stored).items() if key != "withdrawn"}
    assert Advisory.from_json(older).withdrawn is None


def test_an_unreadable_withdrawal_time_refuses_the_file() -> None:
    """A withdrawal is never dropped silently: a time that cannot be read refuses the import, saying why."""
    with pytest.raises(ImportError_, match="withdrawal time 'soon'"):
        to_record(dict(OSV_RECORD, withdrawn="soon"), "PSC-0000-0000", {})


async def test_the_advisory_editor_says_the_draft_is_withdrawn(tmp_path: Path, gpg_world: GpgWorld) -> None:
    """A withdrawn draft says so on the editor's state line (every preview below says it in its own way)."""
    home = cli_home(tmp_path, gpg_world)
    (tmp_path / "record.json").write_text(json.dumps(CVE_REJECTED))
    assert run(["--home", str(home), "import", str(tmp_path / "record.json")]) == 0
    app = TriageApp(home / "triage.db", load_config(home / "config.toml"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "A")
        assert isinstance(app.screen, AdvisoryEditor)
        state = app.screen.query_one("#advisory-state", Static).visual
        assert "WITHDRAWN 2026-04-20T12:00:00Z" in str(state)
