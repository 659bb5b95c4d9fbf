"""Tests for the CVE JSON 5.1 compiler (CNA container and full record), validated against the official schemas in
../shared/schemas, and the CVE importer's round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from advisory_fixtures import CNA_ORG_ID, consented, cve_cna_validator, cve_record_validator, draft
from test_matrix_export import CELLS, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.cve import to_cve_cna, to_cve_record
from triage_tui.advisories.cve_reader import cve_warnings, from_cve
from triage_tui.advisories.record import (
    Consent,
    Credit,
    CreditRole,
    Reference,
    ReferenceType,
    weakness,
)


@pytest.fixture(scope="module")
def record_validator() -> Draft7Validator:
    return cve_record_validator()


@pytest.fixture(scope="module")
def cna_validator() -> Draft7Validator:
    return cve_cna_validator()


def errors_of(validator: Draft7Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_a_multi_project_case_compiles_to_a_valid_cve_record(
    database: Path,  # noqa: F811
    record_validator: Draft7Validator,
    cna_validator: Draft7Validator,
) -> None:
    advisory = replace(
        consented(draft(database, "PSC-2026-0001")),
        details="Extracting a crafted sdist writes outside the build directory.",
        aliases=("CVE-2026-12345", "GHSA-2c3f-4g5h-6j7m"),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
        cvss_v4="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        references=(Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/1"),),
    )
    record = to_cve_record(advisory, org_id=CNA_ORG_ID, short_name="PSF", vendors={"pip": "pypa"})
    assert errors_of(record_validator, record) == []
    assert errors_of(cna_validator, record["containers"]["cna"]) == []
    cna = record["containers"]["cna"]
    assert record["cveMetadata"]["cveId"] == "CVE-2026-12345"
    # pip is fixed in two lines (<24.1 and 25.0 <25.0.1); uv (not affected) and setuptools (investigating) are
    # not listed as affected.
    assert cna["affected"] == [
        {
            "vendor": "pypa",
            "product": "pip",
            "collectionURL": "https://pypi.org",
            "packageName": "pip",
            "defaultStatus": "unaffected",
            "versions": [
                {"version": "20.0", "status": "affected", "lessThan": "24.1", "versionType": "python"},
                {"version": "25.0", "status": "affected", "lessThan": "25.0.1", "versionType": "python"},
            ],
        }
    ]
    assert cna["metrics"][0]["cvssV3_1"]["baseScore"] == 8.8
    assert cna["metrics"][1]["cvssV4_0"]["baseSeverity"] == "HIGH"
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-22"
    assert cna["references"] == [{"url": "https://github.com/pypa/pip/pull/1", "tags": ["patch"]}]
    assert [c["type"] for c in cna["credits"]] == ["finder", "coordinator"]


def test_every_case_of_the_store_compiles_to_a_valid_cna_container(
    database: Path,  # noqa: F811
    cna_validator: Draft7Validator,
) -> None:
    case_ids = sorted({case_id for case_id, _project in CELLS})
    for case_id in case_ids:
        advisory = draft(database, case_id)
        if not advisory.affected():
            continue
        container = to_cve_cna(advisory, org_id=CNA_ORG_ID)
        assert errors_of(cna_validator, container) == [], case_id
        assert container["affected"], case_id


def test_without_a_cna_org_id_or_cve_id_the_schema_says_what_is_missing(
    database: Path,  # noqa: F811
    record_validator: Draft7Validator,
    cna_validator: Draft7Validator,
) -> None:
    advisory = draft(database, "PSC-2026-0002")
    assert any("providerMetadata" in e for e in errors_of(cna_validator, to_cve_cna(advisory, org_id=None)))
    assert errors_of(record_validator, to_cve_record(advisory, org_id=CNA_ORG_ID))  # no CVE id yet


def test_declined_credits_are_left_out_and_roles_use_cve_spelling(database: Path) -> None:  # noqa: F811
    advisory = replace(
        draft(database, "PSC-2026-0002"),
        credits=(
            Credit("Sam Finder", CreditRole.FINDER, consent=Consent.DECLINED),
            Credit("Rae Fixer", CreditRole.REMEDIATION_DEVELOPER, consent=Consent.ACCEPTED),
            Credit("Pat Pending", CreditRole.REMEDIATION_REVIEWER),  # not asked yet: not named
        ),
    )
    container = to_cve_cna(advisory, org_id=CNA_ORG_ID)
    assert container["credits"] == [{"lang": "en", "value": "Rae Fixer", "type": "remediation developer"}]


# A record written for this test in the shape of cvelistV5's PSF records (e.g. CVE-2023-5752, pip's Mercurial
# injection): every field the record model holds is set.
CVE_RECORD: dict[str, Any] = {
    "dataType": "CVE_RECORD",
    "dataVersion": "5.1",
    "cveMetadata": {
        "cveId": "CVE-2026-40001",
        "assignerOrgId": CNA_ORG_ID,
        "assignerShortName": "PSF",
        "state": "PUBLISHED",
    },
    "containers": {
        "cna": {
            "providerMetadata": {"orgId": CNA_ORG_ID, "shortName": "PSF"},
            "title": "pip follows symlinks out of the build directory when unpacking sdists",
            "descriptions": [
                {
                    "lang": "en",
                    "value": "When pip unpacks a source distribution it follows symbolic links...\n\nFixed in 26.0.",
                }
            ],
            "affected": [
                {
                    "vendor": "pypa",
                    "product": "pip",
                    "collectionURL": "https://pypi.org",
                    "packageName": "pip",
                    "defaultStatus": "unaffected",
                    "versions": [
                        {"version": "0", "status": "affected", "lessThan": "25.3", "versionType": "python"},
                        {"version": "25.3", "status": "affected", "lessThanOrEqual": "25.3.2", "versionType": "python"},
                    ],
                },
                {
                    "vendor": "astral-sh",
                    "product": "uv",
                    "collectionURL": "https://pypi.org",
                    "packageName": "uv",
                    "defaultStatus": "unaffected",
                    "versions": [{"version": "0.5.0", "status": "affected", "lessThan": "*", "versionType": "python"}],
                },
            ],
            "problemTypes": [
                {
                    "descriptions": [
                        {
                            "lang": "en",
                            "description": "CWE-59: Improper Link Resolution Before File Access ('Link Following')",
                            "cweId": "CWE-59",
                            "type": "CWE",
                        }
                    ]
                }
            ],
            "references": [
                {"url": "https://github.com/pypa/pip/pull/13550", "tags": ["patch"]},
                {
                    "url": "https://mail.python.org/archives/list/security-announce@python.org/",
                    "tags": ["vendor-advisory"],
                },
                {"url": "https://github.com/pypa/pip/issues/13549", "tags": ["issue-tracking"]},
                {"url": "https://pypi.org/project/pip/", "tags": ["product"]},
                {"url": "https://example.org/write-up"},
            ],
            "metrics": [
                {
                    "cvssV3_1": {
                        "version": "3.1",
                        "vectorString": "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
                        "baseScore": 5.5,
                        "baseSeverity": "MEDIUM",
                    }
                },
                {
                    "cvssV4_0": {
                        "version": "4.0",
                        "vectorString": "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N",
                        "baseScore": 6.7,
                        "baseSeverity": "MEDIUM",
                    }
                },
            ],
            "credits": [
                {"lang": "en", "value": "Sam Finder", "type": "finder"},
                {"lang": "en", "value": "Seth Larson", "type": "coordinator"},
                {"lang": "en", "value": "Rae Fixer", "type": "remediation developer"},
            ],
        }
    },
}
PACKAGES = {"pip": ["pip"], "uv": ["uv"]}


def test_importing_a_cve_record_and_compiling_it_back_keeps_every_field(record_validator: Draft7Validator) -> None:
    assert errors_of(record_validator, CVE_RECORD) == []
    advisory = from_cve(json.loads(json.dumps(CVE_RECORD)), "PSC-2026-0100", PACKAGES)
    assert advisory.aliases == ("CVE-2026-40001",)
    assert [(p.project, str(p.status)) for p in advisory.packages] == [("pip", "affected"), ("uv", "affected")]
    assert advisory.packages[0].events == (
        ("introduced", "0"),
        ("fixed", "25.3"),
        ("introduced", "25.3"),
        ("last_affected", "25.3.2"),
    )
    assert all(c.consent == Consent.ACCEPTED for c in advisory.credits)
    vendors = {"pip": "pypa", "uv": "astral-sh"}
    again = to_cve_record(advisory, org_id=CNA_ORG_ID, short_name="PSF", vendors=vendors)
    assert again == CVE_RECORD
    assert from_cve(again, "PSC-2026-0100", PACKAGES) == advisory


def test_a_cna_container_imports_without_a_cve_id() -> None:
    advisory = from_cve(CVE_RECORD["containers"]["cna"], "PSC-2026-0101", PACKAGES)
    assert advisory.aliases == () and advisory.summary.startswith("pip follows symlinks")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "JSON object"),
        ({"containers": {}, "cveMetadata": {"cveId": "CVE-26-1"}}, "not a CVE id"),
        ({"containers": {"cna": {}}, "cveMetadata": {"cveId": "CVE-2026-1234"}}, "no containers.cna"),
        ({"affected": "pip"}, "affected is not a list"),
    ],
)
def test_a_broken_cve_record_is_refused_with_the_reason(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_cve(document, "PSC-2026-0102", PACKAGES)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"affected": [{"product": "pip", "versions": [{"status": "unaffected", "version": "1"}]}]}, "no affected"),
        ({"affected": [{"versions": []}]}, "names no package"),
    ],
)
def test_a_product_that_cannot_be_read_is_said_and_the_rest_imported(document: Any, message: str) -> None:
    # A product without versions or a name no longer refuses the record: it is left out, with a warning.
    assert from_cve(document, "PSC-2026-0102", PACKAGES).packages == ()
    assert any(message in warning for warning in cve_warnings(document, PACKAGES))
