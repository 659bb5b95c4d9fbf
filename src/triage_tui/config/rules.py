"""Provides the config's security rules, each written once: checked when the file is read and again when connecting."""

from __future__ import annotations

import ipaddress
import uuid
from urllib.parse import urlsplit

FINGERPRINT_PATTERN = r"^ *(?:[0-9A-Fa-f] *){40}\Z"
"""A key fingerprint as the file may write it: 40 hex digits, in either case, spaces anywhere (gpg prints groups)."""

PLAIN_PASSWORD = "plain passwords are not allowed; use password_command or password_env"


def normal_fingerprint(value: str) -> str:
    """A fingerprint as gpg and the store compare it: no spaces, upper case."""
    return value.replace(" ", "").upper()


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts a connection without TLS may go to."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def clear_text_security(security: str, host: str) -> str | None:
    """Why a mail connection with `security` may not go to `host` (no TLS to a host other than loopback); None when
    it may."""
    if security == "none" and not is_loopback(host):
        return f'"none" sends the password in clear; allowed only for a loopback host, not {host!r}'
    return None


def clear_text_refusal(api_url: str) -> str | None:
    """Why the token may not be sent to `api_url` (plain http to a host other than loopback, or not http at all);
    None when it may."""
    try:
        url = urlsplit(api_url)
    except ValueError:
        return "not a URL"
    if url.scheme == "https" and url.hostname:
        return None
    if url.scheme == "http" and url.hostname and is_loopback(url.hostname):
        return None
    if url.scheme == "http":
        return f"plain http sends the token in clear; allowed only for a loopback host, not {url.hostname!r}; use https"
    return "expected an https:// URL"


def cna_uuid(value: str) -> str | None:
    """The canonical form of a CNA's id (a version-4 UUID, as CVE Services issues them); None when it is not one."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return str(parsed) if parsed.version == 4 else None
