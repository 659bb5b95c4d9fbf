"""A local fake of GitHub's repository security advisories REST API (tech-notes section 4), for tests.

`FakeGitHub` serves the routes of 4.1 on 127.0.0.1 (a `ThreadingHTTPServer` in a daemon thread) with GitHub's status
codes, error bodies, rate-limit headers, ETags and cursor pagination, and keeps the full `repository-advisory` object
of 4.2. Switches make it misbehave the way GitHub does (primary and secondary rate limits, 5xx, slow or broken
answers), and every request is logged so a test can check what a client sent.

    with FakeGitHub() as gh:
        gh.add_repository("pypa/pip")
        gh.add_token("t0ken", write=["pypa/pip"])
        ghsa_id = gh.add_advisory("pypa/pip", summary="path traversal")["ghsa_id"]
        httpx.get(f"{gh.url}/repos/pypa/pip/security-advisories/{ghsa_id}", headers={"Authorization": "Bearer t0ken"})

Only the standard library, `cvss` (a project dependency, for scores) and `github_schema` (GitHub's published OpenAPI
description of these objects) are used. Every object it serves is checked against that description for the API
version the request names (`check_schema`; a mismatch is a bug of the fake: 500 and `errors`), and request bodies are
accepted or refused as the description's schema says, plus the rules its text states (severity or a vector, not
both; a vector GitHub can score) and the state lifecycle. What the fake invents where GitHub's documentation is
silent is marked "unverified" below.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from github_schema import body_errors, errors_of

# --- What GitHub documents (tech-notes 4.1-4.5) --------------------------------------------------------------------

API_VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_API_VERSION = "2022-11-28"
# The breaking changes of a version that touch the advisory object: 2026-03-10 removed the deprecated `cvss`.
REMOVED_KEYS = {"2026-03-10": frozenset({"cvss"})}
GHSA_CHARSET = "23456789cfghjmpqrvwx"
STATES = ("published", "closed", "withdrawn", "draft", "triage")
LIST_STATES = ("triage", "draft", "published", "closed")
PATCH_STATES = ("published", "closed", "draft")
PUBLIC_STATES = frozenset({"published", "withdrawn"})
SEVERITIES = ("critical", "high", "medium", "low")
CREDIT_TYPES = (
    "analyst",
    "finder",
    "reporter",
    "coordinator",
    "remediation_developer",
    "remediation_reviewer",
    "remediation_verifier",
    "tool",
    "sponsor",
    "other",
)
ECOSYSTEMS = (
    *("rubygems", "npm", "pip", "maven", "nuget", "composer", "go", "rust", "erlang", "actions", "pub", "other"),
    "swift",  # in newer specs
)
SORTS = {"created": "created_at", "updated": "updated_at", "published": "published_at"}
CREDIT_STATES = ("accepted", "declined", "pending")

# The keys of the 4.2 object, in the order GitHub's example lists them. Every one is always present (under
# 2022-11-28; later versions drop their REMOVED_KEYS).
OBJECT_KEYS = (
    "ghsa_id",
    "cve_id",
    "url",
    "html_url",
    "summary",
    "description",
    "severity",
    "author",
    "publisher",
    "identifiers",
    "state",
    "created_at",
    "updated_at",
    "published_at",
    "closed_at",
    "withdrawn_at",
    "submission",
    "vulnerabilities",
    "cvss",
    "cvss_severities",
    "cwes",
    "cwe_ids",
    "credits",
    "credits_detailed",
    "collaborating_users",
    "collaborating_teams",
    "private_fork",
)
PATCH_FIELDS = frozenset(
    {
        "summary",
        "description",
        "cve_id",
        "vulnerabilities",
        "cwe_ids",
        "credits",
        "severity",
        "cvss_vector_string",
        "state",
        "collaborating_users",
        "collaborating_teams",
    }
)
CREATE_FIELDS = frozenset(
    {
        "summary",
        "description",
        "vulnerabilities",
        "cve_id",
        "cwe_ids",
        "credits",
        "severity",
        "cvss_vector_string",
        "start_private_fork",
    }
)
VULNERABILITY_FIELDS = frozenset({"package", "vulnerable_version_range", "patched_versions", "vulnerable_functions"})

DOCS = "https://docs.github.com/rest/security-advisories/repository-advisories"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
# Error texts seen from GitHub (the version one quoted in update-nix-fetchgit#79); the others are GitHub's usual words.
UNSUPPORTED_VERSION = (
    'The version you specified in the "X-GitHub-Api-Version" request header, "{version}", is not a supported version.'
    ' The following versions are currently supported: "2026-03-10" (most recent), "2022-11-28".'
)
NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"
    " (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
    " Check https://developer.github.com for other possible causes.\n"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content creation."
    " Please retry your request again later. If you reach out to GitHub Support for help, please include the"
    " request ID {request_id}."
)
UNAUTHENTICATED_LIMIT = 60
# A few CWE names as GitHub's `cwes` spells them; other ids get their id as name (unverified: GitHub knows them all).
CWE_NAMES = {
    "CWE-20": "Improper Input Validation",
    "CWE-22": "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    "CWE-78": "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
    "CWE-79": "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    "CWE-94": "Improper Control of Generation of Code ('Code Injection')",
    "CWE-200": "Exposure of Sensitive Information to an Unauthorized Actor",
    "CWE-295": "Improper Certificate Validation",
    "CWE-400": "Uncontrolled Resource Consumption",
    "CWE-502": "Deserialization of Untrusted Data",
    "CWE-532": "Insertion of Sensitive Information into Log File",
}
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_CURSOR_PREFIX = b"cursor:v2:"
_REPO_URL_KEYS = (
    "archive_url",
    "assignees_url",
    "blobs_url",
    "branches_url",
    "collaborators_url",
    "comments_url",
    "commits_url",
    "compare_url",
    "contents_url",
    "contributors_url",
    "deployments_url",
    "downloads_url",
    "events_url",
    "forks_url",
    "git_commits_url",
    "git_refs_url",
    "git_tags_url",
    "issue_events_url",
    "issue_comment_url",
    "issues_url",
    "keys_url",
    "labels_url",
    "languages_url",
    "merges_url",
    "milestones_url",
    "notifications_url",
    "pulls_url",
    "releases_url",
    "stargazers_url",
    "statuses_url",
    "subscribers_url",
    "subscription_url",
    "tags_url",
    "teams_url",
    "trees_url",
    "hooks_url",
)


def iso(moment: datetime) -> str:
    """GitHub's timestamp form: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def ghsa_id_for(number: int) -> str:
    """The id of the `number`th advisory: 12 characters of GitHub's alphabet taken from a hash of the counter, so ids
    look scattered but are the same on every run (the server skips the rare repeat)."""
    value = int.from_bytes(hashlib.sha256(f"ghsa:{number}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(12):
        value, digit = divmod(value, len(GHSA_CHARSET))
        chars.append(GHSA_CHARSET[digit])
    text = "".join(chars)
    return f"GHSA-{text[0:4]}-{text[4:8]}-{text[8:12]}"


@lru_cache(maxsize=1024)
def score_vector(vector: str) -> tuple[str, float, str | None]:
    """(version key, base score, GitHub severity) of a CVSS 3.x or 4.0 vector; ValueError when it does not parse."""
    try:
        if vector.startswith("CVSS:4.0/"):
            v4 = CVSS4(vector)
            return "cvss_v4", float(v4.base_score), _severity(v4.severity)
        if vector.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            v3 = CVSS3(vector)
            return "cvss_v3", float(v3.base_score), _severity(v3.severities()[0])
    except CVSSError as error:
        raise ValueError(str(error) or "not a CVSS vector") from error
    raise ValueError("must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")


def _severity(rating: str) -> str | None:
    rating = rating.lower()
    return rating if rating in SEVERITIES else None  # a 0.0 score ("none") has no GitHub severity


def simple_user(login: str, user_id: int) -> dict[str, Any]:
    """GitHub's `simple-user` object as the advisory routes show it: `starred_at` only exists in lists of stargazers
    (and is never null), so it is left out."""
    api = f"https://api.github.com/users/{login}"
    return {
        "name": None,
        "email": None,
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "User",
        "site_admin": False,
        "user_view_type": "public",
    }


def encode_cursor(key: tuple[str, int]) -> str:
    """An opaque cursor (base64url of `cursor:v2:` and the position, like GitHub's `Y3Vyc29yOnYy…`)."""
    raw = _CURSOR_PREFIX + json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, int] | None:
    """The position a cursor holds, or None when it is not one this server made."""
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        if not raw.startswith(_CURSOR_PREFIX):
            return None
        value = json.loads(raw[len(_CURSOR_PREFIX) :])
    except (ValueError, UnicodeDecodeError):
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    ):
        return value[0], value[1]
    return None


