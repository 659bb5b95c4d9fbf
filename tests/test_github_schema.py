"""Tests that the fake GitHub serves what GitHub's published OpenAPI description says, for each API version, and
accepts and refuses request bodies as the description's schemas do (tests/github_schema.py reads it)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import github_schema
from github_fake import (
    API_VERSIONS,
    CREATE_FIELDS,
    CREDIT_TYPES,
    ECOSYSTEMS,
    OBJECT_KEYS,
    PATCH_FIELDS,
    REMOVED_KEYS,
    VULNERABILITY_FIELDS,
    FakeGitHub,
)
from github_schema import components, errors_of, translate

START = datetime(2026, 5, 20, 9, 0, 0, tzinfo=UTC)
REPO = "pypa/pip"
LIST = f"/repos/{REPO}/security-advisories"
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
PIP = {"ecosystem": "pip", "name": "pip"}
CREATE = {"summary": "s", "description": "d", "vulnerabilities": [{"package": PIP}]}


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(now=START) as fake:
        fake.add_repository(REPO)
        fake.add_token("writer", write=[REPO], login="pip-maintainer")
        yield fake


def client(gh: FakeGitHub, version: str = "2022-11-28") -> httpx.Client:
    headers = {"Authorization": "Bearer writer", "X-GitHub-Api-Version": version}
    return httpx.Client(base_url=gh.url, headers=headers, verify=False)


def full_advisory(gh: FakeGitHub) -> str:
    """An advisory with every part filled: reporter, publisher, credits of each state, collaborators, a fork."""
    ghsa_id = gh.add_advisory(
        REPO,
        summary="pip: path traversal",
        description="details",
        author="reporter-1",
        cve_id="CVE-2026-12345",
        cvss_vector_string=V4,
        cwe_ids=["CWE-22", "CWE-99999"],
        vulnerabilities=[
            {"package": PIP, "vulnerable_version_range": "< 24.1", "patched_versions": "24.1"},
            {"package": {"ecosystem": "pip", "name": None}},
        ],
        collaborating_users=["helper"],
        collaborating_teams=["security"],
        start_private_fork=True,
    )["ghsa_id"]
    gh.update_advisory(REPO, ghsa_id, cvss_vector_string=V3, state="draft")
    gh.update_advisory(
        REPO,
        ghsa_id,
        state="published",
        credits_detailed=[
            {"login": "dana", "type": kind, "state": state}
            for kind, state in (("finder", "accepted"), ("reporter", "declined"), ("tool", "pending"))
        ],
    )
    return str(ghsa_id)


# --- The description, translated --------------------------------------------------------------------------------


def test_openapi_nullable_and_read_only_become_json_schema() -> None:
    advisory = components()["repository-advisory"]
    response, request = translate(advisory, request=False), translate(advisory, request=True)
    assert "ghsa_id" in response["properties"] and "ghsa_id" in response["required"]
    assert "ghsa_id" not in request["properties"] and "ghsa_id" not in request["required"]  # readOnly
    assert response["properties"]["cve_id"]["type"] == ["string", "null"]
    assert response["properties"]["severity"]["enum"][-1] is None
    assert response["properties"]["author"]["anyOf"][0] == {"type": "null"}  # nullable allOf of simple-user
    assert "nullable" not in str(response) and "readOnly" not in str(response)


def test_each_version_has_its_own_advisory_object(gh: FakeGitHub) -> None:
    ghsa_id = full_advisory(gh)
    with client(gh) as old, client(gh, "2026-03-10") as new:
        before = old.get(f"{LIST}/{ghsa_id}").json()
        after = new.get(f"{LIST}/{ghsa_id}").json()
    assert before["cvss"] == {"vector_string": V3, "score": 8.8} and "cvss" not in after
    assert after == {k: v for k, v in before.items() if k != "cvss"}
    assert errors_of("repository-advisory", before) == []
    assert errors_of("repository-advisory", after, "2026-03-10") == []
    assert errors_of("repository-advisory", after) == ["$: 'cvss' is a required property"]
    assert errors_of("repository-advisory", before, "2026-03-10") == [
        "$: Additional properties are not allowed ('cvss' was unexpected)"
    ]


def test_the_fakes_field_lists_are_the_descriptions() -> None:
    schemas = components()
    advisory = schemas["repository-advisory"]["properties"]
    assert set(OBJECT_KEYS) == set(advisory) and REMOVED_KEYS == {"2026-03-10": {"cvss"}}
    assert set(schemas["repository-advisory-update"]["properties"]) == PATCH_FIELDS
    assert set(schemas["repository-advisory-create"]["properties"]) == CREATE_FIELDS
    assert set(schemas["repository-advisory-vulnerability"]["properties"]) == VULNERABILITY_FIELDS
    assert tuple(schemas["security-advisory-credit-types"]["enum"]) == CREDIT_TYPES
    assert tuple(schemas["security-advisory-ecosystems"]["enum"]) == ECOSYSTEMS


@pytest.mark.parametrize("version", API_VERSIONS)
def test_every_object_served_is_valid_against_the_description(gh: FakeGitHub, version: str) -> None:
    ghsa_id = full_advisory(gh)
    gh.add_advisory(REPO, summary="a bare report")
    with client(gh, version) as api:
        listed = api.get(LIST).json()
        created = api.post(LIST, json=CREATE)
        fork = api.post(f"{LIST}/{ghsa_id}/forks")
    assert len(listed) == 2 and created.status_code == 201 and fork.status_code == 202
    for document in [*listed, created.json()]:
        assert errors_of("repository-advisory", document, version) == []
    assert errors_of("simple-repository", fork.json(), version) == []
    full = next(d for d in listed if d["ghsa_id"] == ghsa_id)
    users = [full["author"], full["publisher"], *full["collaborating_users"]]
    users += [c["user"] for c in full["credits_detailed"]]
    assert all("starred_at" not in user for user in users)  # only stargazer lists carry it, never as null
    assert full["collaborating_teams"][0]["type"] == "organization"
    assert gh.errors == []


def test_the_schema_refuses_what_github_would_not_serve(gh: FakeGitHub) -> None:
    ghsa_id = full_advisory(gh)
    with client(gh) as api:
        document = api.get(f"{LIST}/{ghsa_id}").json()
    starred = copy.deepcopy(document)
    starred["author"]["starred_at"] = None
    teamless = copy.deepcopy(document)
    del teamless["collaborating_teams"][0]["type"]
    unknown = dict(document, private=True)
    assert errors_of("repository-advisory", starred)
    assert errors_of("repository-advisory", teamless) == ["$.collaborating_teams[0]: 'type' is a required property"]
    assert errors_of("repository-advisory", unknown)


def test_an_object_the_description_refuses_is_a_bug_of_the_fake(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s", submission={"accepted": "yes"})["ghsa_id"]
    with client(gh) as api:
        checked = api.get(f"{LIST}/{ghsa_id}")
    gh.check_schema = False
    gh.update_advisory(REPO, ghsa_id, summary="t")  # the served JSON is made again
    with client(gh) as api:
        unchecked = api.get(f"{LIST}/{ghsa_id}")
    assert checked.status_code == 500 and unchecked.status_code == 200
    assert len(gh.errors) == 1 and "$.submission" in gh.errors[0] and "2022-11-28" in gh.errors[0]


# --- Request bodies ---------------------------------------------------------------------------------------------

REFUSED = [  # (route, body, a field GitHub names) for bodies the description's schemas refuse
    ("create", {"summary": "s", "description": "d"}, "vulnerabilities"),
    ("create", {**CREATE, "description": None}, "description"),
    ("create", {**CREATE, "state": "draft"}, "state"),
    ("create", {**CREATE, "vulnerabilities": [{"package": {"name": "pip"}}]}, "vulnerabilities[0].package.ecosystem"),
    ("create", {**CREATE, "vulnerabilities": [{"package": PIP, "functions": []}]}, "vulnerabilities[0].functions"),
    ("create", {**CREATE, "credits": [{"login": "dana"}]}, "credits[0].type"),
    ("create", {**CREATE, "summary": "x" * 1025}, "summary"),
    ("create", {**CREATE, "start_private_fork": "yes"}, "start_private_fork"),
    ("update", {"summary": None}, "summary"),
    ("update", {"state": "withdrawn"}, "state"),
    ("update", {"severity": "urgent"}, "severity"),
    ("update", {"cwe_ids": "CWE-22"}, "cwe_ids"),
    ("update", {"collaborating_teams": [{"slug": "security"}]}, "collaborating_teams[0]"),
    ("update", {"cvss": {"vector_string": V3}}, "cvss"),
    (
        "update",
        {"vulnerabilities": [{"package": {"ecosystem": "conda", "name": "x"}}]},
        "vulnerabilities[0].package.ecosystem",
    ),
    ("report", {"summary": "s", "description": "d", "credits": []}, "credits"),
    ("report", {"summary": "s"}, "description"),
]
ACCEPTED = [  # bodies the schemas accept, some of which the fake used to refuse
    ("create", CREATE),
    ("create", {**CREATE, "cve_id": None, "cwe_ids": None, "credits": None, "severity": None}),
    ("create", {**CREATE, "cvss_vector_string": None, "start_private_fork": True}),
    ("create", {**CREATE, "vulnerabilities": [{"package": {"ecosystem": "other"}, "vulnerable_functions": None}]}),
    ("create", {**CREATE, "summary": "", "description": "", "vulnerabilities": []}),
    ("update", {}),
    ("update", {"cve_id": "CVE-26-1", "cwe_ids": ["CWE-22"], "severity": "low"}),
    ("update", {"credits": [{"login": "dana", "type": kind} for kind in CREDIT_TYPES]}),
    ("update", {"vulnerabilities": [{"package": {"ecosystem": "pip", "name": "pip", "purl": "pkg:pypi/pip"}}]}),
    ("update", {"collaborating_users": ["helper"], "collaborating_teams": ["security"], "cvss_vector_string": V4}),
    ("report", {"summary": "s", "description": "d", "vulnerabilities": None, "cvss_vector_string": V3}),
]
SCHEMAS = {
    "create": "repository-advisory-create",
    "update": "repository-advisory-update",
    "report": "private-vulnerability-report-create",
}


def send(api: httpx.Client, gh: FakeGitHub, route: str, body: dict[str, Any]) -> httpx.Response:
    """POST a new advisory or report, or PATCH the repository's first advisory (a draft)."""
    if route == "create":
        return api.post(LIST, json=body)
    if route == "report":
        return api.post(f"{LIST}/reports", json=body)
    return api.patch(f"{LIST}/{gh.advisories(REPO)[0]['ghsa_id']}", json=body)


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize(("route", "body", "field"), REFUSED, ids=[f"{r}-{f}" for r, _, f in REFUSED])
def test_bodies_the_schema_refuses_are_422(
    gh: FakeGitHub, route: str, body: dict[str, Any], field: str, version: str
) -> None:
    assert errors_of(SCHEMAS[route], body, version)
    gh.add_advisory(REPO, summary="s", state="draft")
    before = gh.advisories(REPO)
    with client(gh, version) as api:
        response = send(api, gh, route, body)
    assert response.status_code == 422, response.text
    document = response.json()
    assert errors_of("validation-error", document, version) == []
    assert document["message"] == "Validation Failed"
    assert field in [error["field"] for error in document["errors"]]
    assert gh.advisories(REPO) == before  # nothing made, nothing changed


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize(("route", "body"), ACCEPTED)
def test_bodies_the_schema_accepts_are_accepted(gh: FakeGitHub, route: str, body: dict[str, Any], version: str) -> None:
    assert errors_of(SCHEMAS[route], body, version) == []
    gh.add_advisory(REPO, summary="s", state="draft")
    with client(gh, version) as api:
        response = send(api, gh, route, body)
    assert response.status_code == (200 if route == "update" else 201), response.text
    assert errors_of("repository-advisory", response.json(), version) == []


def test_the_rules_the_description_states_in_words_refuse_bodies_its_schema_accepts(gh: FakeGitHub) -> None:
    both = {"severity": "high", "cvss_vector_string": V3}
    unscored = {"cvss_vector_string": "AV:N/AC:L"}
    assert errors_of(SCHEMAS["update"], both) == errors_of(SCHEMAS["update"], unscored) == []
    gh.add_advisory(REPO, summary="s", state="draft")
    with client(gh) as api:
        refused = [send(api, gh, "update", body) for body in (both, unscored)]
    assert [r.status_code for r in refused] == [422, 422]
    assert [r.json()["errors"][0]["field"] for r in refused] == ["severity", "cvss_vector_string"]


def test_the_description_is_read_once() -> None:
    components()
    assert github_schema.components.cache_info().currsize == 1
    assert set(components()) >= {"repository-advisory", "simple-user", "team", "repository-advisory-credit"}
    assert len(components()) < 20  # only what the advisory routes reach is kept of the 13 MB description
