"""The advisory record: the one draft per case that every format is compiled from, its JSON form (stored, and
checked again when read), and its first fill from what triage already knows (the case, its vectors, its matrix row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.cwe_names import cwe_name
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import RANGE_STATUSES, cell_of, osv_events
from triage_tui.store.queries import CaseDetail, ImpactView, iso_time

CONDA_PREFIX = "conda:"
"""How the config names a conda package (`conda:conda`); anything else is a PyPI name."""


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


def withdrawal_of(value: Any, reason: str = "") -> Withdrawal | None:
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


def _stored_withdrawal(value: Any) -> Withdrawal | None:
    """The withdrawal an advisory's JSON `withdrawn` holds (None if it holds none); ValueError if it is malformed."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("withdrawn is not an object")
    withdrawal = withdrawal_of(value.get("at"), str(value.get("reason") or ""))
    if withdrawal is None:
        raise ValueError("withdrawn has no time")
    return withdrawal


def package_of(configured: str) -> tuple[Ecosystem, str]:
    """The ecosystem and name of a configured package name (`conda:conda` or a PyPI name)."""
    if configured.startswith(CONDA_PREFIX):
        return Ecosystem.CONDA, configured.removeprefix(CONDA_PREFIX)
    return Ecosystem.PYPI, configured


def package_url(ecosystem: Ecosystem, name: str) -> str:
    """The package's page on its index: the PACKAGE reference a draft starts with."""
    if ecosystem == Ecosystem.CONDA:
        return f"https://anaconda.org/conda-forge/{name}"
    return f"https://pypi.org/project/{name}/"


def weakness(cwe_id: str) -> Weakness:
    """A CWE by id, named from the table of the common ones (an unknown id keeps an empty name to fill in)."""
    return Weakness(cwe_id, cwe_name(cwe_id))


def packages_from_matrix(
    impacts: Sequence[ImpactView], packages: Mapping[str, Sequence[str]]
) -> tuple[PackageImpact, ...]:
    """Every package of each project the matrix row has an answer for, with its status and events."""
    found: list[PackageImpact] = []
    for impact in impacts:
        cell = cell_of(impact)
        if cell.status == ImpactStatus.UNKNOWN:
            continue  # never checked: nothing to say
        events = tuple((kind, version) for event in osv_events(cell) for kind, version in event.items())
        for configured in packages.get(impact.project, ()) or (impact.project,):
            ecosystem, name = package_of(configured)
            found.append(PackageImpact(impact.project, name, cell.status, events, ecosystem, cell.justification))
    return tuple(found)


def _assignee(detail: CaseDetail) -> str | None:
    """The person the case is assigned to (from its newest assignment), not a project team."""
    for event in reversed(detail.events):
        if event.kind == "assign":
            changes = event.payload.get("changes") or {}
            assignee = (changes.get("assignee") or (None, None))[1]
            return str(assignee) if assignee and not str(assignee).startswith("team:") else None
    return None


def draft_from_case(detail: CaseDetail, packages: Mapping[str, Sequence[str]], coordinator: str) -> Advisory:
    """A first draft of the case's advisory: its title, vectors, the projects' packages with their status and
    events (from the matrix), the reporter as FINDER, `coordinator` as COORDINATOR and the assignee as
    REMEDIATION_DEVELOPER (consents pending but the coordinator's own: nobody is named without asking), and each
    affected package's index page as a PACKAGE reference."""
    summary = detail.summary
    # The reporter's address is not a public contact: it stays out of the credit until they give one.
    credited = [Credit(summary.reporter, CreditRole.FINDER)]
    if coordinator:
        credited.append(Credit(coordinator, CreditRole.COORDINATOR, consent=Consent.ACCEPTED))
    assignee = _assignee(detail)
    if assignee and assignee != coordinator:
        credited.append(Credit(assignee, CreditRole.REMEDIATION_DEVELOPER))
    impacts = packages_from_matrix(detail.impacts, packages)
    return Advisory(
        case_id=summary.id,
        summary=summary.title,
        cvss_v3=summary.cvss_vector,
        cvss_v4=summary.cvss4_vector,
        packages=impacts,
        references=tuple(
            Reference(ReferenceType.PACKAGE, package_url(p.ecosystem, p.name)) for p in impacts if p.is_affected
        ),
        credits=tuple(credited),
    )


def project_of(name: str, ecosystem: Ecosystem, packages: Mapping[str, Sequence[str]]) -> str:
    """The configured project a package belongs to (for importers), or the package's own name if none claims it."""
    configured = name if ecosystem == Ecosystem.PYPI else f"{CONDA_PREFIX}{name}"
    for project, names in packages.items():
        if any(candidate.lower() == configured.lower() for candidate in names):
            return project
    return name


def range_text(events: Sequence[tuple[str, str]]) -> str:
    """OSV events as PEP 440 ranges a reader knows: `>=20.0,<24.1; >=25.0`."""
    ranges: list[str] = []
    start: str | None = None
    for kind, version in events:
        if kind == "introduced":
            if start is not None:
                ranges.append(f">={start}" if start != "0" else "all versions")
            start = version
        elif start is not None:
            bound = f"<{version}" if kind == "fixed" else f"<={version}"
            ranges.append(bound if start == "0" else f">={start},{bound}")
            start = None
    if start is not None:
        ranges.append(f">={start}" if start != "0" else "all versions")
    return "; ".join(ranges)


def event_spans(events: Sequence[tuple[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    """The events cut into spans, each starting at an `introduced` one."""
    spans: list[list[tuple[str, str]]] = []
    for event in events:
        if event[0] == "introduced" or not spans:
            spans.append([])
        spans[-1].append(event)
    return [tuple(span) for span in spans]


def merge_packages(packages: Sequence[PackageImpact]) -> tuple[PackageImpact, ...]:
    """One entry per package: an advisory may list a package once per range, the matrix holds one cell for it.
    The spans are put in version order; the package is fixed only if every entry says so."""
    merged: dict[tuple[str, str, Ecosystem], PackageImpact] = {}
    for package in packages:
        key = (package.project, package.name, package.ecosystem)
        earlier = merged.get(key)
        if earlier is None:
            merged[key] = package
            continue
        spans = event_spans(earlier.events) + event_spans(package.events)
        try:
            spans.sort(key=lambda span: Version(span[0][1]))
        except InvalidVersion:
            pass  # not PEP 440: keep the order given; validation says what it cannot read
        both_fixed = earlier.status == package.status == ImpactStatus.FIXED
        status = ImpactStatus.FIXED if both_fixed else ImpactStatus.AFFECTED
        merged[key] = replace(earlier, status=status, events=tuple(e for span in spans for e in span))
    return tuple(merged.values())


def status_from_events(events: Sequence[tuple[str, str]]) -> ImpactStatus:
    """What imported events say: `fixed` when every affected range is closed by a fix, else `affected`."""
    open_range = False
    for kind, _version in events:
        if kind == "introduced":
            open_range = True
        elif kind == "fixed":
            open_range = False
        elif kind == "last_affected":
            return ImpactStatus.AFFECTED  # the last affected version is known, a fix is not
    has_fix = any(kind == "fixed" for kind, _ in events)
    return ImpactStatus.FIXED if has_fix and not open_range else ImpactStatus.AFFECTED
