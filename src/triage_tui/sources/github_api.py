"""Talks to GitHub's repository security advisories REST API (or a compatible one): conditional list pages followed
by their Link cursors, single advisories, and updates; rate limits honoured, every failure worded for the user."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import pairwise
from typing import Any

import httpx

from triage_tui.config import clear_text_refusal
from triage_tui.sources.base import SourceError
from triage_tui.sources.http_bounds import (
    ACCEPTED_ENCODING,
    MAX_BODY_BYTES,
    MAX_EXCHANGE_S,
    BodyError,
    DeadlinePassed,
    deadline_transport,
    decoded,
    read_body,
    within,
)
from triage_tui.untrusted import neutralise_line
from triage_tui.untrusted_json import UntrustedJsonError, loads

API_VERSION = "2022-11-28"
PER_PAGE = 100
TIMEOUT_S = 20.0
MAX_WAIT_S = 90.0
"""The longest a sync waits for a rate limit to lift; a longer wait is reported instead (the user may sync later)."""
SECONDARY_WAIT_S = 60.0
"""GitHub's advice when a secondary limit comes without retry-after: wait at least a minute, then back off."""
RETRIES = 3
MAX_PAGES = 1000
"""List pages followed for one repository: 100,000 advisories, far more than any repository has; a Link chain that
goes on past it is a broken or hostile server, and the listing stops with an error."""
MAX_LISTING_S = 900.0
"""The longest one repository's listing may take, all pages together; past it the listing stops with an error and
what was taken is kept."""
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class ApiError(SourceError):
    """A request GitHub refused or could not answer; the message names the repository and what to do."""

    def __init__(
        self, message: str, *, status: int | None = None, permanent: bool = True, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        """False for what may work on a later try (timeouts, 5xx, rate limits, no network)."""
        self.rate_limited = rate_limited
        """True when GitHub is limiting us: nothing more may be asked of it until the limit lifts."""


class OfflineError(ApiError):
    """The API cannot be reached at all."""


@dataclass(frozen=True)
class PageState:
    """A list page as last fetched: its URL and ETag, so the next sync can ask "changed since?"."""

    url: str
    etag: str | None = None


@dataclass
class Page:
    """One list page: its advisories (empty if unchanged) and what to ask next time."""

    state: PageState
    not_modified: bool
    advisories: list[Mapping[str, Any]] = field(default_factory=list)
    next_url: str | None = None


def check_repository(repository: str) -> str:
    """`owner/name`, or SourceError: it becomes part of a URL path."""
    if not _REPOSITORY.fullmatch(repository) or ".." in repository:
        raise SourceError(f"{repository!r} is not a repository name like 'pypa/pip'")
    return repository


class GitHubClient:
    """One API endpoint with one token. `sleep` and `clock` are injectable so rate-limit waits can be tested; the
    bounds on one exchange (`exchange_s`), one listing (`max_pages`, `listing_s`) and one body (`max_body`) so that
    tests can use small ones."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = TIMEOUT_S,
        max_wait: float = MAX_WAIT_S,
        secondary_wait: float = SECONDARY_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        exchange_s: float = MAX_EXCHANGE_S,
        max_pages: int = MAX_PAGES,
        listing_s: float = MAX_LISTING_S,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        refusal = clear_text_refusal(api_url)
        if refusal is not None:
            raise SourceError(f"api_url {api_url!r}: {refusal}")
        self.api_url = api_url.rstrip("/")
        self.exchange_s = exchange_s
        self.max_pages = max_pages
        self.listing_s = listing_s
        self.max_body = max_body
        self.max_wait = max_wait
        self.secondary_wait = secondary_wait
        self.sleep = sleep
        self.clock = clock
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport or deadline_transport(),
            headers={
                "Accept": "application/vnd.github+json",
                "Accept-Encoding": ACCEPTED_ENCODING,
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "triage-tui",
                "Authorization": f"Bearer {token}",
            },
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # ---- the endpoints ----------------------------------------------------------------------------------------

    def list_url(self, repository: str) -> str:
        """The first list page of a repository's advisories, newest update first."""
        repository = check_repository(repository)
        return f"{self.api_url}/repos/{repository}/security-advisories?per_page={PER_PAGE}&sort=updated&direction=desc"

    def pages(self, repository: str, known: Sequence[PageState]) -> Iterator[Page]:
        """Every list page of `repository`, each asked conditionally with the ETag it had last time; while pages
        are unchanged the stored URLs are followed, after a changed one its fresh Link is."""
        stored = {page.url: page.etag for page in known}
        # An unchanged page (304) has no body to read its Link from; its next page is the one stored after it,
        # since the same items give the same cursor.
        stored_next = {page.url: following.url for page, following in pairwise(known)}
        # Always from this endpoint's first page: stored URLs only lend their ETags (api_url may have changed).
        url: str | None = self.list_url(repository)
        seen: set[str] = set()
        started = time.monotonic()
        while url is not None:
            self._same_origin(url, repository)
            if url in seen:
                raise ApiError(f"{repository}: the list pages lead back to one already read; stopped there")
            if len(seen) >= self.max_pages:
                raise ApiError(f"{repository}: more than {self.max_pages} list pages; stopped there")
            if time.monotonic() - started > self.listing_s:
                raise ApiError(
                    f"{repository}: listing took over {self.listing_s:.0f} s ({len(seen)} pages); stopped there, "
                    "what was read is kept", permanent=False,
                )  # fmt: skip
            seen.add(url)
            etag = stored.get(url)
            response = self._send("GET", url, repository, etag=etag)
            if response.status_code == 304:
                yield Page(PageState(url, etag), not_modified=True)
                url = stored_next.get(url)
                continue
            body = self._json(response, repository)
            if not isinstance(body, list):
                raise ApiError(f"{repository}: the advisory list is not a JSON list; is api_url right?")
            # httpx parses the Link header (RFC 8288); GitHub omits it when everything fits on one page.
            following = response.links.get("next", {}).get("url")
            yield Page(PageState(url, response.headers.get("etag")), False, body, following)
            url = following

    def _same_origin(self, url: str, repository: str) -> None:
        """Refuse a Link that leads off this API: the token is sent with every request."""
        ours, theirs = httpx.URL(self.api_url), httpx.URL(url)
        if (theirs.scheme, theirs.host, theirs.port) != (ours.scheme, ours.host, ours.port):
            raise ApiError(f"{repository}: the next page is on another host ({theirs.host}); not following it")

    def advisory(self, repository: str, ghsa_id: str) -> Mapping[str, Any]:
        """One advisory, whole."""
        url = f"{self.api_url}/repos/{check_repository(repository)}/security-advisories/{_ghsa(ghsa_id)}"
        body = self._json(self._send("GET", url, repository), repository)
        if not isinstance(body, Mapping):
            raise ApiError(f"{repository}: {ghsa_id} is not a JSON object")
        return body

    def update(self, repository: str, ghsa_id: str, body: Mapping[str, object]) -> Mapping[str, Any]:
        """PATCH an advisory (never its state: publishing is not this client's to do)."""
        if "state" in body:
            raise ValueError("triage-tui never changes an advisory's state through an update")
        url = f"{self.api_url}/repos/{check_repository(repository)}/security-advisories/{_ghsa(ghsa_id)}"
        answer = self._json(self._send("PATCH", url, repository, body=body), repository)
        if not isinstance(answer, Mapping):
            raise ApiError(f"{repository}: the updated {ghsa_id} is not a JSON object")
        return answer

    # ---- one request, with the rules of 4.4 -------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        repository: str,
        *,
        etag: str | None = None,
        body: Mapping[str, object] | None = None,
    ) -> httpx.Response:
        headers = {"If-None-Match": etag} if etag else {}
        failures = 0
        while True:
            try:
                response = self._exchange(method, url, headers, body)
            except BodyError as error:
                raise ApiError(f"{repository}: {error}; not read", permanent=False) from None
            except DeadlinePassed as error:
                raise ApiError(f"{repository}: {error} (the server sends too slowly); try again later",
                               permanent=False) from None  # fmt: skip
            except httpx.TimeoutException:
                failures += 1
                if failures >= RETRIES:
                    raise ApiError(
                        f"{repository}: GitHub did not answer within {self._http.timeout.read:.0f} s, {failures} "
                        "times; try again later",
                        permanent=False,
                    ) from None
                continue
            except httpx.TransportError as error:
                raise OfflineError(
                    f"offline: cannot reach {self.api_url} ({type(error).__name__}); everything synced so far is "
                    "still here",
                    permanent=False,
                ) from None
            wait = self._wait_for(response, repository, failures)
            if wait is None:
                return self._checked(response, repository)
            failures += 1
            self.sleep(wait)

    def _exchange(
        self, method: str, url: str, headers: Mapping[str, str], body: Mapping[str, object] | None
    ) -> httpx.Response:
        """One request and its whole answer, within the exchange deadline and the body cap."""
        with within(self.exchange_s), self._http.stream(method, url, headers=headers, json=body) as response:
            return decoded(response, read_body(response, self.max_body))

    def _wait_for(self, response: httpx.Response, repository: str, failures: int) -> float | None:
        """Seconds to wait before trying again, None to take the response as it is; ApiError if the wait would be
        too long or the tries are used up."""
        status = response.status_code
        headers = response.headers
        limited = status in (403, 429) and (
            "retry-after" in headers
            or headers.get("x-ratelimit-remaining") == "0"
            or "rate limit" in response.text[:500].lower()
        )
        if not limited and status < 500:
            return None
        if failures + 1 >= RETRIES:
            what = "rate limited" if limited else f"answered {status}"
            raise ApiError(f"{repository}: GitHub {what} {failures + 1} times; try again later", status=status,
                           permanent=False, rate_limited=limited)  # fmt: skip
        if not limited:
            return float(2**failures)  # a 5xx: back off 1, 2 s
        if "retry-after" in headers:
            wait = _retry_after(headers["retry-after"], self.clock())
        elif headers.get("x-ratelimit-remaining") == "0":
            wait = max(0.0, _seconds(headers.get("x-ratelimit-reset", "0")) - self.clock()) + 1
        else:
            wait = self.secondary_wait * 2**failures  # a secondary limit without retry-after
        if wait > self.max_wait:
            raise ApiError(
                f"{repository}: GitHub's rate limit holds until about {_moment(self.clock(), wait)}; sync again then",
                status=status,
                permanent=False, rate_limited=True,
            )  # fmt: skip
        return wait

    def _checked(self, response: httpx.Response, repository: str) -> httpx.Response:
        status = response.status_code
        if status < 300 or status == 304:
            return response
        if status < 400:
            raise ApiError(
                f"{repository}: GitHub answered {status} (moved or renamed?); check the repository name in the config",
                status=status,
            )
        message = _message(response)
        if status == 401:
            raise ApiError(
                f"{repository}: GitHub refused the token ({message}); check the source's token_env or token_command",
                status=status,
            )
        if status == 404:
            raise ApiError(
                f"{repository}: not found ({message}): the repository or advisory does not exist, or the token "
                "cannot see it (it needs 'Repository security advisories' read access, or the repo scope)",
                status=status,
            )
        if status == 403:
            raise ApiError(
                f"{repository}: not allowed ({message}): the token may read but not change this repository's "
                "advisories (it needs write access to them)",
                status=status,
            )
        if status == 422:
            raise ApiError(f"{repository}: GitHub refused the change: {_validation(response)}", status=status)
        if status == 410:
            raise ApiError(f"{repository}: API version {API_VERSION} is no longer served ({message})", status=status)
        raise ApiError(f"{repository}: GitHub answered {status} ({message})", status=status)

    def _json(self, response: httpx.Response, repository: str) -> object:
        try:
            return loads(response.content)
        except UntrustedJsonError as error:
            raise ApiError(
                f"{repository}: GitHub's answer is not JSON we can take: {error} (status {response.status_code}); "
                "try again later",
                status=response.status_code,
                permanent=False,
            ) from None


