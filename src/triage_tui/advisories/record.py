"""The advisory record: the one draft per case that every format is compiled from, and its first fill from what
triage already knows (the case, its CVSS vectors and its impact matrix row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from triage_tui.services.impact_rules import RANGE_STATUSES, osv_events
from triage_tui.services.matrix_export import cell_of
from triage_tui.store.queries import CaseDetail


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


@dataclass(frozen=True)
class Credit:
    """One person or organisation credited, in one role."""

    name: str
    role: CreditRole
    contact: tuple[str, ...] = ()
    consent: Consent = Consent.PENDING


@dataclass(frozen=True)
class Reference:
    """A typed link."""

    type: ReferenceType
    url: str


@dataclass(frozen=True)
class AffectedPackage:
    """One package of an affected project, and its affected versions as OSV events."""

    project: str
    name: str
    events: tuple[tuple[str, str], ...]
    """(kind, version) pairs: ("introduced", "0"), ("fixed", "24.1"), ..."""
    ecosystem: str = "PyPI"


@dataclass(frozen=True)
class Advisory:
    """The draft advisory of one case."""

    case_id: str
    summary: str
    details: str = ""
    aliases: tuple[str, ...] = ()
    cwe_ids: tuple[str, ...] = ()
    cvss_v3: str | None = None
    cvss_v4: str | None = None
    affected: tuple[AffectedPackage, ...] = ()
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()

    def exported_credits(self) -> tuple[Credit, ...]:
        """The credits any format may carry: never a declined one."""
        return tuple(credit for credit in self.credits if credit.consent != Consent.DECLINED)


def draft_from_case(detail: CaseDetail, packages: Mapping[str, Sequence[str]], coordinator: str) -> Advisory:
    """A first draft of the case's advisory: its title, vectors, the affected projects' packages with their events
    (from the matrix), the reporter as FINDER and `coordinator` as COORDINATOR (consents pending)."""
    summary = detail.summary
    affected: list[AffectedPackage] = []
    for impact in detail.impacts:
        cell = cell_of(impact)
        if cell.status not in RANGE_STATUSES:
            continue
        events = tuple((kind, version) for event in osv_events(cell) for kind, version in event.items())
        for name in packages.get(impact.project, ()) or (impact.project,):
            affected.append(AffectedPackage(impact.project, name, events))
    contact = (f"mailto:{summary.reporter_email}",) if summary.reporter_email else ()
    credited = [Credit(summary.reporter, CreditRole.FINDER, contact)]
    if coordinator:
        credited.append(Credit(coordinator, CreditRole.COORDINATOR, consent=Consent.ACCEPTED))
    return Advisory(
        case_id=summary.id,
        summary=summary.title,
        cvss_v3=summary.cvss_vector,
        cvss_v4=summary.cvss4_vector,
        affected=tuple(affected),
        credits=tuple(credited),
    )
