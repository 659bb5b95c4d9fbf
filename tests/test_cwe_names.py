"""Tests that CWE names are MITRE's official ones everywhere: the catalogue agrees with the CSAF reference validator's,
every importer names a known CWE officially whatever the record said, and validation flags a name that differs."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

from csaf_reference import reference_failures, validator_cwe_names
from test_advisory_csaf import compile_csaf
from test_advisory_cve import CVE_RECORD
from test_advisory_cve import PACKAGES as CVE_PACKAGES
from test_advisory_ghsa import OBJECT
from test_advisory_ghsa import PACKAGES as GHSA_PACKAGES
from test_advisory_import import OSV_RECORD
from triage_tui.advisories.cve_reader import from_cve
from triage_tui.advisories.cwe_names import catalogue, cwe_name
from triage_tui.advisories.ghsa_reader import from_ghsa
from triage_tui.advisories.osv import from_osv
from triage_tui.advisories.record import Weakness, weakness
from triage_tui.advisories.validation import validate

CODE_INJECTION = "Improper Control of Generation of Code ('Code Injection')"
SHORT_CODE_INJECTION = "Improper Control of Generation of Code"
"""How CVE records (and NVD) often spell CWE-94: the official name without its "('Code Injection')"."""
PYPA_CWE_IDS = ("CWE-20", "CWE-113", "CWE-209", "CWE-285", "CWE-354", "CWE-409", "CWE-416", "CWE-427", "CWE-532")
"""Every CWE pypa/advisory-database's records name: `git grep -ho "CWE-[0-9]*" HEAD -- vulns | sort -u` there."""
TEST_CWE_IDS = ("CWE-22", "CWE-59", "CWE-78", "CWE-79", "CWE-94", "CWE-200", "CWE-295", "CWE-400", "CWE-502")
"""The CWEs the advisory tests and the fake GitHub use."""
NEWER_CWE = ("CWE-1427", "Improper Neutralization of Input Used for LLM Prompting")
"""A CWE added after the catalogue the product ships (CWE 4.15): known to the validator, not to the product."""


def test_the_catalogue_is_mitres_cwe_4_14_as_the_reference_validator_has_it() -> None:
    assert catalogue() == validator_cwe_names("cwec/4.14.js")


def test_every_cwe_in_use_has_the_name_the_validators_test_6_1_11_expects() -> None:
    current = validator_cwe_names()
    for cwe_id in PYPA_CWE_IDS + TEST_CWE_IDS:
        assert cwe_name(cwe_id) == current[cwe_id], cwe_id
    assert cwe_name(NEWER_CWE[0]) == "" and current[NEWER_CWE[0]] == NEWER_CWE[1]
    assert cwe_name("CWE-99999") == cwe_name("CWE-94 ") == cwe_name("cwe-94") == ""


def cve_with(cwe_id: str, description: str) -> dict[str, Any]:
    record = copy.deepcopy(CVE_RECORD)
    problem = record["containers"]["cna"]["problemTypes"][0]["descriptions"][0]
    problem.update(cweId=cwe_id, description=description)
    return record


def test_a_cve_records_short_cwe_name_becomes_the_official_one_and_passes_csaf_test_6_1_11() -> None:
    """The known bug: CVE-style "Improper Control of Generation of Code" passed the product's checks and failed the
    reference validator's test 6.1.11."""
    advisory = from_cve(cve_with("CWE-94", f"CWE-94: {SHORT_CODE_INJECTION}"), "PSC-2026-0042", CVE_PACKAGES)
    assert advisory.weaknesses == (Weakness("CWE-94", CODE_INJECTION),)
    newer = from_cve(cve_with(NEWER_CWE[0], f"{NEWER_CWE[0]}: {NEWER_CWE[1]}"), "PSC-2026-0043", CVE_PACKAGES)
    assert newer.weaknesses == (Weakness(*NEWER_CWE),)  # unknown to the catalogue: the record's own text stays
    documents = [compile_csaf(replace(a, credits=())) for a in (advisory, newer)]
    assert [d["vulnerabilities"][0]["cwe"]["name"] for d in documents] == [CODE_INJECTION, NEWER_CWE[1]]
    assert reference_failures(documents) == [[], []]


def test_githubs_cwe_names_give_way_to_the_official_ones() -> None:
    document = copy.deepcopy(OBJECT)
    document["cwes"] = [
        {"cwe_id": "CWE-94", "name": SHORT_CODE_INJECTION},
        {"cwe_id": NEWER_CWE[0], "name": NEWER_CWE[1]},
        {"cwe_id": "CWE-99999", "name": ""},
    ]
    document["cwe_ids"] = ["CWE-94", "CWE-532"]
    advisory = from_ghsa(document, "PSC-2026-0001", GHSA_PACKAGES)
    assert advisory.weaknesses == (
        Weakness("CWE-94", CODE_INJECTION),
        Weakness("CWE-532", "Insertion of Sensitive Information into Log File"),
        Weakness(*NEWER_CWE),
        Weakness("CWE-99999", ""),
    )


def test_osv_cwe_ids_get_their_official_names() -> None:
    record = json.loads(json.dumps(OSV_RECORD))
    record["database_specific"] = {"cwe_ids": ["CWE-94", "CWE-416", NEWER_CWE[0]]}
    advisory = from_osv(record, "PSC-2026-0001", {"pip": ["pip"]})
    assert advisory.weaknesses == (
        Weakness("CWE-94", CODE_INJECTION),
        Weakness("CWE-416", "Use After Free"),  # not in the small table the product had before
        Weakness(NEWER_CWE[0], ""),  # OSV carries no names: validation asks the author for this one
    )


def test_validation_names_the_official_name_of_a_misnamed_cwe() -> None:
    advisory = from_osv(json.loads(json.dumps(OSV_RECORD)), "PSC-2026-0001", {"pip": ["pip"]})
    misnamed = replace(advisory, weaknesses=(Weakness("CWE-94", SHORT_CODE_INJECTION), Weakness(*NEWER_CWE)))
    problems = [p for p in validate(misnamed) if p.field == "weaknesses"]
    assert [p.message for p in problems] == [
        f"CWE-94 is officially named {CODE_INJECTION!r}, not {SHORT_CODE_INJECTION!r}"
    ]
    assert [p for p in validate(replace(advisory, weaknesses=(weakness("CWE-94"),))) if p.field == "weaknesses"] == []
