"""Tests for importing advisories: OSV (JSON and YAML) round trips, format detection, `triage-tui import` seeding
cases, matrix cells and drafts, and hostile or broken files refused one by one while the rest go on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from advisory_fixtures import load_schema
from gpg_fixtures import GpgWorld, with_identity
from test_advisory_cve import CVE_RECORD
from test_advisory_drafts import CONFIG
from triage_tui.advisories.importers import ImportError_, detect_format, parse_document, to_record
from triage_tui.advisories.osv import from_osv, to_osv
from triage_tui.cli import run
from triage_tui.config import parse_config
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.services.advisory_import import declared_score_warnings
from triage_tui.store.connection import reader
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store

PACKAGES = {"pip": ["pip"], "uv": ["uv"], "setuptools": ["setuptools"]}

# Written for these tests in the shape of pypa/advisory-database's records; every field the record model holds.
OSV_RECORD: dict[str, Any] = {
    "schema_version": "1.7.5",
    "id": "PYSEC-2026-17",
    "modified": "2026-05-04T10:11:12Z",
    "summary": "setuptools package_index follows a crafted URL to a local path",
    "details": "The package index downloader accepts `file:` URLs from a page it fetched.\n\nFixed in 78.1.1.",
    "aliases": ["CVE-2026-30001", "GHSA-4x5q-v2wc-mh8j"],
    "severity": [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H"},
        {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
    ],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "setuptools"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "70.0"}, {"introduced": "75.0"}, {"fixed": "78.1.1"}],
                }
            ],
        }
    ],
    "references": [
        {"type": "ADVISORY", "url": "https://github.com/pypa/setuptools/security/advisories/GHSA-4x5q-v2wc-mh8j"},
        {"type": "FIX", "url": "https://github.com/pypa/setuptools/pull/4946"},
        {"type": "PACKAGE", "url": "https://pypi.org/project/setuptools/"},
    ],
    "credits": [
        {"name": "Sam Finder", "type": "FINDER", "contact": ["https://example.org/sam"]},
        {"name": "Jason R. Coombs", "type": "REMEDIATION_DEVELOPER"},
    ],
    "database_specific": {"cwe_ids": ["CWE-22"]},
}
OSV_YAML = """\
id: PYSEC-2026-18
modified: 2026-05-04T10:11:12.53834Z
published: 2026-05-01T00:00:00Z
summary: pip's vendored truststore ignores a proxy's certificate
details: |
  A long description.
aliases:
- CVE-2026-30002
affected:
- package:
    name: pip
    ecosystem: PyPI
  ranges:
  - type: GIT
    repo: https://github.com/pypa/pip
    events:
    - introduced: 1d9f4b52f1b2c6a5f3d4e1f0a9b8c7d6e5f4a3b2
  - type: ECOSYSTEM
    events:
    - introduced: '24.2'
    - fixed: '25.1'
  versions:
  - '24.2'
  - '25.0'
references:
- type: WEB
  url: https://example.org/write-up
"""


def test_an_osv_record_round_trips_every_field_the_record_holds() -> None:
    validator = Draft202012Validator(load_schema("osv.schema.json"))
    assert list(validator.iter_errors(OSV_RECORD)) == []
    advisory = from_osv(json.loads(json.dumps(OSV_RECORD)), "PSC-2026-0200", PACKAGES)
    assert advisory.id == "PYSEC-2026-17"
    assert advisory.aliases == ("CVE-2026-30001", "GHSA-4x5q-v2wc-mh8j")
    assert [(p.project, str(p.status)) for p in advisory.packages] == [("setuptools", "fixed")]
    modified = advisory_time(OSV_RECORD["modified"])
    assert to_osv(advisory, modified, osv_id="PYSEC-2026-17") == OSV_RECORD


def advisory_time(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_osv_yaml_record_keeps_its_timestamps_as_text_and_its_ecosystem_range() -> None:
    document = parse_document(OSV_YAML.encode())
    assert document["modified"] == "2026-05-04T10:11:12.53834Z"  # not a datetime
    assert detect_format(document) == "osv"
    fmt, advisory = to_record(document, "PSC-2026-0201", PACKAGES)
    assert fmt == "osv"
    (package,) = advisory.packages
    assert package.events == (("introduced", "24.2"), ("fixed", "25.1"))  # the matrix's: releases, not commits
    assert [r["type"] for r in package.other_ranges] == ["GIT"] and package.versions == ("24.2", "25.0")
    again = to_osv(advisory, advisory_time("2030-01-01T00:00:00Z"))
    assert again == document  # its own modified and published, the GIT range and the versions
    assert from_osv(again, "PSC-2026-0201", PACKAGES) == advisory
    validator = Draft202012Validator(load_schema("osv.schema.json"))
    assert list(validator.iter_errors(again)) == []


PYSEC_1 = b'{"id": "PYSEC-1", "modified": "2026-01-01T00:00:00Z", '


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"key: [unclosed", "neither JSON nor YAML"),
        (b"!!python/object/apply:os.system ['true']", "neither JSON nor YAML"),
        (b"a: &x [1, 2]\nb: [*x, *x]\n", "YAML aliases"),
        (b'{"id": "PYSEC-1", "modified": "x"}', "'x' is not an RFC 3339 time"),
        (PYSEC_1 + b'"aliases": 5}', "aliases is not a list of strings"),
        (PYSEC_1 + b'"credits": [{"name": "a", "type": ["x"]}]}', "wrong type"),
        (PYSEC_1 + b'"database_specific": 5}', "not an object"),
        (PYSEC_1 + b'"references": [{"type": {}, "url": "https://x"}]}', "wrong type"),
        (b"[1, 2]", "an object"),
        (b'{"title": "x"}', "none of their identifying fields"),
        (PYSEC_1 + b'"affected": [{"package": {"ecosystem": "npm", "name": "x"}}]}', "npm"),
        (b"x" * (4 * 1024 * 1024 + 1), "at most"),
    ],
)
def test_a_broken_or_hostile_file_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImportError_, match=message):
        document = parse_document(data)
        to_record(document, "PSC-2026-0202", PACKAGES)


def test_declared_scores_that_disagree_with_their_vectors_are_reported() -> None:
    broken = json.loads(json.dumps(CVE_RECORD))
    broken["containers"]["cna"]["metrics"][0]["cvssV3_1"]["baseScore"] = 9.9
    assert declared_score_warnings(CVE_RECORD) == []
    (warning,) = declared_score_warnings(broken)
    assert "states 9.9" in warning and "scores 5.5" in warning


def cli_home(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    """A workspace for the command line: the drafts' config, with an identity whose secret key is here."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(with_identity(CONFIG, gpg_world.team))
    return home


