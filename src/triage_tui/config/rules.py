"""Provides the config's security rules, each written once: checked when the file is read and again when connecting."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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
