"""Well-formed record data every format carries as written: the record's own id, its times, the ids it relates to,
package names and the repositories of its git ranges (what an outside file may fill with paths, markup or escapes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from triage_tui.advisories.record import Advisory, Ecosystem, PackageImpact
from triage_tui.untrusted import BIDI_CONTROLS, DEL_AND_C1, INVISIBLE_FORMAT

RECORD_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-[A-Za-z0-9][A-Za-z0-9._:-]*")
"""OSV's id form, `DATABASE-ENTRY` (PYSEC-2021-437, GHSA-..., openSUSE-SU-2024:0001-1): letters first, then a
dash-separated entry of letters, digits and `._:-`; never a space, a slash, markup or a control character."""
RFC3339_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z")
"""A time as OSV requires it: RFC 3339 in UTC with a `T` and a `Z`."""
PEP508_NAME = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
"""A PyPI project name (PEP 508)."""
_UNSAFE = re.compile(f"[\x00-\x1f{DEL_AND_C1}{BIDI_CONTROLS}{INVISIBLE_FORMAT}\u2028\u2029]")
"""Control, bidi and invisible characters: never in a one-line value."""


def one_line(text: str) -> bool:
    """Whether `text` is non-blank text on one line without control, bidi or invisible characters."""
    return bool(text.strip()) and _UNSAFE.search(text) is None


def http_url(url: str) -> bool:
    """Whether `url` is an http(s) URL with a host and no control character or space."""
    if not one_line(url) or " " in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host
        return False
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def malformed(advisory: Advisory) -> Iterator[tuple[str, str]]:
    """Each malformed value of the record as (field, message): errors in every format, as each writes it as is."""
    if advisory.id and not RECORD_ID.fullmatch(advisory.id):
        yield "id", f"{_excerpt(advisory.id)} is not a record id like PYSEC-2021-437 or GHSA-xxxx-xxxx-xxxx"
    times = [("published", advisory.published), ("modified", advisory.modified)]
    if advisory.withdrawn is not None:
        times.append(("withdrawn", advisory.withdrawn.at))
    for field, value in times:
        if value and not RFC3339_UTC.fullmatch(value):
            yield field, f"{_excerpt(value)} is not an RFC 3339 time in UTC like 2024-01-01T10:00:00Z"
    for field, ids in (("related", advisory.related), ("upstream", advisory.upstream)):
        for known in ids:
            if not one_line(known) or " " in known:
                yield field, f"{_excerpt(known)}: an id is one line of text without spaces or control characters"
    for package in advisory.packages:
        yield from _package(package)


def _package(package: PackageImpact) -> Iterator[tuple[str, str]]:
    name = package.name
    if not one_line(name):
        yield "packages", f"{_excerpt(name)}: a package name is one line without control characters"
    elif package.ecosystem == Ecosystem.PYPI and not PEP508_NAME.fullmatch(name):
        yield "packages", f"{_excerpt(name)} is not a PyPI project name (letters, digits, '.', '_' and '-')"
    for given in (*package.other_ranges, *(package.osv_ranges or ())):
        repo = given.get("repo")
        if repo is not None and not (isinstance(repo, str) and http_url(repo)):
            where = f"{package.project}/{_excerpt(name)}"
            yield "packages", f"{where}: the range's repo {_excerpt(str(repo))} is not an http(s) URL"


def _excerpt(text: str) -> str:
    """`text` as a short quoted excerpt (its escapes shown, never sent)."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return repr(shown)
