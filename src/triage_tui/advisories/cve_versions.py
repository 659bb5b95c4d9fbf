"""Reads the affected products of a CVE JSON 5 record the way CVE records really write them: `version` with
`lessThan` or `lessThanOrEqual`, a `status` and a `versionType` (python, semver, custom, git), a `defaultStatus`,
and the free text many CNAs put in those fields (`< 78.1.1`, `==< 78.1.1`, `fixed in python-pip 21.1`, `n/a`).
Whatever cannot be read as a version is said in a warning, never stored as one; product names (`python-pip`,
`pypa/setuptools`, a repository URL) are resolved to the configured package they name."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.draft import package_of

UNSTATED = frozenset({"", "n/a", "na", "none", "unspecified", "unknown", "*", "-", "all", "all versions", "0.0.0"})
"""What CNAs write for "from the first version" or "not said" (`0.0.0` starts a range as `0` does)."""
_OPERATOR = re.compile(r"^\s*([<>=!~]+)\s*v?([0-9][0-9A-Za-z._+!-]*)\s*$")
_PHRASE = re.compile(
    r"^\s*(?:(?P<below>fixed in|before|prior to|below)|(?P<through>up to|through|up to and including))\s+"
    r"(?:[A-Za-z][\w.-]*\s+)?v?(?P<version>[0-9][0-9A-Za-z._+!-]*)\s*$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?$")
_PREFIXES = ("python-", "python3-", "python2-", "py-", "py3-")
"""How distributions and CNAs often prefix a Python package's name (`python-pip`)."""
PYPI_HOSTS = ("pypi.org", "pypi.python.org")
GIT_TYPES = frozenset({"git"})
_REPO = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%+-]+)*/?")
"""A repository URL a GIT range can name: no spaces, controls or markup."""


@dataclass
class ProductReading:
    """What one affected product says: its ECOSYSTEM events, GIT ranges, and what could not be read."""

    events: list[tuple[str, str]] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    """Single affected versions (CVE's entries with neither `lessThan` nor `lessThanOrEqual`), as OSV lists them."""
    git_ranges: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def normalised(name: str) -> str:
    """A package name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


_LEGACY_RELEASE = re.compile(r"[0-9][0-9A-Za-z.+_-]*")
"""A single release's version as PyPI may still serve it, PEP 440 or not: no spaces, no operators."""


def _version(text: str) -> str | None:
    """`text` as a version if it is one (a leading `v` dropped), else None."""
    candidate = text.strip().removeprefix("v").removeprefix("V")
    try:
        Version(candidate)
    except InvalidVersion:
        return None
    return candidate


def _bound(text: str) -> tuple[str, str] | None:
    """A bound written as text: (`<`, `78.1.1`) from `< 78.1.1`, `==< 78.1.1` or `fixed in pip 78.1.1`; None if
    it is not one. An operator is read by its direction: `<` (with `=` only when it follows the `<`), `>=`, `=`."""
    match = _OPERATOR.match(text)
    if match is not None:
        operator, version = match.groups()
        if "<" in operator:
            return ("<=" if operator.split("<", 1)[1].startswith("=") else "<"), version
        if ">" in operator:
            return (">=" if operator.endswith("=") else ">"), version
        if "!" in operator or "~" in operator:
            return None
        return "=", version
    phrase = _PHRASE.match(text)
    if phrase is not None:
        return ("<" if phrase.group("below") else "<="), phrase.group("version")
    return None


def _constraints(text: str) -> list[tuple[str, str]] | None:
    """`>= 1.0, < 2.0` (or `>= 1.0 < 2.0`) as bounds; None if any part is not one."""
    parts = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=])", text.strip()) if p]
    bounds = [_bound(part) for part in parts]
    return [b for b in bounds if b is not None] if parts and all(bounds) else None


def _range_from_text(text: str) -> tuple[str, str | None, str | None] | None:
    """A version field holding a whole range as text: (start, kind of end, end); None if it is not one."""
    bounds = _constraints(text)
    if not bounds:
        return None
    start, kind, end = "0", None, None
    for operator, version in bounds:
        if operator == ">=":
            start = version
        elif operator in ("<", "<="):
            kind, end = ("fixed" if operator == "<" else "last_affected"), version
        elif operator == "=":
            start, kind, end = version, "last_affected", version
        else:
            return None  # `> 1.0`: OSV has no exclusive start
    return start, kind, end