# --- State ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the fake saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    conditional: bool  # an If-None-Match header was sent
    body: Any  # the JSON body of PATCH/POST (the raw text when it did not parse), else None
    headers: dict[str, str]  # request headers, names in lower case
    token: str | None
    request_id: str
    at: float = field(default_factory=time.monotonic)  # when it was answered (the machine's monotonic clock)


@dataclass
class _Token:
    token: str
    login: str
    read: set[str]
    write: set[str]


@dataclass
class _Repository:
    full_name: str
    id: int
    private: bool
    private_reporting: bool
    advisories: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)
    version: int = 0
    json: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (ghsa id, API version) -> the served JSON

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]


@dataclass
class _Bucket:
    limit: int
    remaining: int
    reset: int


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"
    counted: bool = True


class _ApiError(Exception):
    """An error answer: status and JSON body."""

    def __init__(self, status: int, message: str, documentation_url: str = DOCS, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload: dict[str, Any] = {"message": message, **extra, "documentation_url": documentation_url}
        self.payload["status"] = str(status)


def _validation_failed(errors: list[dict[str, Any]], documentation_url: str) -> _ApiError:
    return _ApiError(422, "Validation Failed", documentation_url, errors=errors)


def _error(field_name: str, code: str, message: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"resource": "RepositoryAdvisory", "field": field_name, "code": code}
    if message:
        found["message"] = message
    return found


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _etag(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
        digest.update(b"\0")
    return f'W/"{digest.hexdigest()[:40]}"'


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list with the current ETag (`*` matches anything)."""
    opaque = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


# --- The server ----------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # buffered: headers and body leave in one write (flushed after each request) ...
    disable_nagle_algorithm = True  # ... and at once (no 40 ms delayed-ACK stalls on keep-alive connections)
    server_version = "GitHub.com"
    sys_version = ""
    server: _Server

    def _serve(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the fake keeps its own log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


class FakeGitHub:
    """A fake api.github.com for repository security advisories; see the module docstring and tech-notes 4.6.

    The socket is bound when the object is made, so `url` (and the `url` of advisories) is known before `start()`.
    Time comes from `now` (a real clock plus an offset, or a frozen one when `now=` is given), which tests move
    with `advance()` or by assigning `gh.now`; timestamps, rate-limit windows and resets all follow it.
    """

    def __init__(
        self,
        *,
        now: datetime | None = None,
        rate_limit: int = 5000,
        allow_anonymous: bool = False,
        links_by_id: bool = False,
        check_schema: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._clock: Callable[[], float] = time.time
        if now is not None:
            frozen = now.timestamp()
            self._clock = lambda: frozen
        self._offset = 0.0
        self._rate_limit = rate_limit
        self.allow_anonymous = allow_anonymous
        self.links_by_id = links_by_id
        self.check_schema = check_schema  # every object served is checked against GitHub's description of it
        self._api_version = DEFAULT_API_VERSION
        self._repos: dict[str, _Repository] = {}
        self._repo_ids: dict[int, str] = {}
        self._tokens: dict[str, _Token] = {}
        self._user_ids: dict[str, int] = {}
        self._buckets: dict[str | None, _Bucket] = {}
        self._counter = 0
        self._ghsa_ids: set[str] = set()
        self._request_counter = 0
        self._log: list[LoggedRequest] = []
        self.errors: list[str] = []  # exceptions inside the fake (a bug here, not in the client): tests may assert []
        self._order_cache: dict[Any, Any] = {}
        self._page_cache: dict[Any, Any] = {}
        self.clear_faults()

    # --- Life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.01,), name="fake-github", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow answers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Clock --------------------------------------------------------------------------------------------------

    def time(self) -> float:
        """Seconds since the epoch on the fake's clock."""
        return self._clock() + self._offset

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    @now.setter
    def now(self, moment: datetime) -> None:
        with self._lock:
            self._offset = moment.timestamp() - self._clock()

    def advance(self, seconds: float) -> None:
        """Move the clock on (rate-limit resets and exhaustion pass; new timestamps are later)."""
        with self._lock:
            self._offset += seconds

    # --- Set-up: tokens, repositories, advisories -----------------------------------------------------------------

    @property
    def rate_limit(self) -> int:
        return self._rate_limit

    @rate_limit.setter
    def rate_limit(self, limit: int) -> None:
        with self._lock:
            self._rate_limit = limit
            self._buckets.clear()  # every token starts a fresh window

    def add_token(
        self, token: str, read: Iterable[str] = (), write: Iterable[str] = (), login: str | None = None
    ) -> dict[str, Any]:
        """A valid token. `write` repositories may be changed (and implies read); `read` ones seen in full
        (unpublished advisories too). Any valid token sees the published advisories of public repositories.
        Returns the token's user (its `login` becomes the author/publisher of what it does)."""
        with self._lock:
            login = login or f"fake-user-{len(self._tokens) + 1}"
            writes = {name.lower() for name in write}
            self._tokens[token] = _Token(token, login, {name.lower() for name in read} | writes, writes)
            return self._user(login)

    def add_pip_and_uv(self, token: str, *, login: str) -> None:
        """The repositories pypa/pip and astral-sh/uv, and `token` of `login` that may change both."""
        self.add_token(token, write=["pypa/pip", "astral-sh/uv"], login=login)
        self.add_repository("pypa/pip")
        self.add_repository("astral-sh/uv")

    def add_repository(
        self, full_name: str, *, private: bool = False, private_reporting: bool = True
    ) -> dict[str, Any]:
        """A repository (public unless `private`); returns {"id", "full_name", "private"}."""
        if not _REPO.fullmatch(full_name):
            raise ValueError(f"not owner/name: {full_name!r}")
        with self._lock:
            key = full_name.lower()
            if key not in self._repos:
                repo_id = 100_000 + len(self._repos) + 1
                self._repos[key] = _Repository(full_name, repo_id, private, private_reporting)
                self._repo_ids[repo_id] = key
            repo = self._repos[key]
            return {"id": repo.id, "full_name": repo.full_name, "private": repo.private}

    def add_advisory(self, repo: str, **fields: Any) -> dict[str, Any]:
        """A full 4.2 object in `repo` (created there if new). Fields are object keys (`summary`, `description`,
        `severity`, `state`, `cve_id`, `vulnerabilities`, `cwe_ids`, `credits`, `credits_detailed`, `author`,
        `publisher`, `submission`, timestamps as datetime or ISO text, `collaborating_users`/`_teams` as
        logins/slugs) or `cvss_vector_string`. Default state is `triage` with `submission: {"accepted": false}`.
        Returns a copy."""
        with self._lock:
            if repo.lower() not in self._repos:
                self.add_repository(repo)
            return copy.deepcopy(self._create(self._repos[repo.lower()], fields))

    def update_advisory(self, repo: str, ghsa_id: str, **changes: Any) -> dict[str, Any]:
        """Changes fields as a maintainer editing on github.com would (the same keys as `add_advisory`, and
        `state="withdrawn"`, which only GitHub can do); `updated_at` moves on. Returns a copy."""
        with self._lock:
            record, advisory = self._find(repo, ghsa_id)
            moment = self._bump(advisory)
            self._apply_admin(record, advisory, changes, moment)
            self._changed(record, advisory["ghsa_id"])
            return copy.deepcopy(advisory)

    def set_credit_state(self, repo: str, ghsa_id: str, login: str, state: str) -> dict[str, Any]:
        """A credited user accepts or declines (every credit of `login` in the advisory)."""
        if state not in CREDIT_STATES:
            raise ValueError(f"state must be one of {CREDIT_STATES}")
        with self._lock:
            record, advisory = self._find(repo, ghsa_id)
            for credit in advisory["credits_detailed"] or []:
                if credit["user"]["login"].lower() == login.lower():
                    credit["state"] = state
            self._bump(advisory)
            self._changed(record, advisory["ghsa_id"])
            return copy.deepcopy(advisory)

    def advisory(self, repo: str, ghsa_id: str) -> dict[str, Any]:
        """A copy of the stored object."""
        with self._lock:
            return copy.deepcopy(self._find(repo, ghsa_id)[1])

    def advisories(self, repo: str) -> list[dict[str, Any]]:
        """Copies of every advisory of `repo`, oldest first."""
        with self._lock:
            record = self._repos[repo.lower()]
            return [
                copy.deepcopy(a) for a in sorted(record.advisories.values(), key=lambda a: record.seq[a["ghsa_id"]])
            ]

    # --- Switches -------------------------------------------------------------------------------------------------

    def exhaust_primary(self, reset_in: float = 60, *, status: int = 403) -> None:
        """Every token (and anonymous callers) is out of its primary limit: 403 (or 429) with
        `x-ratelimit-remaining: 0` and `x-ratelimit-reset` `reset_in` seconds from now, until the clock passes it;
        then a fresh window starts."""
        with self._lock:
            self._exhausted_until = math.ceil(self.time() + reset_in)
            self._exhausted_status = status

    def secondary_limit(self, times: int = 1, retry_after: int | None = 60, *, status: int = 403) -> None:
        """The next `times` requests get 403 (or 429) "You have exceeded a secondary rate limit…", with
        `retry-after: <retry_after>` (no header when None: the client must then back off by itself)."""
        with self._lock:
            self._secondary: list[Any] = [times, retry_after, status]

    def malformed_json(self, times: int = 1) -> None:
        """The next `times` answers that would be 200 carry a truncated JSON body (the change of a PATCH is kept)."""
        with self._lock:
            self._malformed = times

    def slow(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests wait `seconds` before they are answered."""
        with self._lock:
            self._slow: list[Any] = [times, seconds]

    def fail(self, status: int = 500, times: int = 1, body: Any = None) -> None:
        """The next `times` requests get `status` with `body`: JSON (default `{"message": <reason>}`), or bytes sent
        as they are with `text/html` (GitHub's proxies answer some 502/504s with an HTML page)."""
        with self._lock:
            if body is None:
                body = {"message": "Server Error" if status == 500 else HTTPStatus(status).phrase}
            self._failures: list[Any] = [times, status, body]

    def clear_faults(self) -> None:
        """Turns every switch off (the primary limit too)."""
        with self._lock:
            self._exhausted_until = 0
            self._exhausted_status = 403
            self._secondary = [0, None, 403]
            self._malformed = 0
            self._slow = [0, 0.0]
            self._failures = [0, 500, None]

    # --- Request log ----------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of every request answered so far, in order."""
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def rate_limit_remaining(self, token: str | None) -> int:
        """What `x-ratelimit-remaining` would say now for `token` (None: anonymous)."""
        with self._lock:
            return self._bucket(token if token in self._tokens else None).remaining

    # --- Internals: objects ---------------------------------------------------------------------------------------

    def _user(self, login: str) -> dict[str, Any]:
        user_id = self._user_ids.setdefault(login.lower(), 5_811_001 + len(self._user_ids))
        return simple_user(login, user_id)

    def _team(self, org: str, slug: str) -> dict[str, Any]:
        team_id = self._user_ids.setdefault(f"team:{org}/{slug}".lower(), 5_811_001 + len(self._user_ids))
        api = f"https://api.github.com/organizations/{team_id}/team/{team_id}"
        return {
            "id": team_id,
            "node_id": f"MDQ6VGVhbT{team_id}",
            "name": slug,
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "url": api,
            "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
            "members_url": f"{api}/members{{/member}}",
            "repositories_url": f"{api}/repos",
            "parent": None,
            "type": "organization",  # a team of the repository's organisation, not of an enterprise
        }

    def _fork(self, record: _Repository, ghsa_id: str) -> dict[str, Any]:
        """A `simple-repository` for the temporary private fork."""
        owner, name = record.full_name.split("/", 1)
        fork_name = f"{name}-{ghsa_id.lower()}"
        fork_id = self._user_ids.setdefault(
            f"fork:{record.full_name}/{ghsa_id}".lower(), 7_000_001 + len(self._user_ids)
        )
        api = f"https://api.github.com/repos/{owner}/{fork_name}"
        found: dict[str, Any] = {
            "id": fork_id,
            "node_id": f"R_kgDO{fork_id}",
            "name": fork_name,
            "full_name": f"{owner}/{fork_name}",
            "owner": self._user(owner),
            "private": True,
            "html_url": f"https://github.com/{owner}/{fork_name}",
            "description": None,
            "fork": True,
            "url": api,
        }
        for key in _REPO_URL_KEYS:
            found[key] = f"{api}/{key.removesuffix('_url')}"
        return found

    def _find(self, repo: str, ghsa_id: str) -> tuple[_Repository, dict[str, Any]]:
        record = self._repos.get(repo.lower())
        if record is None or ghsa_id not in record.advisories:
            raise KeyError(f"{repo} has no advisory {ghsa_id}")
        return record, record.advisories[ghsa_id]

    def _create(self, record: _Repository, fields: Mapping[str, Any], author: str | None = None) -> dict[str, Any]:
        self._counter += 1
        ghsa_id = ghsa_id_for(self._counter)
        while ghsa_id in self._ghsa_ids:  # a repeat of the hash: take the next number
            self._counter += 1
            ghsa_id = ghsa_id_for(self._counter)
        self._ghsa_ids.add(ghsa_id)
        stamp = iso(self.now)
        advisory: dict[str, Any] = dict.fromkeys(OBJECT_KEYS)
        advisory.update(
            ghsa_id=ghsa_id,
            url=f"{self.url}/repos/{record.full_name}/security-advisories/{ghsa_id}",
            html_url=f"https://github.com/{record.full_name}/security/advisories/{ghsa_id}",
            summary="",
            identifiers=[{"type": "GHSA", "value": ghsa_id}],
            state="triage",
            created_at=stamp,
            updated_at=stamp,
            submission={"accepted": False},
            cvss_severities={"cvss_v3": None, "cvss_v4": None},
            author=self._user(author) if author else None,
        )
        fields = dict(fields)
        if fields.get("state", "triage") != "triage" and "submission" not in fields:
            advisory["submission"] = None  # made by a maintainer, not reported
        record.advisories[ghsa_id] = advisory
        record.seq[ghsa_id] = self._counter
        self._apply_admin(record, advisory, fields, self.now)
        self._changed(record, ghsa_id)
        return advisory

    def _bump(self, advisory: dict[str, Any]) -> datetime:
        """`updated_at` moves on, by at least a second (timestamps have whole seconds) so every change shows."""
        moment = max(self.now.replace(microsecond=0), parse_iso(advisory["updated_at"]) + timedelta(seconds=1))
        advisory["updated_at"] = iso(moment)
        return moment

    def _changed(self, record: _Repository, ghsa_id: str) -> None:
        record.version += 1
        for version in API_VERSIONS:
            record.json.pop((ghsa_id, version), None)
        if len(self._page_cache) > 20_000:
            self._page_cache.clear()
        if len(self._order_cache) > 2_000:
            self._order_cache.clear()

    def _apply_admin(
        self, record: _Repository, advisory: dict[str, Any], changes: Mapping[str, Any], moment: datetime
    ) -> None:
        """Set-up changes (no HTTP validation; ValueError/TypeError on nonsense)."""
        changes = dict(changes)
        for key in ("created_at", "updated_at", "published_at", "closed_at", "withdrawn_at"):
            if key in changes:
                value = changes.pop(key)
                advisory[key] = iso(value) if isinstance(value, datetime) else value
        for key in ("author", "publisher"):
            if key in changes:
                value = changes.pop(key)
                advisory[key] = self._user(value) if isinstance(value, str) else value
        if "submission" in changes:
            advisory["submission"] = changes.pop("submission")
        detailed = changes.pop("credits_detailed", None)
        if "state" in changes:
            state = changes.pop("state")
            if state not in STATES:
                raise ValueError(f"state must be one of {STATES}")
            self._set_state(advisory, state, moment, publisher="fake-maintainer", check=False)
        unknown = set(changes) - PATCH_FIELDS - {"start_private_fork"}
        if unknown:
            raise TypeError(f"not a field of the advisory: {sorted(unknown)}")
        self._apply(record, advisory, changes)
        if detailed is not None:
            advisory["credits_detailed"] = [
                {
                    "user": self._user(item["login"]) if "login" in item else item["user"],
                    "type": item["type"],
                    "state": item.get("state", "pending"),
                }
                for item in detailed
            ]
            advisory["credits"] = [
                {"login": item["user"]["login"], "type": item["type"]} for item in advisory["credits_detailed"]
            ]

    def _apply(self, record: _Repository, advisory: dict[str, Any], changes: Mapping[str, Any]) -> None:
        """Body fields (already validated) onto the object, keeping derived fields consistent. The vector is set
        last, so a severity given with it (set-up only: the API refuses both) yields to the vector's."""
        for key, value in sorted(changes.items(), key=lambda item: item[0] == "cvss_vector_string"):
            if key in ("summary", "description", "severity"):
                advisory[key] = value
                if key == "severity":  # a chosen severity replaces the vectors (unverified)
                    advisory["cvss"] = None
                    advisory["cvss_severities"] = {"cvss_v3": None, "cvss_v4": None}
            elif key == "cve_id":
                advisory["cve_id"] = value
                advisory["identifiers"] = [{"type": "GHSA", "value": advisory["ghsa_id"]}]
                if value:
                    advisory["identifiers"].append({"type": "CVE", "value": value})
            elif key == "vulnerabilities":
                advisory["vulnerabilities"] = None if value is None else [self._vulnerability(v) for v in value]
            elif key == "cwe_ids":
                advisory["cwe_ids"] = None if value is None else list(dict.fromkeys(value))
                advisory["cwes"] = (
                    None if value is None else [{"cwe_id": c, "name": CWE_NAMES.get(c, c)} for c in advisory["cwe_ids"]]
                )
            elif key == "credits":
                self._set_credits(advisory, value)
            elif key == "cvss_vector_string":
                self._set_vector(advisory, value)
            elif key == "collaborating_users":
                advisory[key] = None if value is None else [self._user(login) for login in value]
            elif key == "collaborating_teams":
                advisory[key] = None if value is None else [self._team(record.owner, slug) for slug in value]
            elif key == "start_private_fork":
                if value:
                    advisory["private_fork"] = self._fork(record, advisory["ghsa_id"])

    @staticmethod
    def _vulnerability(item: Mapping[str, Any]) -> dict[str, Any]:
        package = item.get("package")
        return {
            "package": None if package is None else {"ecosystem": package["ecosystem"], "name": package.get("name")},
            "vulnerable_version_range": item.get("vulnerable_version_range"),
            "patched_versions": item.get("patched_versions"),
            "vulnerable_functions": item.get("vulnerable_functions", []),
        }

    def _set_credits(self, advisory: dict[str, Any], given: list[Mapping[str, str]] | None) -> None:
        """`credits` as sent; `credits_detailed` the same pairs, keeping the consent of pairs already there and
        `pending` for new ones."""
        if given is None:
            advisory["credits"] = advisory["credits_detailed"] = None
            return
        before = {
            (item["user"]["login"].lower(), item["type"]): item["state"] for item in advisory["credits_detailed"] or []
        }
        pairs = list(dict.fromkeys((c["login"], c["type"]) for c in given))
        advisory["credits"] = [{"login": login, "type": kind} for login, kind in pairs]
        advisory["credits_detailed"] = [
            {"user": self._user(login), "type": kind, "state": before.get((login.lower(), kind), "pending")}
            for login, kind in pairs
        ]

    @staticmethod
    def _set_vector(advisory: dict[str, Any], vector: str | None) -> None:
        """The vector goes to its version's slot of `cvss_severities` (the other slot is kept); `cvss` mirrors the
        3.x slot; `severity` follows the vector just set. None clears both (unverified details)."""
        if vector is None:
            advisory["cvss"] = None
            advisory["cvss_severities"] = {"cvss_v3": None, "cvss_v4": None}
            return
        slot, score, severity = score_vector(vector)
        severities = dict(advisory["cvss_severities"] or {"cvss_v3": None, "cvss_v4": None})
        severities[slot] = {"vector_string": vector, "score": score}
        advisory["cvss_severities"] = severities
        advisory["cvss"] = dict(severities["cvss_v3"]) if severities["cvss_v3"] else None
        advisory["severity"] = severity

    def _set_state(
        self, advisory: dict[str, Any], state: str, moment: datetime, *, publisher: str, check: bool
    ) -> str | None:
        """Moves the advisory to `state`; with `check`, the reason the move is not allowed (else None)."""
        current = advisory["state"]
        if state == current:
            return None
        allowed = {"triage": {"draft", "closed"}, "draft": {"published", "closed"}, "closed": {"draft"}}
        if check and state not in allowed.get(current, set()):
            return f"an advisory in state {current} cannot be moved to {state}"
        stamp = iso(moment)
        advisory["state"] = state
        if current == "triage" and advisory["submission"] is not None:
            advisory["submission"] = {"accepted": state == "draft"}  # accepting a report makes a draft
        if state == "published":
            advisory["published_at"] = advisory["published_at"] or stamp
            advisory["publisher"] = advisory["publisher"] or self._user(publisher)
            advisory["closed_at"] = None
        elif state == "closed":
            advisory["closed_at"] = stamp
        elif state == "draft":
            advisory["closed_at"] = None
        elif state == "withdrawn":
            advisory["withdrawn_at"] = stamp
        return None

    def _json(self, record: _Repository, ghsa_id: str) -> bytes:
        """The advisory as the request's API version serves it (without the keys that version removed), checked
        against GitHub's description of that version when `check_schema`: AssertionError (a bug of the fake) if not."""
        version = self._api_version
        found = record.json.get((ghsa_id, version))
        if found is None:
            removed = REMOVED_KEYS.get(version, frozenset())
            served = {k: v for k, v in record.advisories[ghsa_id].items() if k not in removed}
            self._check("repository-advisory", served, version)
            found = record.json[ghsa_id, version] = _dumps(served)
        return found

    def _check(self, name: str, document: Any, version: str) -> None:
        if self.check_schema:
            broken = errors_of(name, document, version)
            if broken:
                raise AssertionError(f"the fake serves a {name} that GitHub's {version} description refuses: {broken}")

    # --- Internals: HTTP ------------------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            delay = 0.0
            if self._slow[0] > 0:
                self._slow[0] -= 1
                delay = self._slow[1]
        if delay:
            self._stopping.wait(delay)
        with self._lock:
            self._request_counter += 1
            request_id = f"C0DE:{self._request_counter:04X}:{self._request_counter * 7919:06X}:{int(self.time()):08X}"
            token = self._token_of(headers.get("authorization"))
            try:
                response = self._respond(handler.command, split.path, query, headers, raw, token, request_id)
            except Exception as error:  # a bug in the fake: answer 500 and keep it for the test to see
                self.errors.append(f"{handler.command} {handler.path}: {error!r}")
                response = _Response(500, _dumps({"message": f"fake server error: {error!r}"}))
            self._finish(response, token, headers, request_id)
            body: Any = None
            if handler.command in ("POST", "PATCH", "PUT") and raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            self._log.append(
                LoggedRequest(
                    handler.command,
                    split.path,
                    query,
                    response.status,
                    "if-none-match" in headers,
                    body,
                    headers,
                    token.token if token else None,
                    request_id,
                )
            )
        try:
            handler.send_response(response.status)
            if response.status != 304:
                handler.send_header("Content-Type", response.content_type)
                handler.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                handler.send_header(name, value)
            handler.end_headers()
            if response.status != 304 and handler.command != "HEAD":
                handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up (a timeout): nothing to answer

    def _token_of(self, authorization: str | None) -> _Token | None:
        if not authorization:
            return None
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self._tokens.get(value.strip())

    def _bucket(self, key: str | None) -> _Bucket:
        now = int(self.time())
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset:
            limit = self._rate_limit if key is not None else UNAUTHENTICATED_LIMIT
            bucket = self._buckets[key] = _Bucket(limit, limit, now + 3600)
        if now < self._exhausted_until:
            bucket.remaining = 0
            bucket.reset = self._exhausted_until
        return bucket

    def _finish(self, response: _Response, token: _Token | None, headers: Mapping[str, str], request_id: str) -> None:
        """Counts the request and adds the headers every answer carries."""
        bucket = self._bucket(token.token if token else None)
        if response.counted and response.status != 304:
            bucket.remaining = max(0, bucket.remaining - 1)
        version = headers.get("x-github-api-version") or DEFAULT_API_VERSION
        response.headers[:0] = [
            ("x-ratelimit-limit", str(bucket.limit)),
            ("x-ratelimit-remaining", str(bucket.remaining)),
            ("x-ratelimit-used", str(bucket.limit - bucket.remaining)),
            ("x-ratelimit-reset", str(bucket.reset)),
            ("x-ratelimit-resource", "core"),
            ("x-github-request-id", request_id),
            ("x-github-media-type", "github.v3; format=json"),
            ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ]
        if version in API_VERSIONS:
            response.headers.append(("x-github-api-version-selected", version))

    def _respond(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        raw: bytes,
        token: _Token | None,
        request_id: str,
    ) -> _Response:
        if self._failures[0] > 0:
            self._failures[0] -= 1
            status, body = self._failures[1], self._failures[2]
            if isinstance(body, bytes):
                return _Response(status, body, content_type="text/html; charset=utf-8")
            return _Response(status, _dumps(body))
        if self._secondary[0] > 0:
            self._secondary[0] -= 1
            retry_after, status = self._secondary[1], self._secondary[2]
            refusal = {
                "message": SECONDARY_MESSAGE.format(request_id=request_id),
                "documentation_url": f"{RATE_DOCS}#about-secondary-rate-limits",
                "status": str(status),
            }
            extra = [("retry-after", str(retry_after))] if retry_after is not None else []
            return _Response(status, _dumps(refusal), extra)
        if not headers.get("user-agent"):
            return _Response(403, NO_USER_AGENT.encode(), content_type="text/plain; charset=utf-8")
        version = headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            error = _ApiError(400, UNSUPPORTED_VERSION.format(version=version), "https://docs.github.com/rest")
            return _Response(400, _dumps(error.payload))
        if token is None and (headers.get("authorization") or not self.allow_anonymous):
            message = "Bad credentials" if headers.get("authorization") else "Requires authentication"
            return _Response(401, _dumps(_ApiError(401, message, "https://docs.github.com/rest").payload))
        bucket = self._bucket(token.token if token else None)
        if bucket.remaining <= 0:
            status = self._exhausted_status if int(self.time()) < self._exhausted_until else 403
            who = f"user ID {self._user(token.login)['id']}" if token else "127.0.0.1"
            message = f"API rate limit exceeded for {who}."
            refusal = _ApiError(status, message, f"{RATE_DOCS}#exceeding-the-rate-limit").payload
            return _Response(status, _dumps(refusal), counted=False)
        self._api_version = version or DEFAULT_API_VERSION  # what the routes serve (requests hold the lock)
        try:
            status, payload, extra = self._route(method, path, query, raw, token)
        except _ApiError as error:
            if error.status == 422:
                self._check("validation-error", error.payload, self._api_version)
            return _Response(error.status, _dumps(error.payload))
        response = _Response(status, payload, list(extra))  # a copy: `extra` may be a cached page's
        if status == 200:
            etag = next((v for k, v in extra if k == "etag"), None) or _etag(payload)
            if not any(k == "etag" for k, _ in extra):
                response.headers.append(("etag", etag))
            condition = headers.get("if-none-match")
            if method in ("GET", "HEAD") and condition and _etag_matches(condition, etag):
                return _Response(304, b"", [("etag", etag)])
            if self._malformed > 0:
                self._malformed -= 1
                response.body = payload[: max(1, len(payload) // 2)]
        return response

    # --- Routes ---------------------------------------------------------------------------------------------------

    _ROUTES = (
        ("repo_list", re.compile(r"/repos/([^/]+)/([^/]+)/security-advisories/?")),
        ("reports", re.compile(r"/repos/([^/]+)/([^/]+)/security-advisories/reports/?")),
        ("cve", re.compile(r"/repos/([^/]+)/([^/]+)/security-advisories/([^/]+)/cve/?")),
        ("forks", re.compile(r"/repos/([^/]+)/([^/]+)/security-advisories/([^/]+)/forks/?")),
        ("one", re.compile(r"/repos/([^/]+)/([^/]+)/security-advisories/([^/]+)/?")),
        ("id_list", re.compile(r"/repositories/([0-9]+)/security-advisories/?")),
        ("org_list", re.compile(r"/orgs/([^/]+)/security-advisories/?")),
    )

    def _route(
        self, method: str, path: str, query: dict[str, str], raw: bytes, token: _Token | None
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        for name, pattern in self._ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            groups = match.groups()
            if name in ("repo_list", "id_list") and method in ("GET", "HEAD"):
                if name == "id_list":
                    key = self._repo_ids.get(int(groups[0]))
                    full_name = self._repos[key].full_name if key else "-/-"
                else:
                    full_name = f"{groups[0]}/{groups[1]}"
                record = self._visible(token, full_name, f"{DOCS}#list-repository-security-advisories")
                return self._list(path, query, token, [record], f"{DOCS}#list-repository-security-advisories")
            if name == "org_list" and method in ("GET", "HEAD"):
                return self._org_list(path, query, token, groups[0])
            if name == "repo_list" and method == "POST":
                return self._create_route(f"{groups[0]}/{groups[1]}", raw, token)
            if name == "reports" and method == "POST":
                return self._report_route(f"{groups[0]}/{groups[1]}", raw, token)
            if name == "cve" and method == "POST":
                record, advisory = self._advisory_of(token, f"{groups[0]}/{groups[1]}", groups[2], write=True)
                return 202, b"{}", []
            if name == "forks" and method == "POST":
                record, advisory = self._advisory_of(token, f"{groups[0]}/{groups[1]}", groups[2], write=True)
                if advisory["private_fork"] is None:
                    advisory["private_fork"] = self._fork(record, advisory["ghsa_id"])
                    self._bump(advisory)
                    self._changed(record, advisory["ghsa_id"])
                self._check("simple-repository", advisory["private_fork"], self._api_version)
                return 202, _dumps(advisory["private_fork"]), []
            if name == "one" and method in ("GET", "HEAD"):
                record, advisory = self._advisory_of(token, f"{groups[0]}/{groups[1]}", groups[2], write=False)
                return 200, self._json(record, advisory["ghsa_id"]), []
            if name == "one" and method == "PATCH":
                return self._patch_route(f"{groups[0]}/{groups[1]}", groups[2], raw, token)
        raise _ApiError(404, "Not Found", "https://docs.github.com/rest")

    def _visible(self, token: _Token | None, full_name: str, docs: str, *, write: bool = False) -> _Repository:
        """The repository if `token` may see it (404 otherwise, as GitHub hides private things); 403 when it may
        see but `write` is needed and not granted."""
        record = self._repos.get(full_name.lower())
        if record is None or (record.private and not self._reads(token, record)):
            raise _ApiError(404, "Not Found", docs)
        if write and not (token and record.full_name.lower() in token.write):
            raise _ApiError(403, "Resource not accessible by personal access token", docs)
        return record

    @staticmethod
    def _reads(token: _Token | None, record: _Repository) -> bool:
        return token is not None and record.full_name.lower() in token.read

    def _advisory_of(
        self, token: _Token | None, full_name: str, ghsa_id: str, *, write: bool
    ) -> tuple[_Repository, dict[str, Any]]:
        docs = f"{DOCS}#{'update' if write else 'get'}-a-repository-security-advisory"
        record = self._visible(token, full_name, docs)
        advisory = record.advisories.get(ghsa_id)
        if advisory is None or (advisory["state"] not in PUBLIC_STATES and not self._reads(token, record)):
            raise _ApiError(404, "Not Found", docs)
        if write and not (token and record.full_name.lower() in token.write):
            raise _ApiError(403, "Resource not accessible by personal access token", docs)
        return record, advisory

    # --- Lists ----------------------------------------------------------------------------------------------------

    def _org_list(
        self, path: str, query: dict[str, str], token: _Token | None, org: str
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        docs = f"{DOCS}#list-repository-security-advisories-for-an-organization"
        records = [
            r
            for r in self._repos.values()
            if r.owner.lower() == org.lower() and (not r.private or self._reads(token, r))
        ]
        if not records:
            raise _ApiError(404, "Not Found", docs)
        return self._list(path, query, token, records, docs)

    def _list(
        self, path: str, query: dict[str, str], token: _Token | None, records: list[_Repository], docs: str
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        per_page_text = query.get("per_page", "30")
        if not re.fullmatch(r"[0-9]{1,9}", per_page_text) or not 1 <= int(per_page_text) <= 100:
            raise _ApiError(400, f"per_page must be between 1 and 100, not {per_page_text!r}", docs)
        per_page = int(per_page_text)
        sort = query.get("sort", "created")
        direction = query.get("direction", "desc")
        state = query.get("state")
        if sort not in SORTS:
            raise _ApiError(400, f"sort must be one of {', '.join(SORTS)}", docs)
        if direction not in ("asc", "desc"):
            raise _ApiError(400, "direction must be asc or desc", docs)
        if state is not None and state not in LIST_STATES:
            raise _ApiError(400, f"state must be one of {', '.join(LIST_STATES)}", docs)
        if "after" in query and "before" in query:
            raise _ApiError(400, "only one of after and before may be given", docs)
        after = decode_cursor(query["after"]) if "after" in query else None
        before = decode_cursor(query["before"]) if "before" in query else None
        if ("after" in query and after is None) or ("before" in query and before is None):
            raise _ApiError(400, "The cursor is not valid", docs)

        scope = tuple((r.full_name.lower(), self._reads(token, r)) for r in records)
        versions = tuple(r.version for r in records)
        base = path
        if self.links_by_id and len(records) == 1 and path.startswith("/repos/"):
            base = f"/repositories/{records[0].id}/security-advisories"
        passed = tuple((k, query[k]) for k in ("state", "sort", "direction") if k in query)
        cache_key = (scope, base, passed, per_page, query.get("after"), query.get("before"), self._api_version)
        cached = self._page_cache.get(cache_key)
        if cached is not None and cached[0] == versions:
            return 200, cached[1], cached[2]

        keys, refs = self._ordered(scope, versions, sort, state)
        count = len(keys)
        if direction == "asc":
            if after is not None:
                start = bisect_right(keys, after)
                end = min(count, start + per_page)
            elif before is not None:
                end = bisect_left(keys, before)
                start = max(0, end - per_page)
            else:
                start, end = 0, min(count, per_page)
            indexes = list(range(start, end))
        else:  # position p of the descending list is index count-1-p of the ascending one
            if after is not None:
                start = count - bisect_left(keys, after)
                end = min(count, start + per_page)
            elif before is not None:
                end = count - bisect_right(keys, before)
                start = max(0, end - per_page)
            else:
                start, end = 0, min(count, per_page)
            indexes = [count - 1 - p for p in range(start, end)]
        body = b"[" + b",".join(self._json(self._repos[refs[i][0]], refs[i][1]) for i in indexes) + b"]"
        links = []
        if indexes and start > 0:
            links.append(self._link(base, passed, per_page, "before", keys[indexes[0]], "prev"))
        if indexes and end < count:
            links.append(self._link(base, passed, per_page, "after", keys[indexes[-1]], "next"))
        extra = [("link", ", ".join(links))] if links else []
        extra.append(("etag", _etag(body, ", ".join(links).encode())))
        self._page_cache[cache_key] = (versions, body, extra)
        return 200, body, extra

    def _link(
        self, base: str, passed: tuple[tuple[str, str], ...], per_page: int, name: str, key: tuple[str, int], rel: str
    ) -> str:
        params = [*passed, ("per_page", str(per_page)), (name, encode_cursor(key))]
        return f'<{self.url}{base}?{urlencode(params)}>; rel="{rel}"'

    def _ordered(
        self, scope: tuple[tuple[str, bool], ...], versions: tuple[int, ...], sort: str, state: str | None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
        """The visible advisories in ascending (sort value, creation order), cached until the data changes."""
        cache_key = (scope, sort, state)
        cached = self._order_cache.get(cache_key)
        if cached is not None and cached[0] == versions:
            return cached[1], cached[2]
        sort_field = SORTS[sort]
        entries = []
        for repo_key, full in scope:
            record = self._repos[repo_key]
            for ghsa_id, advisory in record.advisories.items():
                if not full and advisory["state"] not in PUBLIC_STATES:
                    continue
                if state is not None and advisory["state"] != state:
                    continue
                entries.append(((advisory[sort_field] or "", record.seq[ghsa_id]), repo_key, ghsa_id))
        entries.sort()
        keys = [entry[0] for entry in entries]
        refs = [(entry[1], entry[2]) for entry in entries]
        self._order_cache[cache_key] = (versions, keys, refs)
        return keys, refs

    # --- Writes ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _body(raw: bytes, docs: str) -> dict[str, Any]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _ApiError(400, "Problems parsing JSON", docs)
        return body

    def _patch_route(
        self, full_name: str, ghsa_id: str, raw: bytes, token: _Token | None
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        docs = f"{DOCS}#update-a-repository-security-advisory"
        record, advisory = self._advisory_of(token, full_name, ghsa_id, write=True)
        body = self._body(raw, docs)
        errors = self._validate(body, "repository-advisory-update")
        target = body.get("state")
        if not errors and target is not None:
            trial = copy.deepcopy(advisory)
            reason = self._set_state(trial, target, self.now, publisher="-", check=True)
            if reason:
                errors.append(_error("state", "invalid", reason))
        if errors:
            raise _validation_failed(errors, docs)
        moment = self._bump(advisory)
        if target is not None:
            assert token is not None
            self._set_state(advisory, target, moment, publisher=token.login, check=False)
        self._apply(record, advisory, {k: v for k, v in body.items() if k != "state"})
        self._changed(record, advisory["ghsa_id"])
        return 200, self._json(record, advisory["ghsa_id"]), []

    def _create_route(
        self, full_name: str, raw: bytes, token: _Token | None
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        docs = f"{DOCS}#create-a-repository-security-advisory"
        record = self._visible(token, full_name, docs, write=True)
        body = self._body(raw, docs)
        errors = self._validate(body, "repository-advisory-create")
        if errors:
            raise _validation_failed(errors, docs)
        assert token is not None
        advisory = self._create(record, {"state": "draft"}, author=token.login)
        self._apply(record, advisory, body)
        self._changed(record, advisory["ghsa_id"])
        return 201, self._json(record, advisory["ghsa_id"]), []

    def _report_route(
        self, full_name: str, raw: bytes, token: _Token | None
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        docs = f"{DOCS}#privately-report-a-security-vulnerability"
        if token is None:  # only reachable with allow_anonymous
            raise _ApiError(401, "Requires authentication", "https://docs.github.com/rest")
        record = self._visible(token, full_name, docs)
        if not record.private_reporting:  # unverified: GitHub may answer 404 instead
            raise _ApiError(403, "Private vulnerability reporting is not enabled for this repository.", docs)
        body = self._body(raw, docs)
        errors = self._validate(body, "private-vulnerability-report-create")
        if errors:
            raise _validation_failed(errors, docs)
        assert token is not None
        advisory = self._create(record, {}, author=token.login)
        self._apply(record, advisory, body)
        self._changed(record, advisory["ghsa_id"])
        return 201, self._json(record, advisory["ghsa_id"]), []

    def _validate(self, body: Mapping[str, Any], schema: str) -> list[dict[str, Any]]:
        """GitHub's 422 `errors` for a request body: every way it breaks the body's schema in GitHub's description
        (for the request's API version), then the rules the description states in words (wording unverified)."""
        errors = [_error(key, code, message) for key, code, message in body_errors(schema, body, self._api_version)]
        if errors:
            return errors
        # "You must choose between setting this field or `cvss_vector_string`" (both fields' descriptions).
        if body.get("severity") is not None and body.get("cvss_vector_string") is not None:
            errors.append(_error("severity", "invalid", "severity and cvss_vector_string cannot both be set"))
        vector = body.get("cvss_vector_string")
        if vector is not None:  # "The CVSS vector that calculates the severity": one GitHub cannot score is refused
            try:
                score_vector(vector)
            except ValueError as error:
                errors.append(_error("cvss_vector_string", "invalid", f"is not a valid CVSS vector: {error}"))
        return errors


# --- Seeding -------------------------------------------------------------------------------------------------------

_SEED_STATES = ("published", "draft", "triage", "published", "closed", "published")
_SEED_VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    None,
)


def seed(gh: FakeGitHub, repos: Iterable[str] | int, per_repo: int) -> dict[str, list[str]]:
    """`per_repo` advisories in each repository (an int: `pypa/project-0` … `pypa/project-{n-1}`), created a minute
    apart going back from `gh.now`, in a mix of states with vectors, CWEs, credits and a pip package each.
    Returns the ghsa ids of each repository, oldest first."""
    names = [f"pypa/project-{i}" for i in range(repos)] if isinstance(repos, int) else list(repos)
    found: dict[str, list[str]] = {}
    with gh._lock:
        start = gh.now.replace(microsecond=0) - timedelta(minutes=per_repo * len(names))
        step = 0
        for name in names:
            gh.add_repository(name)
            record = gh._repos[name.lower()]
            package = name.split("/", 1)[1]
            ids = found[name] = []
            for index in range(per_repo):
                step += 1
                created = start + timedelta(minutes=step)
                state = _SEED_STATES[index % len(_SEED_STATES)]
                fields: dict[str, Any] = {
                    "summary": f"{package}: advisory {index}",
                    "description": f"Details of advisory {index} of {name}.",
                    "state": state,
                    "created_at": created,
                    "updated_at": created + timedelta(seconds=30 + (index * 37) % 600),
                    "vulnerabilities": [
                        {
                            "package": {"ecosystem": "pip", "name": package},
                            "vulnerable_version_range": f">= 1.0, < 1.{index + 1}",
                            "patched_versions": f"1.{index + 1}",
                            "vulnerable_functions": [],
                        }
                    ],
                    "cwe_ids": ["CWE-22"] if index % 2 else ["CWE-532"],
                    "credits": [{"login": f"finder-{index % 7}", "type": "finder"}],
                }
                vector = _SEED_VECTORS[index % len(_SEED_VECTORS)]
                if vector:
                    fields["cvss_vector_string"] = vector
                else:
                    fields["severity"] = "medium"
                if state == "published":
                    fields["published_at"] = created + timedelta(seconds=60)
                advisory = gh._create(record, fields)
                ids.append(advisory["ghsa_id"])
    return found
