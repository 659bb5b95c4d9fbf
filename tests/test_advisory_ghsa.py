"""Tests for the GitHub repository-advisory body: its shape for drafts of the store's cases, round trips through
GitHub's advisory object and a request body, and broken or hostile input that must fail with a clear ValueError."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from advisory_fixtures import draft
from github_fake import CREATE_FIELDS, CREDIT_TYPES, PATCH_FIELDS, VULNERABILITY_FIELDS, simple_user
from test_matrix_export import CELLS, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.ghsa import to_ghsa
from triage_tui.advisories.ghsa_reader import from_ghsa, parse_range
from triage_tui.advisories.ranges import status_from_events
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Weakness,
    weakness,
)
from triage_tui.domain import ImpactStatus

# The fake GitHub's fields, written out from tech-notes section 4 (not from the module, so the module is checked
# against the docs).
DOCUMENTED_BODY_FIELDS = PATCH_FIELDS | CREATE_FIELDS
# GitHub's grammar ("Best practices for writing repository security advisories"): operator, one space, a version
# starting with a digit and holding no space or comma; a lower bound first, then ", " and an upper bound; or "= v".
_V = r"[0-9][^ ,]*"
GITHUB_RANGE = re.compile(rf"(?:>=|>) {_V}(?:, (?:<|<=) {_V})?|(?:<|<=) {_V}|= {_V}")

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
GHSA_ID = "GHSA-4f8c-9q2m-hjpx"
CVE_ID = "CVE-2026-12345"
PATH_TRAVERSAL = "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"
PACKAGES = {"pip": ["pip"], "uv": ["uv", "uv-build"], "setuptools": ["setuptools"], "conda": ["conda:conda"]}


def with_logins(advisory: Advisory) -> Advisory:
    """Every credit given a GitHub login made from its name (drafts from the store know none)."""
    credited = [replace(c, github_login=re.sub(r"[^A-Za-z0-9]+", "-", c.name).strip("-")) for c in advisory.credits]
    return replace(advisory, credits=tuple(credited))


def check_github_rules(body: dict[str, Any]) -> None:
    """What GitHub's documentation says of a body, checked without the module's own constants."""
    assert set(body) <= DOCUMENTED_BODY_FIELDS
    assert not {"severity", "cvss_vector_string"} <= set(body)
    assert isinstance(body["summary"], str) and isinstance(body["description"], str)
    for vulnerability in body["vulnerabilities"]:
        assert set(vulnerability) == VULNERABILITY_FIELDS
        assert vulnerability["package"]["ecosystem"] == "pip"
        text, patched = vulnerability["vulnerable_version_range"], vulnerability["patched_versions"]
        assert text is None or GITHUB_RANGE.fullmatch(text), text
        # The patched version is the exclusive upper bound of the span, when there is one.
        assert patched is None or (text is not None and text.endswith(f"< {patched}")), (text, patched)
        assert vulnerability["vulnerable_functions"] == []
    for credit in body["credits"]:
        assert set(credit) == {"login", "type"} and credit["type"] in CREDIT_TYPES


# --- (a) Drafts of the store's cases compile to bodies GitHub documents -------------------------------------------


def test_a_multi_project_case_compiles_to_one_entry_per_affected_span(database: Path) -> None:  # noqa: F811
    advisory = draft(database, "PSC-2026-0001")  # pip fixed in two spans, uv not affected, setuptools investigating
    advisory = replace(
        advisory,
        details="Extracting a crafted sdist writes outside the build directory.",
        aliases=(GHSA_ID, CVE_ID),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3=V3,
        cvss_v4=V4,
        packages=(
            *advisory.packages,
            PackageImpact("conda", "conda", ImpactStatus.AFFECTED, (("introduced", "0"),), Ecosystem.CONDA),
        ),
        credits=(
            Credit("Dana Reporter", CreditRole.FINDER, consent=Consent.ACCEPTED, github_login="dana-reporter"),
            Credit("Sam Finder", CreditRole.ANALYST, consent=Consent.DECLINED, github_login="sam-finder"),
            Credit("Alex Coordinator", CreditRole.COORDINATOR, consent=Consent.ACCEPTED),  # no login: not sendable
            Credit("Kim Fixes", CreditRole.REMEDIATION_DEVELOPER, github_login="kim-fixes"),
        ),
    )
    body = to_ghsa(advisory)
    check_github_rules(body)
    assert body == {
        "summary": "pip: path traversal in tarfile extraction of sdists",
        "description": "Extracting a crafted sdist writes outside the build directory.",
        "cve_id": CVE_ID,
        "vulnerabilities": [
            {
                "package": {"ecosystem": "pip", "name": "pip"},
                "vulnerable_version_range": ">= 20.0, < 24.1",
                "patched_versions": "24.1",
                "vulnerable_functions": [],
            },
            {
                "package": {"ecosystem": "pip", "name": "pip"},
                "vulnerable_version_range": ">= 25.0, < 25.0.1",
                "patched_versions": "25.0.1",
                "vulnerable_functions": [],
            },
        ],  # conda has no GitHub ecosystem; uv and setuptools are not affected
        "cwe_ids": ["CWE-22"],
        "credits": [
            {"login": "dana-reporter", "type": "finder"},
            {"login": "kim-fixes", "type": "remediation_developer"},
        ],  # the declined credit and the one without a login are absent
        "cvss_vector_string": V3,  # 3.1 preferred; never with `severity`
    }


def test_every_case_of_the_store_compiles_within_githubs_rules(database: Path) -> None:  # noqa: F811
    case_ids = sorted({case_id for case_id, _project in CELLS} | {"PSC-2026-0003", "PSC-2026-0007"})
    ranges = {}
    for case_id in case_ids:
        advisory = with_logins(draft(database, case_id))
        body = to_ghsa(advisory)
        check_github_rules(body)
        assert len(body["credits"]) == len(advisory.credits_to_request())
        ranges[case_id] = [(v["vulnerable_version_range"], v["patched_versions"]) for v in body["vulnerabilities"]]
    # uv is affected below 0.4.2, but not fixed yet: 0.4.2 is where a fix is expected, not a release anyone can
    # install, so the range stays open (as in OSV, CVE and CSAF).
    assert ranges["PSC-2026-0002"] == [(">= 0", None)]
    assert ranges["PSC-2026-0004"] == [(">= 0", None)]  # fix in progress: every version, no fix yet
    assert ranges["PSC-2026-0003"] == []  # nothing settled in the matrix


@pytest.mark.parametrize(
    ("events", "text", "patched"),
    [
        ((("introduced", "0"), ("fixed", "1.0.1")), "< 1.0.1", "1.0.1"),
        ((("introduced", "1.0.0"), ("fixed", "1.0.1")), ">= 1.0.0, < 1.0.1", "1.0.1"),
        ((("introduced", "0"), ("last_affected", "2.0")), "<= 2.0", None),
        ((("introduced", "1.5"), ("last_affected", "2.0rc1")), ">= 1.5, <= 2.0rc1", None),
        ((("introduced", "1.0"), ("last_affected", "1.0")), "= 1.0", None),
        ((("introduced", "0"),), ">= 0", None),
        ((("introduced", "3.0.post1"),), ">= 3.0.post1", None),
    ],
)
def test_each_span_is_written_as_github_writes_it_and_read_back(
    events: tuple[tuple[str, str], ...], text: str, patched: str | None
) -> None:
    status = ImpactStatus.FIXED if patched else ImpactStatus.AFFECTED  # only a fixed package has a patched release
    advisory = Advisory("PSC-1", "s", packages=(PackageImpact("pip", "pip", status, events),))
    [vulnerability] = to_ghsa(advisory)["vulnerabilities"]
    assert (vulnerability["vulnerable_version_range"], vulnerability["patched_versions"]) == (text, patched)
    assert parse_range(text, patched) == events


def test_the_vector_is_31_else_40_else_none_and_severity_is_never_sent() -> None:
    base = Advisory("PSC-1", "s")
    assert to_ghsa(replace(base, cvss_v3=V3, cvss_v4=V4))["cvss_vector_string"] == V3
    assert to_ghsa(replace(base, cvss_v4=V4))["cvss_vector_string"] == V4
    body = to_ghsa(base)
    assert "cvss_vector_string" not in body and "severity" not in body


def test_the_summary_is_never_shortened_and_escapes_stay_text() -> None:
    # Over GitHub's 1,024 characters: validation reports it; the compiler does not cut it silently.
    long = "x" * 2000
    assert to_ghsa(Advisory("PSC-1", long))["summary"] == long
    hostile = "pip: \x1b[31mred\x1b[0m \u202eevil\u202c [link=https://evil]x[/link]"
    advisory = from_ghsa({"summary": hostile, "description": "a\x1b]8;;https://evil\x07b"}, "PSC-1", PACKAGES)
    assert advisory.summary == hostile and advisory.details == "a\x1b]8;;https://evil\x07b"
    assert to_ghsa(advisory)["summary"] == hostile  # sanitising for display happens where it is displayed


def test_an_affected_package_without_known_versions_has_no_range() -> None:
    advisory = Advisory("PSC-1", "s", packages=(PackageImpact("uv", "uv", ImpactStatus.AFFECTED),))
    [vulnerability] = to_ghsa(advisory)["vulnerabilities"]
    assert vulnerability["vulnerable_version_range"] is None and vulnerability["patched_versions"] is None
    assert from_ghsa(to_ghsa(advisory), "PSC-1", PACKAGES).packages == advisory.packages


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ((("fixed", "1.0"), ("introduced", "2.0")), "no 'introduced' before it"),
        ((("introduced", "0"), ("limit", "2.0")), "no form for the OSV event 'limit'"),
        ((("introduced", "1.0, < 9"),), "cannot be written in a GitHub range"),
    ],
)
def test_events_github_cannot_express_are_refused(events: tuple[tuple[str, str], ...], message: str) -> None:
    advisory = Advisory("PSC-1", "s", packages=(PackageImpact("pip", "pip", ImpactStatus.AFFECTED, events),))
    with pytest.raises(ValueError, match=re.escape(message)):
        to_ghsa(advisory)


# --- (b) Round trips ---------------------------------------------------------------------------------------------


def vulnerability(name: str, text: str | None, patched: str | None) -> dict[str, Any]:
    return {
        "package": {"ecosystem": "pip", "name": name},
        "vulnerable_version_range": text,
        "patched_versions": patched,
        "vulnerable_functions": [],
    }


# A draft repository advisory as GET /repos/{owner}/{repo}/security-advisories/{ghsa_id} returns it (section 4.2):
# every key present, null where nothing is set.
OBJECT: dict[str, Any] = {
    "ghsa_id": GHSA_ID,
    "cve_id": CVE_ID,
    "url": f"https://api.github.com/repos/pypa/pip/security-advisories/{GHSA_ID}",
    "html_url": f"https://github.com/pypa/pip/security/advisories/{GHSA_ID}",
    "summary": "pip: path traversal in tarfile extraction of sdists",
    "description": "### Impact\nExtracting a crafted sdist writes outside the build directory.\n\n### Patches\n24.1",
    "severity": "high",
    "author": simple_user("dana-reporter", 5811001),
    "publisher": None,
    "identifiers": [{"type": "GHSA", "value": GHSA_ID}, {"type": "CVE", "value": CVE_ID}],
    "state": "draft",
    "created_at": "2026-05-20T09:14:02Z",
    "updated_at": "2026-06-01T12:00:00Z",
    "published_at": None,
    "closed_at": None,
    "withdrawn_at": None,
    "submission": None,
    "vulnerabilities": [vulnerability("pip", ">= 20.0, < 24.1", "24.1"), vulnerability("uv-build", "< 0.4.2", "0.4.2")],
    "cvss": {"vector_string": V3, "score": 8.8},
    "cvss_severities": {"cvss_v3": {"vector_string": V3, "score": 8.8}, "cvss_v4": {"vector_string": V4, "score": 8.7}},
    "cwes": [{"cwe_id": "CWE-22", "name": PATH_TRAVERSAL}],
    "cwe_ids": ["CWE-22"],
    "credits": [
        {"login": "dana-reporter", "type": "finder"},
        {"login": "sam-declines", "type": "analyst"},
        {"login": "kim-fixes", "type": "remediation_developer"},
    ],
    "credits_detailed": [
        {"user": simple_user("dana-reporter", 5811001), "type": "finder", "state": "accepted"},
        {"user": simple_user("sam-declines", 5811002), "type": "analyst", "state": "declined"},
        {"user": simple_user("kim-fixes", 5811003), "type": "remediation_developer", "state": "pending"},
    ],
    "collaborating_users": None,
    "collaborating_teams": None,
    "private_fork": None,
}

# A body as a maintainer's tool would POST it: one package in two spans, one with no fix yet, one exact version.
BODY: dict[str, Any] = {
    "summary": "twine and setuptools: upload token written to the verbose log",
    "description": "With --verbose, the API token appears in the log.",
    "vulnerabilities": [
        vulnerability("twine", ">= 4.0.0, <= 4.0.2", None),
        vulnerability("twine", ">= 5.0.0", None),
        vulnerability("setuptools", "= 70.0.0", None),
    ],
    "cwe_ids": ["CWE-532"],
    "credits": [{"login": "ravi-ops", "type": "finder"}, {"login": "pypa-security", "type": "coordinator"}],
    "cvss_vector_string": V4,
}


def test_a_repository_advisory_object_survives_import_and_compiling_back() -> None:
    advisory = from_ghsa(copy.deepcopy(OBJECT), "PSC-2026-0001", PACKAGES)
    assert advisory == Advisory(
        case_id="PSC-2026-0001",
        summary=OBJECT["summary"],
        details=OBJECT["description"],
        aliases=(GHSA_ID, CVE_ID),
        weaknesses=(Weakness("CWE-22", PATH_TRAVERSAL),),
        cvss_v3=V3,
        cvss_v4=V4,
        packages=(
            PackageImpact("pip", "pip", ImpactStatus.FIXED, (("introduced", "20.0"), ("fixed", "24.1"))),
            PackageImpact("uv", "uv-build", ImpactStatus.FIXED, (("introduced", "0"), ("fixed", "0.4.2"))),
        ),
        credits=(
            Credit("dana-reporter", CreditRole.FINDER, consent=Consent.ACCEPTED, github_login="dana-reporter"),
            Credit("sam-declines", CreditRole.ANALYST, consent=Consent.DECLINED, github_login="sam-declines"),
            Credit("kim-fixes", CreditRole.REMEDIATION_DEVELOPER, github_login="kim-fixes"),
        ),
        id="GHSA-4f8c-9q2m-hjpx",
    )
    body = to_ghsa(advisory)
    check_github_rules(body)
    assert body == {
        "summary": OBJECT["summary"],
        "description": OBJECT["description"],
        "cve_id": CVE_ID,
        "vulnerabilities": OBJECT["vulnerabilities"],
        "cwe_ids": ["CWE-22"],
        "credits": [c for c in OBJECT["credits"] if c["login"] != "sam-declines"],
        "cvss_vector_string": V3,
    }
    # The body cannot carry the GHSA id (it is in the URL), a second vector, declined credits or consent.
    again = from_ghsa(body, "PSC-2026-0001", PACKAGES)
    assert again == replace(
        advisory,
        id="",
        aliases=(CVE_ID,),
        cvss_v4=None,
        credits=tuple(replace(c, consent=Consent.PENDING) for c in advisory.credits_to_request()),
    )
    assert to_ghsa(again) == body


def test_a_request_body_survives_import_and_compiling_back() -> None:
    advisory = from_ghsa(copy.deepcopy(BODY), "PSC-2026-0005", PACKAGES)
    assert [(p.project, p.name, p.status, p.events) for p in advisory.packages] == [
        (
            "twine",
            "twine",
            ImpactStatus.AFFECTED,
            (("introduced", "4.0.0"), ("last_affected", "4.0.2"), ("introduced", "5.0.0")),
        ),
        ("setuptools", "setuptools", ImpactStatus.AFFECTED, (("introduced", "70.0.0"), ("last_affected", "70.0.0"))),
    ]
    assert advisory.aliases == () and (advisory.cvss_v3, advisory.cvss_v4) == (None, V4)
    assert [(c.name, c.role, c.consent, c.github_login) for c in advisory.credits] == [
        ("ravi-ops", CreditRole.FINDER, Consent.PENDING, "ravi-ops"),  # no credits_detailed: nobody has agreed yet
        ("pypa-security", CreditRole.COORDINATOR, Consent.PENDING, "pypa-security"),
    ]
    assert advisory.weaknesses == (weakness("CWE-532"),)
    assert to_ghsa(advisory) == BODY


def test_drafts_of_the_store_survive_a_trip_through_github(database: Path) -> None:  # noqa: F811
    for case_id in sorted({case_id for case_id, _project in CELLS}):
        advisory = with_logins(draft(database, case_id))
        body = to_ghsa(advisory)
        back = from_ghsa(body, case_id, PACKAGES)
        sent = [p for p in advisory.affected() if p.ecosystem == Ecosystem.PYPI]
        # What is published comes back: an unreleased fix is not (every format leaves its range open).
        published = [(p.project, p.name, p.published_events()) for p in sent]
        assert [(p.project, p.name, p.events) for p in back.packages] == published
        # GitHub holds ranges, not statuses: a package comes back fixed when GitHub names a patched release and
        # every span is closed, else affected.
        assert [p.status for p in back.packages] == [
            status_from_events(p.events) if p.status == ImpactStatus.FIXED else ImpactStatus.AFFECTED for p in sent
        ]
        assert to_ghsa(back) == body, case_id


@pytest.mark.parametrize(
    ("text", "patched", "events"),
    [
        ("<= 1.2.3", "1.2.4", (("introduced", "0"), ("fixed", "1.2.4"))),  # as GitHub's own OSV export reads it
        ("> 0, < 2.0", None, (("introduced", "0"), ("fixed", "2.0"))),  # `> 0` is GitHub's implicit lower bound
        ("> 0", None, (("introduced", "0"),)),
        (">=1.0,<2.0", None, (("introduced", "1.0"), ("fixed", "2.0"))),  # spacing read leniently
        ("< 2.0", "2.0.1", (("introduced", "0"), ("fixed", "2.0"))),  # the range's own bound is the fix
        (None, "3.1", (("introduced", "0"), ("fixed", "3.1"))),  # no range: every version before the patch
        (None, None, ()),
        ("", None, ()),
    ],
)
def test_githubs_ranges_are_read_as_osv_events(
    text: str | None, patched: str | None, events: tuple[tuple[str, str], ...]
) -> None:
    document = {"summary": "s", "vulnerabilities": [vulnerability("pip", text, patched)]}
    [package] = from_ghsa(document, "PSC-1", PACKAGES).packages
    assert package.events == events


def test_spans_of_one_package_are_merged_in_version_order_and_other_ecosystems_skipped() -> None:
    document = {
        "summary": "s",
        "vulnerabilities": [
            vulnerability("PIP", ">= 25.0, < 25.0.1", "25.0.1"),
            {"package": {"ecosystem": "npm", "name": "left-pad"}, "vulnerable_version_range": "< 2"},
            {"package": None, "vulnerable_version_range": "< 1.0"},  # a report that does not know the package
            vulnerability("pip", ">= 20.0, < 24.1", "24.1"),
        ],
    }
    [package] = from_ghsa(document, "PSC-1", PACKAGES).packages
    assert (package.project, package.name, package.status) == ("pip", "PIP", ImpactStatus.FIXED)
    assert package.events == (("introduced", "20.0"), ("fixed", "24.1"), ("introduced", "25.0"), ("fixed", "25.0.1"))


def test_a_package_no_project_claims_keeps_its_own_name_as_project() -> None:
    [package] = from_ghsa(
        {"summary": "s", "vulnerabilities": [vulnerability("build", "< 1.2.2", "1.2.2")]}, "PSC-1", PACKAGES
    ).packages
    assert (package.project, package.name) == ("build", "build")


# --- (c) Broken and hostile input ----------------------------------------------------------------------------------


def with_vulnerability(**fields: Any) -> dict[str, Any]:
    return {"summary": "s", "vulnerabilities": [{**vulnerability("pip", "< 1.0", "1.0"), **fields}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a GitHub advisory: expected a JSON object, got a list"),
        ("GHSA-4f8c-9q2m-hjpx", "expected a JSON object, got text"),
        (None, "expected a JSON object, got null"),
        ({"message": "Not Found", "documentation_url": "https://docs.github.com", "status": "404"}, "'Not Found'"),
        ({"summary": ""}, "it has no summary"),
        ({"summary": 5}, "it has no summary"),
        ({"summary": "s", "description": 5}, "description should be text, not a number"),
        ({"summary": "s", "vulnerabilities": "pip"}, "vulnerabilities should be a list, not text"),
        ({"summary": "s", "vulnerabilities": {"pip": "< 1.0"}}, "vulnerabilities should be a list, not an object"),
        ({"summary": "s", "vulnerabilities": ["pip"]}, "vulnerabilities[0] should be an object, not text"),
        (with_vulnerability(package="pip"), "vulnerabilities[0].package should be an object, not text"),
        (with_vulnerability(package={"ecosystem": ["pip"], "name": "pip"}), "package.ecosystem should be text"),
        (with_vulnerability(package={"ecosystem": "pip", "name": 5}), "package.name should be text"),
        (with_vulnerability(package={"ecosystem": "pip", "name": "pip\x1b[2J"}), "is not a PyPI package name"),
        (with_vulnerability(package={"ecosystem": "pip", "name": "../../etc"}), "is not a PyPI package name"),
        (with_vulnerability(vulnerable_version_range=1.0), "vulnerable_version_range should be text"),
        (with_vulnerability(vulnerable_version_range="> 1.0"), "exclusive lower bound ('> 1.0') has no OSV form"),
        (with_vulnerability(vulnerable_version_range="garbage"), "cannot read 'garbage' as a version range"),
        (with_vulnerability(vulnerable_version_range=">= 1.0, < 2.0, >= 3.0, < 4.0"), "holds one interval"),
        (with_vulnerability(vulnerable_version_range="< 2.0, >= 1.0"), "a lower one ('>=') and then an upper one"),
        (with_vulnerability(vulnerable_version_range=">= 1.0, = 1.5"), "a lower one ('>=') and then an upper one"),
        (with_vulnerability(vulnerable_version_range=">= 2.0, < 1.0"), "no version is inside it"),
        (with_vulnerability(vulnerable_version_range=">= 1.0; rm -rf /"), "cannot read '>= 1.0; rm -rf /'"),
        (with_vulnerability(vulnerable_version_range="< 1.0\x1b[31m"), "cannot read '< 1.0\\x1b[31m'"),
        (with_vulnerability(vulnerable_version_range="<= 0.9", patched_versions="1.0 or later"), "patched version"),
        (with_vulnerability(vulnerable_version_range="<= 2.0", patched_versions="1.5"), "no version is inside it"),
        (with_vulnerability(patched_versions=["1.0"]), "patched_versions should be text, not a list"),
        ({"summary": "s", "cwe_ids": "CWE-22"}, "cwe_ids should be a list, not text"),
        ({"summary": "s", "cwe_ids": ["CWE-22; DROP TABLE"]}, "is not a well-formed id"),
        ({"summary": "s", "cwes": [{"cwe_id": None, "name": "x"}]}, "cwes[0].cwe_id '' is not a well-formed id"),
        ({"summary": "s", "cve_id": "CVE-2026-12345\n"}, "cve_id 'CVE-2026-12345\\n' is not a well-formed id"),
        ({"summary": "s", "ghsa_id": 7}, "ghsa_id should be text, not a number"),
        ({"summary": "s", "identifiers": [{"type": "CVE", "value": "CVE-x"}]}, "identifiers[0].value 'CVE-x'"),
        ({"summary": "s", "credits": [{"login": "a b", "type": "finder"}]}, "credits[0].login 'a b' is not a GitHub"),
        ({"summary": "s", "credits": [{"login": "x", "type": "hacker"}]}, "type 'hacker' is none of GitHub's"),
        ({"summary": "s", "credits": [{"type": "finder"}]}, "credits[0].login None is not a GitHub login"),
        (
            {"summary": "s", "credits_detailed": [{"user": None, "type": "finder", "state": "accepted"}]},
            "credits_detailed[0].user.login None is not a GitHub login",
        ),
        (
            {"summary": "s", "credits_detailed": [{"user": {"login": "x"}, "type": "finder", "state": "maybe"}]},
            "credits_detailed[0].state 'maybe' is none of accepted, declined, pending",
        ),
        ({"summary": "s", "cvss_vector_string": "garbage"}, "cvss_vector_string 'garbage' is not a CVSS 3.x or 4.0"),
        ({"summary": "s", "cvss_vector_string": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}, "is not a CVSS 3.x or 4.0"),
        ({"summary": "s", "cvss": {"vector_string": ["x"]}}, "cvss.vector_string should be text, not a list"),
        ({"summary": "s", "cvss_severities": "high"}, "cvss_severities should be an object, not text"),
        ({"summary": "s", "cvss_severities": {"cvss_v4": 9.3}}, "cvss_severities.cvss_v4 should be an object"),
    ],
)
def test_broken_documents_fail_with_a_message_that_says_what_and_where(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        from_ghsa(document, "PSC-1", PACKAGES)
    assert "\x1b" not in str(caught.value)  # the text is quoted with repr: the message itself is safe to show


JUNK: list[Any] = [None, 0, 1.5, True, "", "x", "\x1b[2J", [], [None], {}, {"a": 1}]


def paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value where another value can be put."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*path, index))


def replaced(document: Any, path: tuple[Any, ...], junk: Any) -> Any:
    if not path:
        return copy.deepcopy(junk)
    changed = copy.deepcopy(document)
    place = changed
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = copy.deepcopy(junk)
    return changed


@pytest.mark.parametrize("original", [OBJECT, BODY], ids=["object", "body"])
def test_any_field_of_any_type_gives_a_record_or_a_valueerror(original: dict[str, Any]) -> None:
    outcomes = {"read": 0, "refused": 0}
    for path in paths(original):
        for junk in JUNK:
            document = replaced(original, path, junk)
            try:
                advisory = from_ghsa(document, "PSC-1", PACKAGES)
            except ValueError:
                outcomes["refused"] += 1
                continue
            outcomes["read"] += 1
            to_ghsa(advisory)  # whatever was read can be compiled again
    assert outcomes["read"] > 0 and outcomes["refused"] > 0, outcomes