def _entry(entry: Mapping[str, Any], where: str, reading: ProductReading, repo: str) -> None:
    """One `versions` entry of status `affected` into `reading`."""
    raw_start = str(entry.get("version") or "").strip()
    version_type = str(entry.get("versionType") or "").lower()
    upper_key = "lessThanOrEqual" if entry.get("lessThanOrEqual") else "lessThan" if entry.get("lessThan") else None
    raw_end = str(entry[upper_key]).strip() if upper_key else None
    if entry.get("changes"):
        # A range whose status changes at listed versions: reading only its start and end would say more than it.
        reading.warnings.append(f"{where}: the entry for {raw_start!r} lists changes, which are not read; not kept")
        return
    if version_type in GIT_TYPES:
        if not _REPO.fullmatch(repo):
            reading.warnings.append(f"{where}: git range {raw_start!r} without a repository URL; not kept")
            return
        events: list[dict[str, str]] = [{"introduced": raw_start if raw_start.lower() not in UNSTATED else "0"}]
        if raw_end and raw_end != "*":
            events.append({"fixed" if upper_key == "lessThan" else "last_affected": raw_end})
        reading.git_ranges.append({"type": "GIT", "repo": repo, "events": events})
        return
    if raw_end is None:
        whole = _range_from_text(raw_start)
        if whole is not None:  # `< 78.1.1` written as the version
            first, kind, last = whole
            reading.events += [("introduced", first), *([(kind, last)] if kind and last else [])]
            return
        # A release PyPI serves under a pre-PEP 440 version (`0.7.1.fix1`) is still a version: kept as written.
        single = _version(raw_start) or (raw_start if _LEGACY_RELEASE.fullmatch(raw_start) else None)
        if single is None:
            reading.warnings.append(f"{where}: version {raw_start!r} is not a version; not kept")
            return
        reading.versions.append(single)
        return
    start = "0" if raw_start.lower() in UNSTATED else _version(raw_start)
    if start is None:
        lower = _bound(raw_start)
        start = lower[1] if lower is not None and lower[0] == ">=" else None
    if start is None:
        reading.warnings.append(f"{where}: start {raw_start!r} is not a version; this range is not kept")
        return
    if raw_end == "*":
        reading.events.append(("introduced", start))
        return
    end = _version(raw_end)
    bound = _bound(raw_end) if end is None else None
    if end is None and bound is not None and bound[0] in ("<", "<="):
        end, upper_key = bound[1], "lessThan" if bound[0] == "<" else "lessThanOrEqual"
    if end is None:
        reading.warnings.append(f"{where}: {upper_key} {raw_end!r} is not a version; not kept")
        return
    if Version(end) < Version(start) or (upper_key == "lessThan" and Version(end) == Version(start)):
        # A range that ends before it starts affects nothing: kept, it would read as an open range from `start`.
        reading.warnings.append(f"{where}: {raw_start!r} to {upper_key} {raw_end!r} ends before it starts; not kept")
        return
    reading.events += [("introduced", start), ("fixed" if upper_key == "lessThan" else "last_affected", end)]


def read_product(product: Mapping[str, Any], where: str) -> ProductReading:
    """The versions of one affected product; its `defaultStatus` decides what the entries do not list (an
    `affected` default with `unaffected` ranges says where fixes are)."""
    reading = ProductReading()
    entries = [e for e in product.get("versions") or () if isinstance(e, Mapping)]
    repo = str(product.get("repo") or "")
    for entry in entries:
        status = entry.get("status")
        if status == "affected":
            _entry(entry, where, reading, repo)
        elif status == "unknown":
            reading.warnings.append(f"{where}: status unknown for {entry.get('version')!r}; not kept")
    if not reading.events and reading.versions:
        # Only single versions: each is a range of its own, so the matrix has something to hold.
        reading.events = [event for v in reading.versions for event in (("introduced", v), ("last_affected", v))]
    default = product.get("defaultStatus")
    listed = any(entry.get("status") == "affected" for entry in entries)  # then the default is not all it says
    if not reading.events and not reading.git_ranges and default == "affected" and not listed:
        fixes = sorted(
            (v for e in entries if e.get("status") == "unaffected" and (v := _version(str(e.get("version") or "")))),
            key=Version,
        )
        reading.events = [("introduced", "0"), *([("fixed", fixes[0])] if fixes else [])]
    if not reading.events and not reading.git_ranges and not reading.warnings:
        reading.warnings.append(f"{where}: lists no affected versions")
    return reading


def _configured(name: str, packages: Mapping[str, Sequence[str]]) -> str | None:
    """The configured PyPI package `name` names (compared as PyPI compares names), if any."""
    wanted = normalised(name)
    for names in packages.values():
        for configured in names:
            ecosystem, plain = package_of(configured)
            if str(ecosystem) == "PyPI" and normalised(plain) == wanted:
                return plain
    return None


def _repository_key(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://github.com/{url}")
    return f"{parts.netloc.lower()}/{parts.path.strip('/').removesuffix('.git').lower()}"


def product_name(
    product: Mapping[str, Any],
    packages: Mapping[str, Sequence[str]],
    repositories: Mapping[str, str] | None = None,
) -> str | None:
    """The PyPI package a CVE product names: its `packageName` (on PyPI), a configured project whose repository is
    its `repo`, or its `product` as CNAs write it (`pypa/setuptools`, `python-pip`) matched to a configured
    package, else the name as written if it is one; None for `n/a` and the like."""
    collection = urlsplit(str(product.get("collectionURL") or "")).netloc.lower()
    package = str(product.get("packageName") or "").strip()
    if package and (not collection or collection in PYPI_HOSTS):
        return _configured(package, packages) or package
    repo = str(product.get("repo") or "")
    if repo and repositories:
        for project, repository in repositories.items():
            if repository and _repository_key(repository) == _repository_key(repo):
                named = [package_of(n)[1] for n in packages.get(project, ()) if str(package_of(n)[0]) == "PyPI"]
                if named:
                    return named[0]
    written = str(product.get("product") or package).strip()
    if written.lower() in UNSTATED:
        return None
    tail = written.rsplit("/", 1)[-1].strip()  # `pypa/setuptools`: the vendor, then the package
    candidates = [written, tail, *(tail[len(p) :] for p in _PREFIXES if tail.lower().startswith(p))]
    for candidate in candidates:
        if found := _configured(candidate, packages):
            return found
    return tail if _NAME.fullmatch(tail) else None
