"""Tests for the OSV fields and shapes the pypa corpus lacks (several ECOSYSTEM ranges, one placed first or with its
own fields, `limit`, upstream, other severities, per-package severity, free-form objects): each is imported and
written back unchanged, an edit is written the usual way, and what YAML makes that JSON cannot hold is refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from advisory_fixtures import osv_validator
from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.advisories.osv import from_osv, to_osv
from triage_tui.advisories.record import Advisory
from triage_tui.domain import ImpactStatus

NOW = datetime(2030, 1, 1, tzinfo=UTC)
PACKAGES = {"pip": ("pip",)}
COMMIT = "8b6c1e0f3a2d4c5b6a7980f1e2d3c4b5a6978877"
GIT = {"type": "GIT", "repo": "https://github.com/pypa/pip", "events": [{"introduced": "0"}, {"limit": COMMIT}]}
RECORD: dict[str, Any] = {
    "schema_version": "1.6.0",
    "id": "GHSA-aaaa-bbbb-cccc",
    "modified": "2025-03-04T05:06:07.123Z",
    "published": "2025-03-01T00:00:00Z",
    "upstream": ["CVE-2025-1"],
    "related": ["PYSEC-2025-9"],
    "details": "No summary: OSV's is optional.",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "pip", "purl": "pkg:pypi/pip"},
            "severity": [
                {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:N/A:N"},
                {"type": "Ubuntu", "score": "high"},
            ],
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "1.0"}, {"fixed": "1.5"}],
                    "database_specific": {"source": "a"},
                },
                GIT,
                {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"limit": "3.0"}]},
            ],
            "ecosystem_specific": {"affected_functions": ["pip._internal.x"]},
            "database_specific": {"last_known_affected_version_range": "< 3.0"},
        },
        {
            "package": {"ecosystem": "PyPI", "name": "pip"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
            "ecosystem_specific": {},
        },
    ],
    "database_specific": {"cwe_ids": [], "severity": "HIGH", "github_reviewed": True, "nvd_published_at": None},
}


def test_every_field_and_range_shape_comes_back_unchanged_and_valid() -> None:
    assert not list(osv_validator().iter_errors(RECORD))
    advisory = from_osv(json.loads(json.dumps(RECORD)), "PSC-2026-0300", PACKAGES)
    first, second = advisory.packages
    # The matrix reads releases only: the ECOSYSTEM events without `limit`, the other ranges aside.
    assert first.events == (("introduced", "1.0"), ("fixed", "1.5"), ("introduced", "2.0"))
    assert first.other_ranges == (GIT,) and second.events == () and second.other_ranges[0]["type"] == "SEMVER"
    assert first.severity == (("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N"), ("Ubuntu", "high"))
    assert advisory.summary == "" and advisory.upstream == ("CVE-2025-1",)
    stored = Advisory.from_json(json.loads(json.dumps(advisory.to_json())))
    assert stored == advisory
    for record in (advisory, stored):
        assert to_osv(record, NOW) == RECORD


def test_an_edited_range_is_written_the_usual_way_and_removed_weaknesses_leave_the_rest() -> None:
    advisory = from_osv(json.loads(json.dumps(RECORD)), "PSC-2026-0300", PACKAGES)
    first = advisory.packages[0]
    edited = replace(first, status=ImpactStatus.FIXED, events=(("introduced", "1.0"), ("fixed", "1.6")))
    document = to_osv(replace(advisory, packages=(edited, *advisory.packages[1:])), NOW)
    assert document["affected"][0]["ranges"] == [
        GIT,
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.6"}]},
    ]
    with_cwe = from_osv({**RECORD, "database_specific": {"cwe_ids": ["CWE-22"], "severity": "HIGH"}}, "P", PACKAGES)
    assert [w.id for w in with_cwe.weaknesses] == ["CWE-22"]
    assert to_osv(replace(with_cwe, weaknesses=()), NOW)["database_specific"] == {"severity": "HIGH"}


def test_a_package_known_only_by_its_versions_gives_the_matrix_each_one_and_exports_only_the_list() -> None:
    entry = {"package": {"ecosystem": "PyPI", "name": "pip"}, "versions": ["0.5", "0.7"]}
    record = {"id": "PYSEC-2024-1", "modified": "2024-01-03T22:31:36Z", "affected": [entry]}
    advisory = from_osv(record, "PSC-2026-0301", PACKAGES)
    assert advisory.packages[0].events == (
        ("introduced", "0.5"),
        ("last_affected", "0.5"),
        ("introduced", "0.7"),
        ("last_affected", "0.7"),
    )
    assert to_osv(advisory, NOW) == record


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("database_specific: {when: !!binary aGVsbG8=}", "bytes is not JSON"),
        ("database_specific: {1: one}", "key is not text"),
        ("database_specific: {x: !!set {a}}", "set is not JSON"),
        ("database_specific: {x: .nan}", "not a JSON number"),
        ("published: yesterday", "not an RFC 3339 time"),
        ("related: PYSEC-1", "related is not a list of strings"),
        (
            "affected: [{package: {ecosystem: PyPI, name: pip},"
            " ranges: [{type: ECOSYSTEM, events: [{introduced: 1.10}]}]}]",
            "introduced version 1.1 is not text",
        ),
    ],
)
def test_what_json_cannot_hold_refuses_the_file_saying_why(extra: str, message: str) -> None:
    text = f"id: PYSEC-2025-1\nmodified: 2025-01-01T00:00:00Z\n{extra}\n"
    with pytest.raises(ImportError_, match=message):
        to_record(parse_document(text.encode()), "PSC-2026-0302", PACKAGES)


def test_published_under_another_id_the_records_own_id_becomes_an_alias() -> None:
    advisory = from_osv(json.loads(json.dumps(RECORD)), "PSC-2026-0303", PACKAGES)
    document = to_osv(advisory, NOW, osv_id="PYSEC-2025-77")
    assert document["id"] == "PYSEC-2025-77" and document["aliases"] == ["GHSA-aaaa-bbbb-cccc"]


def test_changing_an_exported_document_never_changes_the_record() -> None:
    advisory = from_osv(json.loads(json.dumps(RECORD)), "PSC-2026-0304", PACKAGES)
    document = to_osv(advisory, NOW)
    document["affected"][0]["ranges"][1]["events"].clear()
    document["affected"][0]["database_specific"]["x"] = 1
    document["database_specific"]["severity"] = "LOW"
    assert to_osv(advisory, NOW) == RECORD
