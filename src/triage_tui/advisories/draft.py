"""A case's first advisory draft, filled from what triage already knows (the case, its vectors, its matrix row),
and the configured package names it is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
)
from triage_tui.domain import ImpactStatus
from triage_tui.impact import cell_of, osv_events
from triage_tui.store.queries import CaseDetail, ImpactView

CONDA_PREFIX = "conda:"
"""How the config names a conda package (`conda:conda`); anything else is a PyPI name."""


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
