"""Tests for the CSAF 2.0 compiler, validated against the official CSAF schema and the CVSS schemas it refers to
(in ../shared/schemas, never copied into the project), and for the checker of the mandatory tests a schema cannot
express."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from advisory_fixtures import consented, draft, schema_errors
from advisory_fixtures import csaf_validator as shared_csaf_validator
from csaf_reference import AddDocument, csaf_reference, csaf_reference_batch  # noqa: F401  (the fixtures: the reference validator)
from test_matrix_export import CELLS, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.csaf import to_csaf
from triage_tui.advisories.csaf_checks import csaf_problems
from triage_tui.advisories.csaf_products import affected_intervals, vers
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
    weakness,
)
from triage_tui.domain import ImpactStatus, VexJustification

MOMENT = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
VECTOR_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
EXPECTED_GROUPS = {
    ImpactStatus.FIXED: {"known_affected", "fixed"},
    ImpactStatus.AFFECTED: {"known_affected"},
    ImpactStatus.FIX_IN_PROGRESS: {"known_affected"},
    ImpactStatus.WONT_FIX: {"known_affected"},
    ImpactStatus.NOT_AFFECTED: {"known_not_affected"},
    ImpactStatus.INVESTIGATING: {"under_investigation"},
}


@pytest.fixture(scope="module")
def csaf_validator() -> Draft202012Validator:
    return shared_csaf_validator()


def compile_csaf(advisory: Advisory, **options: Any) -> dict[str, Any]:
    return to_csaf(
        advisory,
        publisher_name="Python Security Coordination",
        publisher_namespace="https://security.example.org",
        initial_release=MOMENT,
        current_release=MOMENT,
        **options,
    )


def products(document: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    """Every product of the tree by id: (vendor, package, branch category, branch name)."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for vendor in document["product_tree"]["branches"]:
        for package in vendor["branches"]:
            for leaf in package["branches"]:
                found[leaf["product"]["product_id"]] = (vendor["name"], package["name"], leaf["category"], leaf["name"])
    return found


