"""The CVE schema's `uniqueItems`, checked in one pass (jsonschema's own compares every pair: a product listing
thousands of versions took minutes), still finds every repeated item and only those."""

from __future__ import annotations

import copy

from advisory_fixtures import CNA_ORG_ID
from triage_tui.advisories.cve import to_cve_cna
from triage_tui.advisories.formats import _cve_validator
from triage_tui.advisories.record import Advisory, PackageImpact, Reference, ReferenceType
from triage_tui.domain import ImpactStatus

RECORD = Advisory(
    case_id="PSC-2026-0001",
    summary="pip: a flaw",
    details="What it lets an attacker do.",
    packages=(PackageImpact("pip", "pip", ImpactStatus.AFFECTED, (("introduced", "0"),), versions=("1.0", "1.1")),),
    references=(Reference(ReferenceType.WEB, "https://example.org/a"),),
)


def messages(document: dict[str, object]) -> list[str]:
    return [failure.message for failure in _cve_validator("cve-cna", False).iter_errors(document)]


def test_a_container_without_repeats_passes() -> None:
    assert messages(to_cve_cna(RECORD, org_id=CNA_ORG_ID)) == []


def test_a_repeated_version_or_reference_is_found_whatever_its_key_order() -> None:
    document = to_cve_cna(RECORD, org_id=CNA_ORG_ID)
    versions = document["affected"][0]["versions"]
    versions.append(dict(reversed(list(copy.deepcopy(versions[-1]).items()))))  # the same object, keys reordered
    document["references"].append(copy.deepcopy(document["references"][0]))
    found = messages(document)
    assert len(found) == 2 and all("is listed twice" in message for message in found)


def test_items_that_differ_in_one_value_are_not_repeats() -> None:
    document = to_cve_cna(RECORD, org_id=CNA_ORG_ID)
    document["references"].append({"url": "https://example.org/b"})
    assert messages(document) == []