def test_import_command_seeds_cases_cells_and_drafts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = cli_home(tmp_path, gpg_world)
    files = {
        "osv.json": json.dumps(OSV_RECORD),
        "pysec.yaml": OSV_YAML,
        "cve.json": json.dumps(CVE_RECORD),
        "hostile.json": '{"id": "PYSEC-2026-1", "modified": "2026-01-01T00:00:00Z", '
        '"summary": "\\u001b[2J\\u202eevil", '
        '"affected": [{"package": {"ecosystem": "PyPI", "name": "uv"}, "ranges": '
        '[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}',
        "broken.json": "{",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path / name) for name in files]
    assert run(["--home", str(home), "import", *paths, str(tmp_path / "missing.json")]) == 1
    captured = capsys.readouterr()
    case_ids = captured.out.split()
    assert len(case_ids) == 4
    assert "broken.json: not imported: " in captured.err
    assert "missing.json: not imported: cannot be read" in captured.err
    config = parse_config(home / "config.toml", CONFIG)
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        setuptools = drafts.load(case_ids[0])
        assert setuptools.saved and setuptools.advisory.id == "PYSEC-2026-17"
        assert setuptools.matrix == setuptools.advisory.packages  # the cells say what the advisory says
        cve = drafts.load(case_ids[2])
        assert [(p.project, str(p.status)) for p in cve.matrix] == [("pip", "affected"), ("uv", "affected")]
        with reader(home / "triage.db") as connection:
            hostile = get_case(connection, case_ids[3])
        assert hostile is not None and "\x1b" not in hostile.summary.title and "\u202e" not in hostile.summary.title
    finally:
        drafts.store.close()
    assert run(["--home", str(home), "import", paths[0]]) == 0  # the same bytes again: unchanged, not refused
    assert f"unchanged: {case_ids[0]} already holds this advisory" in capsys.readouterr().err


def test_a_record_of_a_held_flaw_joins_its_case_instead_of_a_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    """Another record with the same CVE id joins the case (kept under its own id); our own export of the draft is
    the same record (its id) again, so it updates the kept record rather than opening a case."""
    home = cli_home(tmp_path, gpg_world)
    (tmp_path / "a.json").write_text(json.dumps(OSV_RECORD))
    assert run(["--home", str(home), "import", str(tmp_path / "a.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    same_cve = dict(OSV_RECORD, id="GHSA-4x5q-v2wc-mh8j", aliases=["CVE-2026-30001"], modified="2026-06-01T00:00:00Z")
    (tmp_path / "b.json").write_text(json.dumps(same_cve))
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--output", str(tmp_path / "c.json")]) == 0
    capsys.readouterr()
    own = json.loads((tmp_path / "c.json").read_text())
    assert own["id"] == "PYSEC-2026-17"  # a record from a database keeps its id
    # Found by its own id alone; changed, so `modified` moved on (the same time saying something else is refused).
    (tmp_path / "c.json").write_text(json.dumps(dict(own, aliases=[], modified="2026-07-01T00:00:00Z")))
    assert run(["--home", str(home), "import", str(tmp_path / "b.json"), str(tmp_path / "c.json")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # no new case
    assert f"imported into {case_id}" in captured.err and f"updated in {case_id}" in captured.err


def test_several_entries_for_one_package_become_one_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    record = json.loads(json.dumps(OSV_RECORD))
    first, second = ({"introduced": "0"}, {"fixed": "70.0"}), ({"introduced": "75.0"}, {"fixed": "78.1.1"})
    record["affected"] = [
        {"package": {"ecosystem": "PyPI", "name": "setuptools"}, "ranges": [{"type": "ECOSYSTEM", "events": list(e)}]}
        for e in (second, first)
    ]
    home = cli_home(tmp_path, gpg_world)
    (tmp_path / "r.json").write_text(json.dumps(record))
    assert run(["--home", str(home), "import", str(tmp_path / "r.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", parse_config(home / "config.toml", CONFIG))
    try:
        draft = drafts.load(case_id)
    finally:
        drafts.store.close()
    # The record keeps the entries as the document lists them (its OSV export gives them back); the matrix holds
    # one cell for the package, its ranges in version order.
    assert [p.events for p in draft.advisory.packages] == [
        (("introduced", "75.0"), ("fixed", "78.1.1")),
        (("introduced", "0"), ("fixed", "70.0")),
    ]
    (cell,) = draft.matrix
    assert cell.events == (("introduced", "0"), ("fixed", "70.0"), ("introduced", "75.0"), ("fixed", "78.1.1"))
    assert to_osv(draft.advisory, datetime.now(UTC))["affected"] == record["affected"]