def by_project(document: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Per project, each status group and the branch names (vers range or version) of its products there."""
    tree = products(document)
    groups: dict[str, dict[str, list[str]]] = {}
    for group, ids in document["vulnerabilities"][0].get("product_status", {}).items():
        for product_id in ids:
            project, _package, _category, name = tree[product_id]
            groups.setdefault(project, {}).setdefault(group, []).append(name)
    return groups


def test_a_multi_project_case_compiles_to_valid_csaf(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    advisory = replace(
        consented(draft(database, "PSC-2026-0001")),
        details="Extracting a crafted sdist writes outside the build directory.",
        aliases=("CVE-2026-12345", "GHSA-abcd-efgh-ijkl", "PYSEC-2026-1"),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3=VECTOR,
        cvss_v4=VECTOR_V4,
        references=(Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/1"),),
    )
    document = csaf_reference(compile_csaf(advisory))
    assert not schema_errors(csaf_validator, document)
    assert csaf_problems(document) == []
    meta = document["document"]
    assert meta["category"] == "csaf_security_advisory" and meta["csaf_version"] == "2.0"
    assert meta["publisher"]["category"] == "coordinator"
    assert meta["tracking"]["id"] == "triage-tui-PSC-2026-0001"
    tracking = meta["tracking"]
    assert tracking["initial_release_date"] == tracking["current_release_date"] == "2026-06-02T08:00:00Z"
    assert [r["number"] for r in meta["tracking"]["revision_history"]] == ["1"]
    assert meta["tracking"]["generator"]["engine"]["name"] == "triage-tui"
    assert meta["distribution"]["tlp"]["label"] == "WHITE"
    assert [(n["category"], n["text"]) for n in meta["notes"]] == [
        ("summary", advisory.summary),
        ("details", advisory.details),
    ]
    assert meta["references"] == [
        {
            "category": "self",
            "summary": "Canonical URL",
            "url": "https://security.example.org/.well-known/csaf/white/2026/triage-tui-psc-2026-0001.json",
        },
        {"category": "external", "summary": "Fix", "url": "https://github.com/pypa/pip/pull/1"},
    ]
    assert [(a["names"], a["summary"]) for a in meta["acknowledgments"]] == [
        ([advisory.credits[0].name], "finder"),
        (["Alex Coordinator"], "coordinator"),
    ]
    vulnerability = document["vulnerabilities"][0]
    assert vulnerability["cve"] == "CVE-2026-12345"
    assert [i["text"] for i in vulnerability["ids"]] == ["GHSA-abcd-efgh-ijkl", "PYSEC-2026-1"]
    assert vulnerability["cwe"] == {"id": "CWE-22", "name": weakness("CWE-22").name}
    # pip fixed twice over (24.1, then 25.0 brought it back until 25.0.1): one range, both fixed versions.
    assert by_project(document) == {
        "pip": {"known_affected": ["vers:pypi/>=20.0|<24.1|>=25.0|<25.0.1"], "fixed": ["24.1", "25.0.1"]},
        "uv": {"known_not_affected": ["vers:pypi/*"]},
        "setuptools": {"under_investigation": ["vers:pypi/*"]},
    }
    pip_range = vulnerability["product_status"]["known_affected"]
    assert vulnerability["flags"] == [
        {"label": "component_not_present", "product_ids": vulnerability["product_status"]["known_not_affected"]}
    ]
    # Only the affected product is scored (never a fixed one), and the score is computed from the vector.
    assert vulnerability["scores"] == [
        {
            "cvss_v3": {"version": "3.1", "vectorString": VECTOR, "baseScore": 8.8, "baseSeverity": "HIGH"},
            "products": pip_range,
        }
    ]
    assert vulnerability["remediations"] == [
        {
            "category": "vendor_fix",
            "details": "Upgrade pip to 25.0.1 or later (fixed releases: 24.1, 25.0.1).",
            "product_ids": pip_range,
        }
    ]
    v4 = next(note for note in vulnerability["notes"] if note.get("title") == "CVSS v4.0")
    assert v4["text"].startswith(VECTOR_V4) and "9.3" in v4["text"]
    assert all(leaf[3] != "" for leaf in products(document).values())
    assert products(document)[pip_range[0]][:3] == ("pip", "pip", "product_version_range")


@pytest.mark.parametrize("case_id", sorted({case_id for case_id, _project in CELLS}))
def test_each_package_has_the_status_of_its_matrix_cell(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
    csaf_reference: AddDocument,  # noqa: F811
    case_id: str,
) -> None:
    document = csaf_reference(compile_csaf(replace(draft(database, case_id), cvss_v3=VECTOR)))
    assert not schema_errors(csaf_validator, document), case_id
    assert csaf_problems(document) == []
    vulnerability = document["vulnerabilities"][0]
    assert "scores" in vulnerability  # every one of these cases has an affected package, so the registry is used
    groups = by_project(document)
    cells = {project: cell for (case, project), cell in CELLS.items() if case == case_id}
    assert set(groups) == set(cells)  # a project never checked is not in the advisory
    tree = products(document)
    for project, cell in cells.items():
        assert set(groups[project]) == EXPECTED_GROUPS[cell.status], (case_id, project)
        if cell.status == ImpactStatus.FIXED:
            assert cell.fixed_version in groups[project]["fixed"]
        if cell.status == ImpactStatus.NOT_AFFECTED:
            flagged = {tree[i][0]: flag["label"] for flag in vulnerability["flags"] for i in flag["product_ids"]}
            assert flagged[project] == str(cell.justification)
    if case_id == "PSC-2026-0002":
        assert groups["uv"] == {"known_affected": ["vers:pypi/*"]}  # 0.4.2 is not released: the range stays open
    remediations = {tree[r["product_ids"][0]][0]: r["category"] for r in vulnerability.get("remediations", [])}
    expected = {
        project: {
            ImpactStatus.FIXED: "vendor_fix",
            ImpactStatus.WONT_FIX: "no_fix_planned",
        }.get(cell.status, "none_available")
        for project, cell in cells.items()
        if cell.status not in (ImpactStatus.NOT_AFFECTED, ImpactStatus.INVESTIGATING)
    }
    assert remediations == expected


@pytest.mark.parametrize("case_id", ["PSC-2026-0003", "PSC-2026-0007"])
def test_a_case_with_no_settled_package_is_valid_json_but_not_a_security_advisory_yet(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
    case_id: str,
) -> None:
    document = compile_csaf(replace(draft(database, case_id), cvss_v3=VECTOR))
    assert not schema_errors(csaf_validator, document)
    assert "product_tree" not in document and "scores" not in document["vulnerabilities"][0]
    problems = csaf_problems(document)
    assert any(p.startswith("6.1.27.4:") for p in problems) and any(p.startswith("6.1.27.6:") for p in problems)


def test_a_declined_credit_and_contact_addresses_are_never_exported(
    database: Path,  # noqa: F811
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    advisory = draft(database, "PSC-2026-0002")
    assert advisory.credits[0].role == CreditRole.FINDER and not advisory.credits[0].contact  # no address filled in
    declined = Credit("Sam Finder", CreditRole.FINDER, ("mailto:sam@example.org",), consent=Consent.DECLINED)
    pending = Credit("Pat Pending", CreditRole.ANALYST)
    helper = Credit(
        "Robin Fixer",
        CreditRole.REMEDIATION_DEVELOPER,
        ("mailto:robin@example.org", "https://robin.example.org"),
        consent=Consent.ACCEPTED,
        github_login="robinf",
    )
    document = csaf_reference(
        compile_csaf(replace(advisory, credits=(declined, pending, *advisory.credits[1:], helper)))
    )
    text = json.dumps(document)
    assert "Sam Finder" not in text and "sam@example.org" not in text and "Pat Pending" not in text
    assert "mailto:" not in text  # an e-mail address is for reaching people, not for publishing
    acknowledgments = document["document"]["acknowledgments"]
    assert {"names": ["Alex Coordinator"], "summary": "coordinator"} in acknowledgments
    assert {
        "names": ["Robin Fixer"],
        "summary": "remediation developer",
        "urls": ["https://robin.example.org", "https://github.com/robinf"],
    } in acknowledgments


def test_an_embargo_makes_the_document_tlp_amber_until_it_ends(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    advisory = replace(draft(database, "PSC-2026-0002"), cvss_v3=VECTOR)
    embargoed = csaf_reference(compile_csaf(advisory, embargo_until=MOMENT + timedelta(days=7)))
    assert not schema_errors(csaf_validator, embargoed)
    distribution = embargoed["document"]["distribution"]
    assert distribution["tlp"]["label"] == "AMBER" and "2026-06-09T08:00:00Z" in distribution["text"]
    lifted = csaf_reference(compile_csaf(advisory, embargo_until=MOMENT - timedelta(days=1)))
    assert lifted["document"]["distribution"] == {"tlp": {"label": "WHITE"}}
    assert csaf_reference(compile_csaf(advisory))["document"]["distribution"] == {"tlp": {"label": "WHITE"}}


def test_conda_packages_use_vers_conda_and_an_unnamed_cwe_is_left_out(
    csaf_validator: Draft202012Validator,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    advisory = Advisory(
        case_id="PSC-2026-0042",
        summary="Channel spoofing in the solver",
        weaknesses=(weakness("CWE-99999"), weakness("CWE-22")),
        cvss_v3=VECTOR,
        packages=(
            PackageImpact(
                "conda", "conda", ImpactStatus.FIXED, (("introduced", "0"), ("fixed", "25.5.1")), Ecosystem.CONDA
            ),
            PackageImpact("pip", "pip", ImpactStatus.NOT_AFFECTED, justification=VexJustification.NOT_IN_EXECUTE_PATH),
        ),
    )
    document = csaf_reference(compile_csaf(advisory, status="final"))
    assert not schema_errors(csaf_validator, document)
    assert csaf_problems(document) == []
    assert by_project(document) == {
        "conda": {"known_affected": ["vers:conda/<25.5.1"], "fixed": ["25.5.1"]},
        "pip": {"known_not_affected": ["vers:pypi/*"]},
    }
    purls = [
        leaf["product"]["product_identification_helper"]["purl"]
        for vendor in document["product_tree"]["branches"]
        for package in vendor["branches"]
        for leaf in package["branches"]
    ]
    assert purls == ["pkg:conda/conda", "pkg:conda/conda@25.5.1", "pkg:pypi/pip"]
    vulnerability = document["vulnerabilities"][0]
    assert "cwe" not in vulnerability and "cve" not in vulnerability  # no name for CWE-99999: never invented
    other = next(note for note in vulnerability["notes"] if note.get("title") == "Other weaknesses")
    assert "CWE-99999" in other["text"] and "CWE-22" in other["text"]
    assert vulnerability["flags"][0]["label"] == "vulnerable_code_not_in_execute_path"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ((("introduced", "0"),), "vers:pypi/*"),
        ((), "vers:pypi/*"),
        ((("introduced", "0"), ("last_affected", "1.2")), "vers:pypi/<=1.2"),
        ((("introduced", "1.0"), ("last_affected", "1.0")), "vers:pypi/1.0"),
        ((("introduced", "25.0"), ("introduced", "20.0"), ("fixed", "24.1")), "vers:pypi/>=20.0|<24.1|>=25.0"),
        ((("fixed", "1.0"), ("introduced", "2.0"), ("fixed", "3.0")), "vers:pypi/>=2.0|<3.0"),
    ],
)
def test_events_become_sorted_vers_ranges(events: tuple[tuple[str, str], ...], expected: str) -> None:
    assert vers(Ecosystem.PYPI, affected_intervals(events)) == expected


def test_the_checker_finds_what_the_schema_cannot(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    valid = csaf_reference(compile_csaf(replace(draft(database, "PSC-2026-0001"), cvss_v3=VECTOR)))
    affected_id = valid["vulnerabilities"][0]["product_status"]["known_affected"][0]

    def broken(change: str) -> dict[str, Any]:
        document = copy.deepcopy(valid)
        vulnerability = document["vulnerabilities"][0]
        if change == "undefined":
            vulnerability["product_status"]["fixed"].append("CSAFPID-9999")
        elif change == "duplicate":
            leaves = document["product_tree"]["branches"][0]["branches"][0]["branches"]
            leaves.append(copy.deepcopy(leaves[0]))
        elif change == "contradicting":
            vulnerability["product_status"]["known_not_affected"].append(affected_id)
        elif change == "score":
            vulnerability["scores"][0]["cvss_v3"]["baseScore"] = 9.9
        elif change == "version":
            document["document"]["tracking"]["version"] = "3"
            document["document"]["tracking"]["revision_history"][0]["number"] = "3"
        # The schema takes every one of these: only the checker sees them.
        assert not schema_errors(csaf_validator, document), change
        return document

    assert csaf_problems(valid) == []
    assert csaf_problems(broken("undefined")) == [
        "6.1.1: /vulnerabilities[0]/product_status/fixed[2] refers to CSAFPID-9999, which the product tree does not "
        "define"
    ]
    [duplicate] = csaf_problems(broken("duplicate"))
    assert duplicate.startswith("6.1.2: /product_tree/branches[0]/branches[0]/branches[3]/product/product_id defines ")
    assert affected_id in duplicate
    assert csaf_problems(broken("contradicting")) == [
        f"6.1.6: /vulnerabilities[0]/product_status lists {affected_id} as both affected and not affected"
    ]
    assert csaf_problems(broken("score")) == [
        "6.1.9: /vulnerabilities[0]/scores[0]/cvss_v3/baseScore is 9.9, the vector scores 8.8"
    ]
    assert [p.split(":", 1)[0] for p in csaf_problems(broken("version"))] == ["6.1.21"]


def test_the_registry_lets_the_schema_check_the_cvss_object(
    database: Path,  # noqa: F811
    csaf_validator: Draft202012Validator,
) -> None:
    document = compile_csaf(replace(draft(database, "PSC-2026-0002"), cvss_v3=VECTOR))
    document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = "SEVERE"
    # Without the registry this would raise Unresolvable; with it, FIRST's CVSS schema rejects the severity.
    assert schema_errors(csaf_validator, document)
