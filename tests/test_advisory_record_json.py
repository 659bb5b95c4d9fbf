"""The advisory record's stored JSON keeps every field a real advisory has, and reads older and hostile forms."""

from __future__ import annotations

import pytest

from triage_tui.advisories.record import (
    Advisory,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
)
from triage_tui.domain import ImpactStatus

FULL = Advisory(
    case_id="PSC-2026-0001",
    summary="",
    details="Line one\r\nline two",
    aliases=("CVE-2021-3572", "GHSA-5xp3-jfq3-5q8x"),
    packages=(
        PackageImpact(
            "pip",
            "pip",
            ImpactStatus.FIXED,
            (("introduced", "0"), ("fixed", "21.1")),
            Ecosystem.PYPI,
            versions=("19.2", "20.0"),
            other_ranges=({"type": "GIT", "repo": "https://github.com/pypa/pip", "events": [{"introduced": "0"}]},),
            purl="pkg:pypi/pip",
            severity=(("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),),
            ecosystem_specific={"affected_functions": ["pip._internal.vcs.git.Git.get_revision_sha"]},
            database_specific={"source": "https://example.org/x.json"},
        ),
    ),
    references=(Reference(ReferenceType.EVIDENCE, "https://example.org/poc"),),
    id="PYSEC-2021-437",
    published="2021-11-05T19:15:00Z",
    modified="2023-11-08T03:59:11.683924Z",
    related=("CVE-2021-9999",),
    upstream=("CVE-2021-3572",),
    other_severity=(("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N"),),
    database_specific={"github_reviewed": True, "severity": "MODERATE", "cwe_ids": ["CWE-77"]},
)


def test_every_field_survives_the_stored_form() -> None:
    assert Advisory.from_json(FULL.to_json()) == FULL


def test_every_osv_reference_type_is_known() -> None:
    osv_types = {"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED", "GIT", "PACKAGE"}
    assert osv_types | {"EVIDENCE", "WEB"} == {str(t) for t in ReferenceType}


def test_a_record_stored_before_the_new_fields_reads_with_them_empty() -> None:
    old = {
        "case_id": "PSC-2026-0002",
        "summary": "s",
        "packages": [{"project": "pip", "name": "pip", "status": "affected", "events": [["introduced", "0"]]}],
    }
    record = Advisory.from_json(old)
    assert (record.id, record.published, record.database_specific) == ("", "", None)
    assert record.packages[0].versions == () and record.packages[0].other_ranges == ()
    assert "id" not in record.to_json() and "versions" not in record.to_json()["packages"][0]


@pytest.mark.parametrize(
    "change",
    [
        {"database_specific": ["not", "an", "object"]},
        {"related": "CVE-2021-1"},
        {"packages": [{"project": "p", "name": "p", "status": "affected", "other_ranges": ["GIT"]}]},
        {"other_severity": [["CVSS_V2"]]},
    ],
)
def test_a_malformed_stored_field_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not an advisory record"):
        Advisory.from_json({**FULL.to_json(), **change})
