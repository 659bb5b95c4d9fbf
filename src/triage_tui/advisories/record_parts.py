"""The parts an advisory record is made of: credits, references, weaknesses, each package's impact and a
withdrawal, with the enumerations they use (OSV's spellings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from triage_tui.advisories.cwe_names import cwe_name
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import RANGE_STATUSES
from triage_tui.store.queries import iso_time


class CreditRole(StrEnum):
    """OSV's credit types; each format's own spelling is mapped from these."""

    FINDER = "FINDER"
    REPORTER = "REPORTER"
    ANALYST = "ANALYST"
    COORDINATOR = "COORDINATOR"
    REMEDIATION_DEVELOPER = "REMEDIATION_DEVELOPER"
    REMEDIATION_REVIEWER = "REMEDIATION_REVIEWER"
    REMEDIATION_VERIFIER = "REMEDIATION_VERIFIER"
    TOOL = "TOOL"
    SPONSOR = "SPONSOR"
    OTHER = "OTHER"


class Consent(StrEnum):
    """Whether a credited person agreed to be named; a declined credit is never exported."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ReferenceType(StrEnum):
    """What a reference points at: OSV's eleven types, in OSV's spelling (each format maps them to its own)."""

    ADVISORY = "ADVISORY"
    ARTICLE = "ARTICLE"
    DETECTION = "DETECTION"
    DISCUSSION = "DISCUSSION"
    REPORT = "REPORT"
    FIX = "FIX"
    INTRODUCED = "INTRODUCED"
    GIT = "GIT"
    PACKAGE = "PACKAGE"
    EVIDENCE = "EVIDENCE"
    WEB = "WEB"


class Ecosystem(StrEnum):
    """Where a package is published."""

    PYPI = "PyPI"
    CONDA = "conda"


@dataclass(frozen=True)
class Credit:
    """One person or organisation credited, in one role."""

    name: str
    role: CreditRole
    contact: tuple[str, ...] = ()
    """URLs: `mailto:`, a home page, a profile."""
    consent: Consent = Consent.PENDING
    github_login: str = ""
    """The GitHub account, if known: GHSA credits name accounts, not people."""


@dataclass(frozen=True)
class Reference:
    """A typed link."""

    type: ReferenceType
    url: str


@dataclass(frozen=True)
class Weakness:
    """A CWE: its id (`CWE-22`) and name (CSAF and CVE records carry the name too)."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class PackageImpact:
    """One package of a project and what the matrix says of it: its status and, when affected, its OSV events."""

    project: str
    name: str
    status: ImpactStatus
    events: tuple[tuple[str, str], ...] = ()
    """(kind, version) pairs: ("introduced", "0"), ("fixed", "24.1"), ..."""
    ecosystem: Ecosystem = Ecosystem.PYPI
    justification: VexJustification | None = None
    """Why the package is not affected (only with `not-affected`)."""
    versions: tuple[str, ...] = ()
    """The affected versions a source listed one by one (OSV's `versions`), kept as listed."""
    other_ranges: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)
    """Ranges the matrix cannot hold (OSV's GIT and SEMVER ranges: commits, not releases), as the source wrote them."""
    purl: str = ""
    """The package URL a source gave (OSV's `package.purl`)."""
    severity: tuple[tuple[str, str], ...] = ()
    """A severity stated for this package alone (OSV's per-package `severity`): (type, score) pairs."""
    ecosystem_specific: Mapping[str, Any] | None = field(default=None, hash=False)
    database_specific: Mapping[str, Any] | None = field(default=None, hash=False)
    """Free-form objects a source attached to the package (OSV), kept as they were."""
    osv_ranges: tuple[Mapping[str, Any], ...] | None = field(default=None, hash=False)
    """The package's ranges exactly as its OSV source wrote them, kept only when the usual layout (`other_ranges`,
    then one ECOSYSTEM range of `events`) would not give them back: several ECOSYSTEM ranges, one placed first or
    with fields of its own, or none where `events` come from `versions`. Written back while the record still says
    what they said."""

    def published_events(self) -> tuple[tuple[str, str], ...]:
        """The events a public advisory may state: a package that is not fixed yet keeps its newest range open,
        since that range's end is where a fix is expected, not a release that fixes it (OSV's `fixed`)."""
        if self.status == ImpactStatus.FIXED or not self.events or self.events[-1][0] != "fixed":
            return self.events
        return self.events[:-1]

    @property
    def is_affected(self) -> bool:
        """Whether the package is (or was) affected, so formats that list affected packages carry it."""
        return self.status in RANGE_STATUSES


WITHDRAWN_REASON = "This advisory has been withdrawn by its publisher and should no longer be used."
"""What a withdrawal says when its source gave no reason (OSV and GitHub record only when)."""


@dataclass(frozen=True)
class Withdrawal:
    """An advisory withdrawn by its publisher: when (RFC 3339, UTC, as OSV writes it) and why, if it was said."""

    at: str
    reason: str = ""

    @property
    def said(self) -> str:
        """The reason, or the standard sentence when none was given."""
        return self.reason.strip() or WITHDRAWN_REASON


def withdrawal_time(moment: datetime) -> str:
    """A withdrawal's time as the record keeps it: RFC 3339 in UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def withdrawal_of(value: object, reason: str = "") -> Withdrawal | None:
    """The withdrawal an imported record states with `value` (an ISO time), None if it states none; ValueError if
    the time cannot be read (a withdrawal is never dropped silently)."""
    if value is None or value == "":
        return None
    moment = iso_time(value)
    if moment is None:
        raise ValueError(f"the withdrawal time {value!r} is not an ISO 8601 time")
    return Withdrawal(withdrawal_time(moment), reason)


def stored_withdrawal(value: object) -> Withdrawal | None:
    """The withdrawal an advisory's JSON `withdrawn` holds (None if it holds none); ValueError if it is malformed."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("withdrawn is not an object")
    withdrawal = withdrawal_of(value.get("at"), str(value.get("reason") or ""))
    if withdrawal is None:
        raise ValueError("withdrawn has no time")
    return withdrawal


def weakness(cwe_id: str) -> Weakness:
    """A CWE by id with its official name from the CWE catalogue (an id it lacks keeps an empty name to fill in)."""
    return Weakness(cwe_id, cwe_name(cwe_id))
