"""Tests that CSAF exports of every shape pass the CSAF reference validator (schema, all mandatory tests, optional
6.2.5, 6.2.11 and 6.2.13) in one Node batch, and that the product's own checks agree with it on broken documents."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csaf_reference import NODE_DIR, failed_tests, reference_failures
from test_advisory_csaf import MOMENT, VECTOR
from triage_tui.advisories.csaf import canonical_url, file_name, to_csaf
from triage_tui.advisories.csaf_checks import csaf_problems, csaf_warnings
from triage_tui.advisories.csaf_sorting import collation_key
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
    Withdrawal,
    weakness,
)
from triage_tui.domain import ImpactStatus, VexJustification

PIP_FIXED = PackageImpact(
    "pip",
    "pip",
    ImpactStatus.FIXED,
    (("introduced", "20.0"), ("fixed", "24.1"), ("introduced", "25.0"), ("fixed", "25.0.1")),
)
BASE = Advisory(
    case_id="PSC-2026-0101",
    summary="pip: code injection through a crafted build backend name",
    details="A build backend name from pyproject.toml reaches eval().",
    aliases=("CVE-2026-41001", "GHSA-abcd-efgh-ijkl", "PYSEC-2026-7"),
    weaknesses=(weakness("CWE-94"),),
    cvss_v3=VECTOR,
    packages=(PIP_FIXED,),
    references=(Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/13001"),),
    credits=(Credit("Dana Finder", CreditRole.FINDER, consent=Consent.ACCEPTED),),
)
EVERY_STATUS = (
    PIP_FIXED,
    PackageImpact("uv", "uv", ImpactStatus.AFFECTED, (("introduced", "0.4.0"),)),
    PackageImpact("uv", "uv-build", ImpactStatus.FIX_IN_PROGRESS, (("introduced", "0"), ("last_affected", "0.4.2"))),
    PackageImpact("poetry", "poetry-core", ImpactStatus.WONT_FIX, (("introduced", "1.0"), ("last_affected", "1.9"))),
    PackageImpact(
        "setuptools", "setuptools", ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT
    ),
    PackageImpact("pdm", "pdm", ImpactStatus.INVESTIGATING),
    PackageImpact("conda", "conda", ImpactStatus.FIXED, (("introduced", "0"), ("fixed", "25.5.1")), Ecosystem.CONDA),
    PackageImpact("hatch", "hatch", ImpactStatus.UNKNOWN),
)
EVERY_ROLE = tuple(
    Credit(
        f"{role.title().replace('_', ' ')} Person",
        role,
        ("mailto:someone@example.org", f"https://{role.lower()}.example.org"),
        Consent.ACCEPTED,
        github_login=f"user-{role.lower().replace('_', '-')}",
    )
    for role in CreditRole
)
SCENARIOS: dict[str, tuple[Advisory, dict[str, Any]]] = {
    "a-cwe-and-cvss": (BASE, {}),
    "several-cwes": (
        replace(BASE, weaknesses=(weakness("CWE-94"), weakness("CWE-22"), weakness("CWE-416"))),
        {},
    ),
    "withdrawn": (
        replace(BASE, withdrawn=Withdrawal("2026-06-05T08:00:00Z", "Not a vulnerability.")),
        {"initial_release": MOMENT - timedelta(days=2), "current_release": MOMENT + timedelta(days=3)},
    ),
    "embargoed": (BASE, {"embargo_until": MOMENT + timedelta(days=7)}),
    "several-packages-fixed-and-not": (replace(BASE, packages=EVERY_STATUS), {}),
    "credits-of-every-role": (replace(BASE, credits=EVERY_ROLE), {}),
    "first-saved-days-before": (BASE, {"initial_release": MOMENT - timedelta(days=9)}),
    "a-second-revision": (BASE, {"initial_release": MOMENT - timedelta(days=9), "version": "2", "status": "final"}),
    "final-version-1": (BASE, {"status": "final"}),
    # A PyPA record: no summary (CSAF's title then names its ids and packages), references of every OSV type.
    "database-record-without-summary": (
        replace(
            BASE,
            summary="",
            id="PYSEC-2021-99",
            aliases=("CVE-2021-35042",),
            references=tuple(Reference(kind, f"https://example.org/{kind.lower()}") for kind in ReferenceType),
        ),
        {},
    ),
    "nothing-optional": (
        Advisory(case_id="PSC-2026-0102", summary="uv: a crash", packages=(EVERY_STATUS[1],)),
        {"publisher_namespace": "https://security.example.org/advisories/"},
    ),
}


def compiled(name: str) -> dict[str, Any]:
    advisory, options = SCENARIOS[name]
    settings: dict[str, Any] = {
        "publisher_name": "Python Security Coordination",
        "publisher_namespace": "https://security.example.org",
        "initial_release": MOMENT,
        "current_release": MOMENT,
    }
    return to_csaf(advisory, **(settings | options))


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[str]]:
    """The reference validator's findings on every scenario, from one Node process."""
    documents = [compiled(name) for name in SCENARIOS]
    return dict(zip(SCENARIOS, reference_failures(documents), strict=True))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_kind_of_export_passes_the_reference_validator(name: str, verdicts: dict[str, list[str]]) -> None:
    assert verdicts[name] == [], "\n".join(verdicts[name])
    document = compiled(name)
    # The product's own checks, which run without Node, agree.
    assert csaf_problems(document) == [] and csaf_warnings(document) == []


