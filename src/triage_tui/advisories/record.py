"""The advisory record: the one draft per case that every format is compiled from, and its JSON form (stored, and
checked again when read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    """What a reference points at (OSV's spelling)."""

    ADVISORY = "ADVISORY"
    FIX = "FIX"
    REPORT = "REPORT"
    WEB = "WEB"
    PACKAGE = "PACKAGE"


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


@dataclass(frozen=True)
class Advisory:
    """The draft advisory of one case."""

    case_id: str
    summary: str
    details: str = ""
    aliases: tuple[str, ...] = ()
    """Ids the flaw has elsewhere: CVE-..., GHSA-..., PYSEC-..."""
    weaknesses: tuple[Weakness, ...] = ()
    cvss_v3: str | None = None
    cvss_v4: str | None = None
    packages: tuple[PackageImpact, ...] = ()
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()
    withdrawn: Withdrawal | None = None
    """Set when the advisory was withdrawn (imported so): every format then says so in its own way."""

    def affected(self) -> tuple[PackageImpact, ...]:
        """The packages that are (or were) affected: what OSV, CVE and GHSA list as vulnerable."""
        return tuple(package for package in self.packages if package.is_affected)

    def exported_credits(self) -> tuple[Credit, ...]:
        """The credits any format may carry: only people who agreed to be named (never a declined one, and not
        one still pending: asking comes before publishing)."""
        return tuple(credit for credit in self.credits if credit.consent == Consent.ACCEPTED)

    def credits_to_request(self) -> tuple[Credit, ...]:
        """The credits GitHub may be sent: accepted and pending ones (GitHub asks each credited account itself and
        names only those who accept), never a declined one."""
        return tuple(credit for credit in self.credits if credit.consent != Consent.DECLINED)

    def alias(self, prefix: str) -> str | None:
        """The first alias starting with `prefix` ("CVE-", "GHSA-"), if any."""
        return next((alias for alias in self.aliases if alias.startswith(prefix)), None)

    def to_json(self) -> dict[str, Any]:
        """Every field, as stored."""
        return {
            "case_id": self.case_id,
            "summary": self.summary,
            "details": self.details,
            "aliases": list(self.aliases),
            "weaknesses": [{"id": w.id, "name": w.name} for w in self.weaknesses],
            "cvss_v3": self.cvss_v3,
            "cvss_v4": self.cvss_v4,
            "packages": [
                {
                    "project": p.project,
                    "name": p.name,
                    "status": str(p.status),
                    "events": [list(event) for event in p.events],
                    "ecosystem": str(p.ecosystem),
                    "justification": str(p.justification) if p.justification else None,
                }
                for p in self.packages
            ],
            "references": [{"type": str(r.type), "url": r.url} for r in self.references],
            "credits": [
                {
                    "name": c.name,
                    "role": str(c.role),
                    "contact": list(c.contact),
                    "consent": str(c.consent),
                    "github_login": c.github_login,
                }
                for c in self.credits
            ],
            "withdrawn": {"at": self.withdrawn.at, "reason": self.withdrawn.reason} if self.withdrawn else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Advisory:
        """The record `to_json` wrote; ValueError if it is not one (the data may come from a file)."""
        try:
            return cls(
                case_id=str(data["case_id"]),
                summary=str(data.get("summary") or ""),
                details=str(data.get("details") or ""),
                aliases=tuple(str(a) for a in data.get("aliases") or ()),
                weaknesses=tuple(
                    Weakness(str(w["id"]), str(w.get("name") or "")) for w in data.get("weaknesses") or ()
                ),
                cvss_v3=data.get("cvss_v3") or None,
                cvss_v4=data.get("cvss_v4") or None,
                packages=tuple(
                    PackageImpact(
                        project=str(p["project"]),
                        name=str(p["name"]),
                        status=ImpactStatus(p["status"]),
                        events=tuple((str(kind), str(version)) for kind, version in p.get("events") or ()),
                        ecosystem=Ecosystem(p.get("ecosystem") or Ecosystem.PYPI),
                        justification=VexJustification(p["justification"]) if p.get("justification") else None,
                    )
                    for p in data.get("packages") or ()
                ),
                references=tuple(
                    Reference(ReferenceType(r["type"]), str(r["url"])) for r in data.get("references") or ()
                ),
                credits=tuple(
                    Credit(
                        name=str(c["name"]),
                        role=CreditRole(c["role"]),
                        contact=tuple(str(x) for x in c.get("contact") or ()),
                        consent=Consent(c.get("consent") or Consent.PENDING),
                        github_login=str(c.get("github_login") or ""),
                    )
                    for c in data.get("credits") or ()
                ),
                withdrawn=_stored_withdrawal(data.get("withdrawn")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not an advisory record: {error}") from error


def _stored_withdrawal(value: object) -> Withdrawal | None:
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
