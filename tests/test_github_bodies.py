"""Tests that what triage-tui sends to GitHub and exports as GHSA is valid against GitHub's published OpenAPI
description (tests/github_schema.py): `to_ghsa` as the create and update bodies, the push's update body, and the
GHSA export file, over advisories with every credit role, CWE ids, CVSS 3.1 and 4.0, several packages, withdrawn."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from advisory_fixtures import draft
from github_fake import API_VERSIONS, FakeGitHub
from github_schema import FORMATS, components, errors_of, translate
from test_advisory_ghsa import BODY, OBJECT, with_logins
from test_github_sync import CONFIG
from test_matrix_export import CELLS, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.ghsa import to_ghsa, to_ghsa_file
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Withdrawal,
    weakness,
)
from triage_tui.config import parse_config
from triage_tui.domain import ImpactStatus
from triage_tui.github.push_body import advisory_body

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
CREATE, UPDATE = "repository-advisory-create", "repository-advisory-update"
CONSENTS = (Consent.ACCEPTED, Consent.PENDING, Consent.DECLINED)
PIP_FIXED = PackageImpact(
    "pip",
    "pip",
    ImpactStatus.FIXED,
    (("introduced", "20.0"), ("fixed", "24.1"), ("introduced", "25.0"), ("fixed", "25.0.1")),
)
UV_OPEN = PackageImpact("uv", "uv-build", ImpactStatus.AFFECTED, (("introduced", "0"), ("last_affected", "0.4.1")))
UV_UNKNOWN = PackageImpact("uv", "uv", ImpactStatus.AFFECTED)  # no versions known: an entry without a range
EXACT = PackageImpact(
    "setuptools", "setuptools", ImpactStatus.AFFECTED, (("introduced", "70.0"), ("last_affected", "70.0"))
)
CONDA = PackageImpact("conda", "conda", ImpactStatus.AFFECTED, (("introduced", "0"),), Ecosystem.CONDA)
NOT_AFFECTED = PackageImpact("pip", "pip-tools", ImpactStatus.NOT_AFFECTED)


def every_credit() -> tuple[Credit, ...]:
    """Each of the ten roles, in each consent in turn, plus a credit with no GitHub account."""
    named = [
        Credit(f"Person {i}", role, consent=CONSENTS[i % 3], github_login=f"person-{i}")
        for i, role in enumerate(CreditRole)
    ]
    return (*named, Credit("No Account", CreditRole.FINDER, consent=Consent.ACCEPTED))


ADVISORIES = {
    "everything": Advisory(
        "PSC-2026-0101",
        "pip: path traversal in tarfile extraction of sdists",
        details="### Impact\nA crafted sdist writes outside the build directory.",
        aliases=("GHSA-4f8c-9q2m-hjpx", "CVE-2026-12345"),
        weaknesses=(weakness("CWE-22"), weakness("CWE-532"), weakness("CWE-1333")),
        cvss_v3=V3,
        cvss_v4=V4,
        packages=(PIP_FIXED, UV_OPEN, UV_UNKNOWN, EXACT, CONDA, NOT_AFFECTED),
        credits=every_credit(),
    ),
    "cvss-4-only": Advisory("PSC-2026-0102", "uv: token in the log", details="d", cvss_v4=V4, packages=(UV_OPEN,)),
    "bare": Advisory("PSC-2026-0103", "a report with nothing settled"),
    "conda-only": Advisory("PSC-2026-0104", "conda: x", cvss_v3=V3, packages=(CONDA,)),
    "withdrawn": Advisory(
        "PSC-2026-0105",
        "pip: withdrawn",
        details="Not a vulnerability after all.",
        aliases=("CVE-2026-40001",),
        cvss_v3=V3,
        packages=(PIP_FIXED,),
        credits=every_credit()[:3],
        withdrawn=Withdrawal("2026-05-22T10:30:00Z", "a duplicate"),
    ),
}


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize("name", ADVISORIES)
def test_to_ghsa_is_a_valid_create_and_update_body(name: str, version: str) -> None:
    body = to_ghsa(ADVISORIES[name])
    assert errors_of(CREATE, body, version) == []
    assert errors_of(UPDATE, body, version) == []


def test_the_range_reaches_every_credit_type_several_packages_and_both_vectors() -> None:
    credit_types = set(components()["security-advisory-credit-types"]["enum"])
    consenting = replace(
        ADVISORIES["everything"], credits=tuple(replace(c, consent=Consent.ACCEPTED) for c in every_credit())
    )
    assert {c["type"] for c in to_ghsa(consenting)["credits"]} == credit_types
    body = to_ghsa(ADVISORIES["everything"])
    assert [v["package"]["name"] for v in body["vulnerabilities"]] == ["pip", "pip", "uv-build", "uv", "setuptools"]
    assert body["cvss_vector_string"] == V3 and to_ghsa(ADVISORIES["cvss-4-only"])["cvss_vector_string"] == V4


def test_every_draft_of_the_store_is_a_valid_body(database: Path) -> None:  # noqa: F811
    for case_id in sorted({case_id for case_id, _project in CELLS} | {"PSC-2026-0003", "PSC-2026-0007"}):
        body = to_ghsa(with_logins(draft(database, case_id)))
        assert errors_of(CREATE, body) == errors_of(UPDATE, body) == [], case_id


def test_the_hand_written_github_documents_of_the_ghsa_tests_are_githubs() -> None:
    assert errors_of("repository-advisory", OBJECT) == []
    assert errors_of(CREATE, BODY) == []


@pytest.mark.parametrize("name", ADVISORIES)
def test_the_ghsa_export_is_the_create_body_and_a_withdrawal_as_githubs_object_writes_it(name: str) -> None:
    advisory = ADVISORIES[name]
    exported = to_ghsa_file(advisory)
    body = {key: value for key, value in exported.items() if key != "withdrawn_at"}
    assert body == to_ghsa(advisory) and errors_of(CREATE, body) == []
    if advisory.withdrawn is None:
        assert "withdrawn_at" not in exported
        return
    # `withdrawn_at` is the repository-advisory object's own field (no request body has one: GitHub withdraws).
    field = translate(components()["repository-advisory"]["properties"]["withdrawn_at"], request=False)
    assert exported["withdrawn_at"] is not None
    assert list(Draft202012Validator(field, format_checker=FORMATS).iter_errors(exported["withdrawn_at"])) == []
    assert errors_of(CREATE, exported) == ["$: Additional properties are not allowed ('withdrawn_at' was unexpected)"]


# --- The push's update body --------------------------------------------------------------------------------------


@pytest.fixture
def remote() -> Iterator[dict[str, dict[str, Any]]]:
    """pypa/pip's advisory as GitHub serves it under each API version: pip with vulnerable functions, and entries
    for packages no configured project has (another pip package, an npm one)."""
    with FakeGitHub(now=datetime(2026, 5, 1, 9, 0, tzinfo=UTC)) as gh:
        gh.add_token("t0ken", write=["pypa/pip"])
        ghsa_id = gh.add_advisory(
            "pypa/pip",
            summary="s",
            state="draft",
            vulnerabilities=[
                {"package": {"ecosystem": "pip", "name": "pip"}, "vulnerable_functions": ["pip._internal.x"]},
                {"package": {"ecosystem": "pip", "name": "legacy-tool"}, "vulnerable_version_range": "< 2"},
                {"package": {"ecosystem": "npm", "name": "left-pad"}, "vulnerable_functions": None},
            ],
        )["ghsa_id"]
        found = {}
        for version in API_VERSIONS:
            headers = {"Authorization": "Bearer t0ken", "X-GitHub-Api-Version": version}
            url = f"{gh.url}/repos/pypa/pip/security-advisories/{ghsa_id}"
            found[version] = httpx.get(url, headers=headers, verify=False).json()
        yield found


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize("name", ADVISORIES)
def test_the_push_sends_a_valid_update_body(
    tmp_path: Path, remote: dict[str, dict[str, Any]], name: str, version: str
) -> None:
    config = parse_config(tmp_path / "config.toml", CONFIG)
    served = remote[version]
    assert errors_of("repository-advisory", served, version) == []
    body = advisory_body(ADVISORIES[name], "pypa/pip", served, config)
    assert errors_of(UPDATE, body, version) == []
    entries: Any = body["vulnerabilities"]
    kept = [v["package"]["name"] for v in entries]
    assert kept[-2:] == ["legacy-tool", "left-pad"] and "uv-build" not in kept  # uv's packages are uv's repository's


def test_fields_github_adds_to_its_objects_are_not_sent_back(tmp_path: Path, remote: dict[str, dict[str, Any]]) -> None:
    """New response fields are not breaking changes: GitHub may add one to a vulnerability entry (or its package)
    any day, and the update body refuses keys it does not know."""
    config = parse_config(tmp_path / "config.toml", CONFIG)
    served = dict(remote["2022-11-28"])
    served["vulnerabilities"] = [
        {**entry, "first_seen": "2026-05-01", "package": {**entry["package"], "purl": "pkg:x"}}
        for entry in served["vulnerabilities"]
    ]
    body = advisory_body(ADVISORIES["everything"], "pypa/pip", served, config)
    assert errors_of(UPDATE, body) == []
    entries: Any = body["vulnerabilities"]
    assert entries[-1] == {
        "package": {"ecosystem": "npm", "name": "left-pad"},
        "vulnerable_version_range": None,
        "patched_versions": None,
        "vulnerable_functions": None,
    }
