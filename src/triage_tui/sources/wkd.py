"""Provides a Web Key Directory lookup (draft-koch-openpgp-webkey-service): a mail address's OpenPGP key fetched from
its domain, advanced method first, then direct, bounded in size and time."""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import quote, urlsplit

import httpx

from triage_tui.config.rules import is_loopback
from triage_tui.sources.http_bounds import BodyError, DeadlinePassed, deadline_transport, read_body, within

MAX_KEY_BYTES = 256 * 1024
"""A key with its user ids and self-signatures is a few KB; one with thousands of third-party signatures is what a
flooding attack sends, and is refused."""
WKD_TIMEOUT_S = 15.0
"""The longest one lookup (both methods) may take."""
BASE_URL_ENV = "TRIAGE_TUI_WKD_URL"
"""Replaces both methods' https://host for tests: https://..., or http:// to a loopback host only."""

_ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"
_DOMAIN = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")


class WkdError(Exception):
    """The lookup found no key; the message is one sentence saying why (and `offline` whether nothing answered)."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


def zbase32(data: bytes) -> str:
    """z-base-32 (RFC 6189's alphabet) of `data`, without padding."""
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(_ZBASE32[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def wkd_hash(local_part: str) -> str:
    """The WKD name of a local part: z-base-32 of the SHA-1 of its lower-cased UTF-8."""
    return zbase32(hashlib.sha1(local_part.lower().encode("utf-8"), usedforsecurity=False).digest())


def split_address(address: str) -> tuple[str, str]:
    """The local part and the (lower-cased) domain of a mail address; WkdError when it cannot name a web host."""
    local, at, domain = address.strip().rpartition("@")
    domain = domain.lower()
    if not at or not local or len(local) > 64 or any(ord(c) < 33 for c in local) or not _DOMAIN.fullmatch(domain):
        raise WkdError("that is not a mail address whose domain can be asked for its key")
    return local, domain


def wkd_urls(address: str, base_url: str | None = None) -> list[str]:
    """The advanced and the direct method's URLs for `address` (with `base_url` in place of both hosts)."""
    local, domain = split_address(address)
    path = f"hu/{wkd_hash(local)}?l={quote(local, safe='')}"
    if base_url is not None:
        base = base_url.rstrip("/")
        return [f"{base}/.well-known/openpgpkey/{domain}/{path}", f"{base}/.well-known/openpgpkey/{path}"]
    return [
        f"https://openpgpkey.{domain}/.well-known/openpgpkey/{domain}/{path}",
        f"https://{domain}/.well-known/openpgpkey/{path}",
    ]


def _base_url(base_url: str | None) -> str | None:
    chosen = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or None
    if chosen is None:
        return None
    parts = urlsplit(chosen)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        return chosen
    raise WkdError(f"{BASE_URL_ENV} must be an https URL (plain http only to a loopback host)")


def wkd_lookup(
    address: str,
    *,
    base_url: str | None = None,
    timeout: float = WKD_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """The key material the address's domain publishes for it (the advanced method, else the direct one); WkdError
    when neither has one, with `offline` set when neither host answered at all."""
    urls = wkd_urls(address, _base_url(base_url))
    unreachable: list[str] = []
    said: list[str] = []
    with httpx.Client(transport=transport or deadline_transport(), timeout=timeout, follow_redirects=False) as client:
        for url in urls:
            host = urlsplit(url).netloc
            try:
                with within(timeout), client.stream("GET", url, headers={"Accept": "application/octet-stream"}) as got:
                    if got.status_code != 200:
                        said.append(f"{host} answered {got.status_code}")
                        continue
                    data = read_body(got, MAX_KEY_BYTES)
            except BodyError as error:
                raise WkdError(f"{host}'s key was refused: {error}") from None
            except (httpx.ConnectError, httpx.ConnectTimeout):
                unreachable.append(host)
                continue
            except (httpx.HTTPError, DeadlinePassed) as error:
                said.append(f"{host} failed ({type(error).__name__})")
                continue
            if data:
                return data
            said.append(f"{host} sent an empty key")
    if len(unreachable) == len(urls):
        raise WkdError(
            f"no key directory could be reached ({', '.join(unreachable)}): offline, or the domain publishes none",
            offline=True,
        )
    said += [f"{host} could not be reached" for host in unreachable]
    raise WkdError(f"the domain publishes no key for that address ({'; '.join(said)})")
