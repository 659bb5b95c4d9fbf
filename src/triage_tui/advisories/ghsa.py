"""Compiles an advisory record to GitHub's repository-advisory REST body (`ghsa_reader` reads GitHub's back)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from triage_tui.advisories.record import Advisory, CreditRole, Ecosystem, PackageImpact
from triage_tui.domain import ImpactStatus

GITHUB_ECOSYSTEM = "pip"
"""GitHub's name for PyPI; it has no conda ecosystem, so conda packages are never sent."""
CREDIT_TYPES: dict[CreditRole, str] = {role: role.value.lower() for role in CreditRole}
"""GitHub spells OSV's credit types in lower case; the ten are the same."""
# A version in GitHub's range grammar starts with a digit and holds no spaces or commas; the character class is
# ASCII on purpose so look-alike digits and letters are refused.
VERSION = re.compile(r"[0-9][0-9A-Za-z._+!-]*")


@dataclass(frozen=True)
class Span:
    """One span of affected versions: what one GitHub vulnerability entry can hold."""

    introduced: str
    fixed: str | None = None
    last_affected: str | None = None

    def github_range(self) -> str:
        """The span in GitHub's syntax (`>= 1.0, < 1.1`); `0` as the start means every version before the end."""
        if self.last_affected is not None and self.last_affected == self.introduced:
            return f"= {self.introduced}"
        lower = "" if self.introduced == "0" else f">= {self.introduced}"
        upper = f"< {self.fixed}" if self.fixed else f"<= {self.last_affected}" if self.last_affected else ""
        # GitHub's range string cannot be empty; `>= 0` is how its own database writes "every version".
        return ", ".join(part for part in (lower, upper) if part) or ">= 0"

    def events(self) -> tuple[tuple[str, str], ...]:
        """The span as OSV events."""
        if self.fixed is not None:
            return (("introduced", self.introduced), ("fixed", self.fixed))
        if self.last_affected is not None:
            return (("introduced", self.introduced), ("last_affected", self.last_affected))
        return (("introduced", self.introduced),)


def to_ghsa(advisory: Advisory) -> dict[str, Any]:
    """The body that creates (POST) or updates (PATCH) the repository advisory of `advisory`.

    One vulnerability entry per affected span of each affected PyPI package (GitHub's range holds one interval);
    conda packages and packages that are not affected are left out (GitHub has neither). Only credits that may be
    exported and name a GitHub account are sent. The CVSS 3.x vector is preferred, else the 4.0 one, as
    `cvss_vector_string`; `cve_id` is sent only when known; `severity` never (GitHub refuses both together, and
    ours is computed from the vector). The summary is not shortened to GitHub's 1,024 characters: validation says
    so instead. Raises ValueError for events GitHub cannot express."""
    body: dict[str, Any] = {
        "summary": advisory.summary,
        "description": advisory.details,
        "vulnerabilities": [
            vulnerability
            for package in advisory.affected()
            if package.ecosystem == Ecosystem.PYPI
            for vulnerability in _vulnerabilities(package)
        ],
        "cwe_ids": [w.id for w in advisory.weaknesses],
        "credits": _github_credits(advisory),
    }
    if cve_id := advisory.alias("CVE-"):
        body["cve_id"] = cve_id  # never null: a PATCH with `cve_id: null` would clear the id GitHub assigned
    vector = advisory.cvss_v3 or advisory.cvss_v4
    if vector:
        body["cvss_vector_string"] = vector
    return body


def to_ghsa_file(advisory: Advisory) -> dict[str, Any]:
    """The GHSA export: the body `to_ghsa` sends, plus `withdrawn_at` (as GitHub's advisory object carries it) when
    the advisory was withdrawn. Only GitHub withdraws an advisory, so the body pushed to it never holds that."""
    body = to_ghsa(advisory)
    if advisory.withdrawn is not None:
        body["withdrawn_at"] = advisory.withdrawn.at
    return body


def _vulnerabilities(package: PackageImpact) -> list[dict[str, Any]]:
    """The GitHub vulnerability entries of one affected package: one per span, or one without a range if the record
    does not know which versions are affected."""
    # A `<` bound is where the range ends; it is a patched release only once the package is fixed (an affected or
    # fix-in-progress package's bound may be a release that does not exist yet).
    released = package.status == ImpactStatus.FIXED
    spans: list[tuple[str | None, str | None]] = [
        (interval.github_range(), interval.fixed if released else None)
        for interval in _intervals(package.published_events(), package.name)
    ]
    return [
        {
            "package": {"ecosystem": GITHUB_ECOSYSTEM, "name": package.name},
            "vulnerable_version_range": text,
            "patched_versions": patched,
            "vulnerable_functions": [],
        }
        for text, patched in spans or [(None, None)]
    ]


def _intervals(events: Sequence[tuple[str, str]], name: str) -> list[Span]:
    """OSV events cut into spans; ValueError for what GitHub's syntax has no room for."""
    found: list[Span] = []
    start: str | None = None
    for kind, version in events:
        if not VERSION.fullmatch(version):
            raise ValueError(f"{name}: version {version!r} cannot be written in a GitHub range")
        if kind == "introduced":
            if start is not None:
                found.append(Span(start))  # introduced again without an end: the earlier span stays open
            start = version
        elif kind in ("fixed", "last_affected"):
            if start is None:
                raise ValueError(f"{name}: the event '{kind}: {version}' has no 'introduced' before it")
            fixed = version if kind == "fixed" else None
            found.append(Span(start, fixed=fixed, last_affected=None if fixed else version))
            start = None
        else:
            raise ValueError(f"{name}: GitHub has no form for the OSV event {kind!r}")
    if start is not None:
        found.append(Span(start))
    return found


def _github_credits(advisory: Advisory) -> list[dict[str, str]]:
    """`{login, type}` for each exported credit with a GitHub account, each pair once (GitHub credits accounts)."""
    seen: set[tuple[str, str]] = set()
    found: list[dict[str, str]] = []
    for credit in advisory.credits_to_request():
        pair = (credit.github_login, CREDIT_TYPES[credit.role])
        if credit.github_login and pair not in seen:
            seen.add(pair)
            found.append({"login": pair[0], "type": pair[1]})
    return found