def _ghsa(ghsa_id: str) -> str:
    if not re.fullmatch(r"GHSA(-[0-9a-z]{4}){3}", ghsa_id):
        raise SourceError(f"{ghsa_id!r} is not a GHSA id")
    return ghsa_id


def _retry_after(text: str, now: float) -> float:
    """Seconds from `now` that a retry-after header asks for: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    try:
        return max(0.0, float(text[:40]))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(text[:100]).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return SECONDARY_WAIT_S


def _seconds(text: str) -> float:
    try:
        return max(0.0, float(text[:40]))
    except ValueError:
        return SECONDARY_WAIT_S


def _moment(now: float, wait: float) -> str:
    """When a wait of `wait` seconds from `now` ends, in local time: the time of day, with the date when that is not
    today (a limit of days must not read as a time later today)."""
    try:
        then = datetime.fromtimestamp(now + wait, UTC).astimezone()
    except (OverflowError, ValueError, OSError):
        return "a date too far ahead to show"
    today = datetime.fromtimestamp(now, UTC).astimezone().date()
    return then.strftime("%H:%M:%S" if then.date() == today else "%Y-%m-%d %H:%M:%S %Z")


def _message(response: httpx.Response) -> str:
    try:
        body = loads(response.content)
    except UntrustedJsonError:
        return f"status {response.status_code}"
    message = body.get("message") if isinstance(body, Mapping) else None
    return neutralise_line(str(message)[:200]) if message else f"status {response.status_code}"


def _validation(response: httpx.Response) -> str:
    try:
        body = loads(response.content)
    except UntrustedJsonError:
        return f"status {response.status_code}"
    if not isinstance(body, Mapping):
        return f"status {response.status_code}"
    details = [
        f"{e.get('field', '?')}: {e.get('code') or e.get('message', '?')}"
        for e in body.get("errors") or []
        if isinstance(e, Mapping)
    ]
    said = f"{body.get('message', 'Validation Failed')}" + (f" ({'; '.join(details)})" if details else "")
    return neutralise_line(said[:500])