def test_the_scenarios_have_the_shapes_they_are_named_for() -> None:
    withdrawn = compiled("withdrawn")["document"]
    assert (
        withdrawn["category"] == "csaf_base"
        and withdrawn["tracking"]["initial_release_date"] < (withdrawn["tracking"]["current_release_date"])
    )
    assert compiled("embargoed")["document"]["distribution"]["tlp"]["label"] == "AMBER"
    embargoed_url = compiled("embargoed")["document"]["references"][0]["url"]
    assert embargoed_url == "https://security.example.org/.well-known/csaf/amber/2026/triage-tui-psc-2026-0101.json"
    status = compiled("several-packages-fixed-and-not")["vulnerabilities"][0]["product_status"]
    assert set(status) == {"known_affected", "fixed", "known_not_affected", "under_investigation"}
    acknowledgments = compiled("credits-of-every-role")["document"]["acknowledgments"]
    assert len(acknowledgments) == len(CreditRole)
    first_saved = compiled("first-saved-days-before")["document"]["tracking"]
    assert first_saved["initial_release_date"] == first_saved["revision_history"][0]["date"] == "2026-05-24T08:00:00Z"
    assert first_saved["current_release_date"] == "2026-06-02T08:00:00Z"
    assert compiled("database-record-without-summary")["document"]["title"] == "PYSEC-2021-99, CVE-2021-35042 in pip"
    second = compiled("a-second-revision")["document"]["tracking"]["revision_history"]
    assert [(r["number"], r["date"]) for r in second] == [("1", "2026-05-24T08:00:00Z"), ("2", "2026-06-02T08:00:00Z")]
    nothing = compiled("nothing-optional")["document"]["references"]
    assert nothing == [
        {
            "category": "self",
            "summary": "Canonical URL",
            "url": "https://security.example.org/.well-known/csaf/white/2026/triage-tui-psc-2026-0102.json",
        }
    ]


def breakages() -> dict[str, Callable[[dict[str, Any]], None]]:
    """Ways to break a valid export, each caught by one reference test the product also checks."""

    def misnamed_cwe(d: dict[str, Any]) -> None:
        d["vulnerabilities"][0]["cwe"]["name"] = "Improper Control of Generation of Code"

    def older_initial_release(d: dict[str, Any]) -> None:
        d["document"]["tracking"]["initial_release_date"] = "2026-01-01T00:00:00Z"

    def no_self_reference(d: dict[str, Any]) -> None:
        d["document"]["references"] = d["document"]["references"][1:]

    def self_reference_elsewhere(d: dict[str, Any]) -> None:
        d["document"]["references"][0]["url"] = "https://security.example.org/advisory.json"

    def keys_unsorted(d: dict[str, Any]) -> None:
        d["document"] = dict(reversed(d["document"].items()))
        cvss = d["vulnerabilities"][0]["scores"][0]["cvss_v3"]
        d["vulnerabilities"][0]["scores"][0]["cvss_v3"] = {
            k: cvss[k] for k in ("version", "vectorString", "baseScore", "baseSeverity")
        }

    def no_product_tree(d: dict[str, Any]) -> None:
        del d["product_tree"]
        del d["vulnerabilities"][0]["product_status"]
        for key in ("scores", "remediations"):
            d["vulnerabilities"][0].pop(key, None)

    return {
        f.__name__: f
        for f in (
            misnamed_cwe,
            older_initial_release,
            no_self_reference,
            self_reference_elsewhere,
            keys_unsorted,
            no_product_tree,
        )
    }


def test_the_products_checks_find_what_the_reference_validator_finds() -> None:
    valid = compiled("a-cwe-and-cvss")
    broken: dict[str, dict[str, Any]] = {}
    for name, breaking in breakages().items():
        document = copy.deepcopy(valid)
        breaking(document)
        broken[name] = document
    for (name, document), failures in zip(broken.items(), reference_failures(list(broken.values())), strict=True):
        theirs = failed_tests(failures)
        ours = {p.split(":", 1)[0] for p in csaf_problems(document) + csaf_warnings(document)}
        assert theirs and theirs == ours, (name, failures, csaf_problems(document) + csaf_warnings(document))


def test_file_name_and_canonical_url_follow_csaf_section_5_1() -> None:
    assert file_name("triage-tui-PSC-2026-0001") == "triage-tui-psc-2026-0001.json"
    assert file_name("Example Company -- ESA-2022-001") == "example_company_--_esa-2022-001.json"
    assert file_name("A+B//c") == "a+b_c.json"
    moment = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert (
        canonical_url("https://example.org/psc/", "X-1", "WHITE", moment)
        == "https://example.org/.well-known/csaf/white/2025/x-1.json"
    )


def test_keys_sort_as_the_reference_validators_collator_sorts_them() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/install-node-deps.sh")
    keys = [*"_-.,;:!?'\"()[]{}@*/\\&#%`^+<=>|~$ ", "ab", "aB", "Ab", "a_b", "a-b", "a1", "product_id", "products"]
    keys += ["baseScore", "basescore", "BaseScore", "baseSeverity", "cvss_v3", "cwe", "x0", "x_", "x", "0x", "_x"]
    script = "const k = JSON.parse(process.argv[1]); console.log(JSON.stringify(k.sort(new Intl.Collator().compare)))"
    done = subprocess.run([node, "-e", script, json.dumps(keys)], capture_output=True, cwd=NODE_DIR, check=True)
    assert sorted(keys, key=collation_key) == json.loads(done.stdout)
