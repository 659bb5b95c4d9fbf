"""Tests of the fake GitHub advisories API (tests/github_fake.py) against the checklist of tech-notes 4.6."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from github_fake import (
    GHSA_CHARSET,
    OBJECT_KEYS,
    FakeGitHub,
    decode_cursor,
    encode_cursor,
    seed,
)
from triage_tui.advisories.ghsa import to_ghsa
from triage_tui.advisories.ghsa_reader import from_ghsa

START = datetime(2026, 5, 20, 9, 0, 0, tzinfo=UTC)
REPO = "pypa/pip"
LIST = f"/repos/{REPO}/security-advisories"
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
GHSA = re.compile(rf"GHSA-[{GHSA_CHARSET}]{{4}}-[{GHSA_CHARSET}]{{4}}-[{GHSA_CHARSET}]{{4}}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(now=START) as fake:
        fake.add_repository(REPO)
        fake.add_repository("pypa/secret", private=True)
        fake.add_token("writer", write=[REPO, "pypa/secret"], login="pip-maintainer")
        fake.add_token("reader", read=[REPO])
        fake.add_token("stranger")
        yield fake
        assert fake.errors == []


def client(gh: FakeGitHub, token: str | None = "writer", **options: Any) -> httpx.Client:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    # Plain HTTP on 127.0.0.1: verify=False only spares the ~40 ms of loading CA certificates per client.
    return httpx.Client(base_url=gh.url, headers=headers, verify=False, **options)


def one(ghsa_id: str, repo: str = REPO) -> str:
    return f"/repos/{repo}/security-advisories/{ghsa_id}"


def follow(api: httpx.Client, url: str) -> list[list[dict[str, Any]]]:
    """Every page, following `rel="next"` exactly as given."""
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = response.links.get("next", {}).get("url", "")
    return pages


# --- 4.2: the object ----------------------------------------------------------------------------------------------


def test_a_new_advisory_has_every_key_of_the_object_and_nulls_where_nothing_is_set(gh: FakeGitHub) -> None:
    created = gh.add_advisory(REPO, summary="pip: path traversal")
    with client(gh) as api:
        response = api.get(one(created["ghsa_id"]))
    document = response.json()
    assert response.status_code == 200 and document == created
    assert tuple(document) == OBJECT_KEYS  # every key, none added
    assert GHSA.fullmatch(document["ghsa_id"])
    assert document["url"] == f"{gh.url}{one(document['ghsa_id'])}"
    assert document["html_url"] == f"https://github.com/{REPO}/security/advisories/{document['ghsa_id']}"
    assert document["state"] == "triage" and document["submission"] == {"accepted": False}
    assert document["created_at"] == document["updated_at"] == "2026-05-20T09:00:00Z"
    assert document["identifiers"] == [{"type": "GHSA", "value": document["ghsa_id"]}]
    unset = set(OBJECT_KEYS) - {"ghsa_id", "url", "html_url", "summary", "identifiers", "state", "created_at"}
    unset -= {"updated_at", "submission", "cvss_severities"}
    assert {key: document[key] for key in unset} == dict.fromkeys(unset)
    assert document["cvss_severities"] == {"cvss_v3": None, "cvss_v4": None}


def test_set_fields_fill_the_derived_ones(gh: FakeGitHub) -> None:
    document = gh.add_advisory(
        REPO,
        summary="s",
        state="draft",
        cve_id="CVE-2026-12345",
        cvss_vector_string=V3,
        cwe_ids=["CWE-22"],
        credits=[{"login": "dana-reporter", "type": "finder"}],
        author="dana-reporter",
    )
    assert document["submission"] is None  # made by a maintainer, not reported
    assert document["identifiers"][1] == {"type": "CVE", "value": "CVE-2026-12345"}
    assert document["cvss"] == {"vector_string": V3, "score": 8.8} and document["severity"] == "high"
    assert document["cvss_severities"] == {"cvss_v3": {"vector_string": V3, "score": 8.8}, "cvss_v4": None}
    assert document["cwes"][0]["cwe_id"] == "CWE-22" and document["cwes"][0]["name"].endswith("('Path Traversal')")
    [detailed] = document["credits_detailed"]
    assert (detailed["user"]["login"], detailed["type"], detailed["state"]) == ("dana-reporter", "finder", "pending")
    assert document["author"]["login"] == "dana-reporter" and document["author"]["id"] == detailed["user"]["id"]


def test_ids_are_deterministic_and_distinct() -> None:
    with FakeGitHub(now=START) as first, FakeGitHub(now=START) as second:
        ids = [first.add_advisory(REPO, summary=f"s{i}")["ghsa_id"] for i in range(50)]
        assert ids == [second.add_advisory(REPO, summary=f"s{i}")["ghsa_id"] for i in range(50)]
    assert len(set(ids)) == 50 and all(GHSA.fullmatch(i) for i in ids)


def test_the_products_reader_and_writer_agree_with_the_fake(gh: FakeGitHub) -> None:
    created = gh.add_advisory(
        REPO,
        summary="pip: path traversal in sdists",
        description="Extracting a crafted sdist writes outside the build directory.",
        state="draft",
        cve_id="CVE-2026-12345",
        vulnerabilities=[
            {
                "package": {"ecosystem": "pip", "name": "pip"},
                "vulnerable_version_range": ">= 20.0, < 24.1",
                "patched_versions": "24.1",
                "vulnerable_functions": [],
            }
        ],
        cvss_vector_string=V3,
        cwe_ids=["CWE-22"],
        credits=[{"login": "dana-reporter", "type": "finder"}],
    )
    with client(gh) as api:
        advisory = from_ghsa(api.get(one(created["ghsa_id"])).json(), "PSC-2026-0001", {"pip": ["pip"]})
        response = api.patch(one(created["ghsa_id"]), json=to_ghsa(advisory))
    assert response.status_code == 200, response.text
    after = response.json()
    for key in ("summary", "description", "cve_id", "vulnerabilities", "cwe_ids", "credits", "cvss", "severity"):
        assert after[key] == created[key], key


# --- 4.5: lists and pagination --------------------------------------------------------------------------------------


def test_250_advisories_come_in_three_pages_by_following_link(gh: FakeGitHub) -> None:
    made = [gh.add_advisory(REPO, summary=f"s{i}", created_at=START + timedelta(minutes=i)) for i in range(250)]
    with client(gh) as api:
        pages = follow(api, f"{LIST}?per_page=100")
    assert [len(page) for page in pages] == [100, 100, 50]
    ids = [a["ghsa_id"] for page in pages for a in page]
    assert ids == [a["ghsa_id"] for a in reversed(made)]  # default: sort=created, direction=desc; no duplicates
    with client(gh) as api:
        last = api.get(gh.requests[-1].path, params=gh.requests[-1].query)
        middle = api.get(last.links["prev"]["url"])
    assert "next" not in last.links and [a["ghsa_id"] for a in middle.json()] == ids[100:200]
    next_urls = [r.query for r in gh.requests[:3]]
    assert all("page" not in query for query in next_urls)
    assert [sorted(query) for query in next_urls] == [["per_page"], ["after", "per_page"], ["after", "per_page"]]


def test_link_has_next_and_prev_and_is_omitted_on_a_single_page(gh: FakeGitHub) -> None:
    for i in range(5):
        gh.add_advisory(REPO, summary=f"s{i}", created_at=START + timedelta(minutes=i))
    with client(gh) as api:
        single = api.get(LIST)
        first = api.get(LIST, params={"per_page": 2, "direction": "asc"})
        second = api.get(first.links["next"]["url"])
        back = api.get(second.links["prev"]["url"])
        ignored = api.get(LIST, params={"per_page": 2, "direction": "asc", "page": 2})
    assert single.status_code == 200 and len(single.json()) == 5 and "link" not in single.headers
    assert "prev" not in first.links and set(second.links) == {"prev", "next"}
    assert "direction=asc" in first.links["next"]["url"] and "per_page=2" in first.links["next"]["url"]
    assert back.json() == first.json()
    assert ignored.json() == first.json()  # there is no page parameter: a client that sends one loops forever
    assert [a["summary"] for a in second.json()] == ["s2", "s3"]


def test_cursors_are_opaque_base64(gh: FakeGitHub) -> None:
    cursor = encode_cursor(("2026-05-20T09:00:00Z", 7))
    assert base64.urlsafe_b64decode(cursor + "==").startswith(b"cursor:v2:")
    assert decode_cursor(cursor) == ("2026-05-20T09:00:00Z", 7)


def test_lists_filter_by_state_and_sort(gh: FakeGitHub) -> None:
    states = ["triage", "draft", "published", "closed", "published"]
    for i, state in enumerate(states):
        gh.add_advisory(
            REPO,
            summary=f"s{i}",
            state=state,
            created_at=START + timedelta(minutes=i),
            updated_at=START + timedelta(minutes=10 - i),
        )
    with client(gh) as api:
        published = api.get(LIST, params={"state": "published"}).json()
        by_update = api.get(LIST, params={"sort": "updated", "direction": "asc"}).json()
        created_asc = api.get(LIST, params={"direction": "asc"}).json()
    assert [a["summary"] for a in published] == ["s4", "s2"]
    assert [a["summary"] for a in by_update] == ["s4", "s3", "s2", "s1", "s0"]
    assert [a["summary"] for a in created_asc] == ["s0", "s1", "s2", "s3", "s4"]


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": 0},
        {"per_page": 101},
        {"per_page": "ten"},
        {"after": "not-a-cursor!"},
        {"after": base64.urlsafe_b64encode(b"cursor:v1:[1]").decode()},
        {"before": "Y3Vyc29yOnYyOnh4"},
        {"direction": "sideways"},
        {"sort": "name"},
        {"state": "withdrawn"},
    ],
)
def test_bad_list_parameters_are_400(gh: FakeGitHub, params: dict[str, Any]) -> None:
    with client(gh) as api:
        response = api.get(LIST, params=params)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "documentation_url", "status"} and response.json()["status"] == "400"


def test_links_can_name_the_repository_by_id(gh: FakeGitHub) -> None:
    gh.links_by_id = True
    for i in range(3):
        gh.add_advisory(REPO, summary=f"s{i}")
    with client(gh) as api:
        pages = follow(api, f"{LIST}?per_page=2")
    assert [len(page) for page in pages] == [2, 1]
    assert gh.requests[1].path.startswith("/repositories/")


def test_the_org_list_holds_the_repositories_the_token_can_see(gh: FakeGitHub) -> None:
    gh.add_advisory(REPO, summary="public repo, draft", state="draft")
    gh.add_advisory("pypa/secret", summary="private repo", state="draft")
    with client(gh, "reader") as api:
        seen = [a["summary"] for a in api.get("/orgs/pypa/security-advisories").json()]
    assert seen == ["public repo, draft"]


# --- 4.3: ETags and conditional requests ----------------------------------------------------------------------------


def test_etag_gives_304_that_is_not_counted_until_the_data_changes(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s")["ghsa_id"]
    with client(gh) as api:
        first = api.get(LIST)
        etag = first.headers["etag"]
        again = api.get(LIST, headers={"If-None-Match": etag})
        gh.update_advisory(REPO, ghsa_id, summary="changed on github.com")
        changed = api.get(LIST, headers={"If-None-Match": etag})
        single = api.get(one(ghsa_id))
        single_again = api.get(one(ghsa_id), headers={"If-None-Match": single.headers["etag"]})
    assert re.fullmatch(r'W/"[0-9a-f]+"', etag)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]  # not counted
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()[0]["summary"] == "changed on github.com"
    assert single_again.status_code == 304
    assert [r.conditional for r in gh.requests] == [False, True, True, False, True]
    assert [r.status for r in gh.requests] == [200, 304, 200, 200, 304]


# --- 4.3/4.6: authentication and errors -----------------------------------------------------------------------------


def test_missing_and_bad_tokens_are_401(gh: FakeGitHub) -> None:
    with client(gh, None) as anonymous, client(gh, "wrong") as wrong:
        missing, bad = anonymous.get(LIST), wrong.get(LIST)
    assert missing.status_code == bad.status_code == 401
    assert missing.json()["message"] == "Requires authentication"
    assert bad.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert bad.headers["x-ratelimit-limit"] == "60"  # counted against the unauthenticated limit


def test_anonymous_callers_can_be_allowed_to_read_published_advisories() -> None:
    with FakeGitHub(now=START, allow_anonymous=True) as gh:
        gh.add_advisory(REPO, summary="draft", state="draft")
        published = gh.add_advisory(REPO, summary="published", state="published")
        with client(gh, None) as anonymous:
            response = anonymous.get(LIST)
            report = anonymous.post(f"{LIST}/reports", json={"summary": "s", "description": "d"})
    assert response.json() == [published] and response.headers["x-ratelimit-limit"] == "60"
    assert report.status_code == 401


def test_what_a_token_cannot_see_is_404_and_what_it_cannot_change_is_403(gh: FakeGitHub) -> None:
    draft = gh.add_advisory(REPO, summary="draft", state="draft")["ghsa_id"]
    published = gh.add_advisory(REPO, summary="published", state="published")["ghsa_id"]
    secret = gh.add_advisory("pypa/secret", summary="secret")["ghsa_id"]
    with client(gh, "stranger") as stranger, client(gh, "reader") as reader:
        assert stranger.get("/repos/pypa/secret/security-advisories").status_code == 404
        assert stranger.get(one(secret, "pypa/secret")).status_code == 404
        assert stranger.get("/repos/pypa/nothing/security-advisories").status_code == 404
        assert stranger.get(one(draft)).status_code == 404  # unpublished: hidden, not forbidden
        assert [a["ghsa_id"] for a in stranger.get(LIST).json()] == [published]
        assert reader.get(one(draft)).status_code == 200
        forbidden = reader.patch(one(draft), json={"summary": "x"})
        not_found = reader.get(one("GHSA-2222-2222-2222"))
    assert forbidden.status_code == 403 and forbidden.json()["status"] == "403"
    assert not_found.json()["message"] == "Not Found" and not_found.json()["status"] == "404"
    assert gh.advisory(REPO, draft)["summary"] == "draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "high", "cvss_vector_string": V3}, "severity"),
        ({"state": "accepted"}, "state"),
        ({"severity": "urgent"}, "severity"),
        ({"summary": "x" * 1025}, "summary"),
        ({"cvss_vector_string": "AV:N/AC:L"}, "cvss_vector_string"),
        ({"credits": [{"login": "dana", "type": "hacker"}]}, "credits[0].type"),
        (
            {"vulnerabilities": [{"package": {"ecosystem": "conda", "name": "x"}}]},
            "vulnerabilities[0].package.ecosystem",
        ),
        ({"ghsa_id": "GHSA-2222-2222-2222"}, "ghsa_id"),  # not a body field
        ({"state": "published"}, "state"),  # triage cannot be published before it is accepted
    ],
)
def test_invalid_patches_are_422_validation_failed(gh: FakeGitHub, body: dict[str, Any], field: str) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s")["ghsa_id"]
    before = gh.advisory(REPO, ghsa_id)
    with client(gh) as api:
        response = api.patch(one(ghsa_id), json=body)
    assert response.status_code == 422
    document = response.json()
    assert document["message"] == "Validation Failed" and document["status"] == "422"
    assert field in [error["field"] for error in document["errors"]]
    assert all({"resource", "field", "code"} <= set(error) for error in document["errors"])
    assert gh.advisory(REPO, ghsa_id) == before  # nothing changed, not even updated_at


def test_a_body_that_is_not_a_json_object_is_400(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s")["ghsa_id"]
    with client(gh) as api:
        response = api.patch(one(ghsa_id), content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["message"] == "Problems parsing JSON"
    assert gh.requests[-1].body == "{not json"


def test_a_user_agent_is_required(gh: FakeGitHub) -> None:
    with client(gh) as api:
        del api.headers["User-Agent"]
        response = api.get(LIST)
    assert response.status_code == 403 and "User-Agent" in response.text


# --- 4.3: API versions ----------------------------------------------------------------------------------------------


def test_api_versions(gh: FakeGitHub) -> None:
    with client(gh) as api:
        del api.headers["X-GitHub-Api-Version"]
        absent = api.get(LIST)
        new = api.get(LIST, headers={"X-GitHub-Api-Version": "2026-03-10"})
        old = api.get(LIST, headers={"X-GitHub-Api-Version": "2021-01-01"})
    assert absent.status_code == 200 and absent.headers["x-github-api-version-selected"] == "2022-11-28"
    assert new.status_code == 200 and new.headers["x-github-api-version-selected"] == "2026-03-10"
    assert old.status_code == 400 and '"2021-01-01", is not a supported version' in old.json()["message"]


# --- 4.4: rate limits -----------------------------------------------------------------------------------------------


def test_rate_limit_headers_count_down_on_every_response(gh: FakeGitHub) -> None:
    with client(gh) as api:
        responses = [api.get(LIST) for _ in range(3)]
    assert all(all(name in r.headers for name in RATE_HEADERS) for r in responses)
    assert [int(r.headers["x-ratelimit-remaining"]) for r in responses] == [4999, 4998, 4997]
    assert [int(r.headers["x-ratelimit-used"]) for r in responses] == [1, 2, 3]
    assert {r.headers["x-ratelimit-resource"] for r in responses} == {"core"}
    assert int(responses[0].headers["x-ratelimit-reset"]) == int(START.timestamp()) + 3600
    assert len({r.headers["x-github-request-id"] for r in responses}) == 3
    assert gh.rate_limit_remaining("writer") == 4997


def test_exhausted_primary_limit_is_403_with_no_remaining_until_the_reset(gh: FakeGitHub) -> None:
    gh.exhaust_primary(reset_in=30)
    with client(gh) as api:
        limited = api.get(LIST)
        gh.advance(29)
        still = api.get(LIST)
        gh.advance(1)
        after = api.get(LIST)
    assert limited.status_code == still.status_code == 403
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-reset"] == str(int(START.timestamp()) + 30)
    assert limited.json()["message"].startswith("API rate limit exceeded")
    assert after.status_code == 200 and after.headers["x-ratelimit-remaining"] == "4999"


def test_the_primary_limit_runs_out_by_counting(gh: FakeGitHub) -> None:
    gh.rate_limit = 2
    with client(gh) as api:
        statuses = [api.get(LIST).status_code for _ in range(3)]
        gh.advance(3600)
        fresh = api.get(LIST)
    assert statuses == [200, 200, 403]
    assert fresh.status_code == 200 and fresh.headers["x-ratelimit-remaining"] == "1"


def test_exhausted_primary_limit_can_answer_429(gh: FakeGitHub) -> None:
    gh.exhaust_primary(reset_in=5, status=429)
    with client(gh) as api:
        assert api.get(LIST).status_code == 429


def test_secondary_limit_answers_403_with_retry_after(gh: FakeGitHub) -> None:
    gh.secondary_limit(times=2, retry_after=7)
    with client(gh) as api:
        responses = [api.get(LIST) for _ in range(3)]
        gh.secondary_limit(times=1, retry_after=None)
        bare = api.get(LIST)
    assert [r.status_code for r in responses] == [403, 403, 200]
    assert responses[0].headers["retry-after"] == "7" and "retry-after" not in responses[2].headers
    assert responses[0].json()["message"].startswith("You have exceeded a secondary rate limit")
    assert int(responses[0].headers["x-ratelimit-remaining"]) > 0  # not the primary limit
    assert bare.status_code == 403 and "retry-after" not in bare.headers


# --- Switches: broken, slow and failing answers ---------------------------------------------------------------------


def test_malformed_json_is_a_200_that_does_not_parse(gh: FakeGitHub) -> None:
    gh.add_advisory(REPO, summary="s")
    gh.malformed_json(times=1)
    with client(gh) as api:
        broken, good = api.get(LIST), api.get(LIST)
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert good.json()[0]["summary"] == "s"


def test_a_slow_answer_times_a_short_timeout_out(gh: FakeGitHub) -> None:
    gh.slow(1.0, times=1)
    with client(gh, timeout=0.2) as api:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            api.get(LIST)
        assert time.monotonic() - started < 0.9
        assert api.get(LIST).status_code == 200  # the next one is quick


def test_a_failure_can_carry_an_html_page(gh: FakeGitHub) -> None:
    gh.fail(502, body=b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    with client(gh) as api:
        response = api.get(LIST)
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert "x-ratelimit-remaining" in response.headers


@pytest.mark.parametrize("status", [500, 502])
def test_failures_are_answered_then_stop(gh: FakeGitHub, status: int) -> None:
    gh.fail(status, times=2)
    with client(gh) as api:
        statuses = [api.get(LIST).status_code for _ in range(3)]
    assert statuses == [status, status, 200]


# --- PATCH, POST ----------------------------------------------------------------------------------------------------


def test_patch_moves_updated_at_and_keeps_credits_consistent(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(
        REPO,
        summary="s",
        state="draft",
        credits=[{"login": "dana", "type": "finder"}, {"login": "sam", "type": "analyst"}],
    )["ghsa_id"]
    gh.set_credit_state(REPO, ghsa_id, "dana", "accepted")
    before = gh.advisory(REPO, ghsa_id)
    wanted = [{"login": "dana", "type": "finder"}, {"login": "kim", "type": "remediation_developer"}]
    with client(gh) as api:
        first = api.patch(one(ghsa_id), json={"credits": wanted})
        second = api.patch(one(ghsa_id), json={})  # even an empty PATCH is a change
        gh.advance(120)
        third = api.patch(one(ghsa_id), json={"cvss_vector_string": V4})
    assert first.status_code == second.status_code == third.status_code == 200
    stamps = [before["updated_at"], first.json()["updated_at"], second.json()["updated_at"], third.json()["updated_at"]]
    assert stamps == sorted(set(stamps)) and all(ISO.fullmatch(s) for s in stamps)
    assert third.json()["updated_at"] == "2026-05-20T09:02:00Z"
    document = third.json()
    assert document["credits"] == wanted
    assert [(c["user"]["login"], c["type"], c["state"]) for c in document["credits_detailed"]] == [
        ("dana", "finder", "accepted"),  # kept its consent
        ("kim", "remediation_developer", "pending"),  # new
    ]
    assert document["cvss_severities"]["cvss_v4"] == {"vector_string": V4, "score": 8.7}
    assert document["severity"] == "high" and document["created_at"] == before["created_at"]
    assert gh.requests[0].body == {"credits": wanted} and gh.requests[0].method == "PATCH"


def test_patch_states_follow_the_lifecycle(gh: FakeGitHub) -> None:
    report = gh.add_advisory(REPO, summary="a report")["ghsa_id"]
    with client(gh) as api:
        accepted = api.patch(one(report), json={"state": "draft"}).json()
        published = api.patch(one(report), json={"state": "published"}).json()
        back = api.patch(one(report), json={"state": "draft"})
    assert accepted["state"] == "draft" and accepted["submission"] == {"accepted": True}
    assert published["state"] == "published" and published["published_at"] == published["updated_at"]
    assert published["publisher"]["login"] == "pip-maintainer"
    assert back.status_code == 422


def test_severity_without_a_vector_and_clearing_the_cve(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s", cve_id="CVE-2026-1234", cvss_vector_string=V3)["ghsa_id"]
    with client(gh) as api:
        document = api.patch(one(ghsa_id), json={"severity": "low", "cve_id": None}).json()
    assert document["severity"] == "low" and document["cvss"] is None
    assert document["cve_id"] is None and [i["type"] for i in document["identifiers"]] == ["GHSA"]


def test_create_report_cve_and_fork(gh: FakeGitHub) -> None:
    body = {
        "summary": "twine: token in the log",
        "description": "With --verbose the token is logged.",
        "vulnerabilities": [{"package": {"ecosystem": "pip", "name": "twine"}, "vulnerable_version_range": "< 5.1"}],
        "cvss_vector_string": V3,
    }
    with client(gh) as api, client(gh, "stranger") as reporter:
        created = api.post(LIST, json=body)
        missing = api.post(LIST, json={"summary": "no description"})
        report = reporter.post(f"{LIST}/reports", json={"summary": "found a bug", "description": "details"})
        not_allowed = reporter.post(LIST, json=body)
        cve = api.post(f"{one(created.json()['ghsa_id'])}/cve")
        fork = api.post(f"{one(created.json()['ghsa_id'])}/forks")
    assert created.status_code == 201
    made = created.json()
    assert tuple(made) == OBJECT_KEYS and made["state"] == "draft" and made["submission"] is None
    assert made["author"]["login"] == "pip-maintainer" and made["severity"] == "high"
    assert made["vulnerabilities"][0]["patched_versions"] is None
    assert missing.status_code == 422 and {e["code"] for e in missing.json()["errors"]} == {"missing_field"}
    assert report.status_code == 201 and report.json()["state"] == "triage"
    assert report.json()["submission"] == {"accepted": False} and report.json()["author"]["login"] == "fake-user-3"
    assert not_allowed.status_code == 403
    assert cve.status_code == 202 and cve.json() == {}
    assert fork.status_code == 202 and fork.json()["private"] is True
    assert gh.advisory(REPO, made["ghsa_id"])["private_fork"]["full_name"] == fork.json()["full_name"]


def test_reports_need_private_reporting(gh: FakeGitHub) -> None:
    gh.add_repository("pypa/closed-door", private_reporting=False)
    with client(gh, "stranger") as reporter:
        response = reporter.post(
            "/repos/pypa/closed-door/security-advisories/reports", json={"summary": "s", "description": "d"}
        )
    assert response.status_code == 403


# --- The request log, threads and the seeded benchmark ----------------------------------------------------------------


def test_the_log_records_each_request_and_can_be_reset(gh: FakeGitHub) -> None:
    ghsa_id = gh.add_advisory(REPO, summary="s")["ghsa_id"]
    with client(gh) as api:
        api.get(LIST, params={"state": "triage", "per_page": 5})
        api.patch(one(ghsa_id), json={"summary": "t"})
    first, second = gh.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        LIST,
        {"state": "triage", "per_page": "5"},
        200,
    )
    assert first.body is None and first.token == "writer" and first.headers["x-github-api-version"] == "2022-11-28"
    assert (second.method, second.status, second.body) == ("PATCH", 200, {"summary": "t"})
    gh.reset_log()
    assert gh.requests == []


def test_concurrent_requests_are_all_logged(gh: FakeGitHub) -> None:
    gh.add_advisory(REPO, summary="s")
    statuses: list[int] = []

    def work() -> None:
        with client(gh) as api:
            statuses.extend(api.get(LIST).status_code for _ in range(10))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 80 and len(gh.requests) == 80
    assert gh.rate_limit_remaining("writer") == 5000 - 80


def test_ten_repositories_of_300_advisories_list_quickly() -> None:
    with FakeGitHub(now=START) as gh:
        started = time.monotonic()
        ids = seed(gh, 10, 300)
        gh.add_token("reader", read=list(ids))
        with client(gh, "reader") as api:
            for name, made in ids.items():
                pages = follow(api, f"/repos/{name}/security-advisories?per_page=100")
                assert [a["ghsa_id"] for page in pages for a in page] == made[::-1]
            published = sum(len(p) for p in follow(api, f"{LIST.replace(REPO, 'pypa/project-3')}?state=published"))
        elapsed = time.monotonic() - started
        assert gh.errors == []
    assert len(ids) == 10 and published == 150
    assert elapsed < 5, elapsed
