"""Compiles an advisory record to the plain-text announcement mail (for security-announce lists and the projects'
own channels), with the embargo line on top while the case is under embargo, and the withdrawal line on top of a
withdrawn advisory."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from triage_tui.advisories.ranges import range_text
from triage_tui.advisories.record import Advisory, PackageImpact
from triage_tui.advisories.titles import title_of
from triage_tui.domain import ImpactStatus
from triage_tui.severity import severity_of
from triage_tui.untrusted import neutralise, neutralise_line

WIDTH = 72


def embargo_line(embargo_until: datetime) -> str:
    """The line every embargoed announcement starts with."""
    moment = embargo_until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"EMBARGOED UNTIL {moment}: do not share, forward or publish before then."


def withdrawn_line(at: str, reason: str) -> str:
    """The line a withdrawn advisory's announcement starts with: withdrawn, when, and why."""
    return f"WITHDRAWN on {at}: {neutralise_line(reason)}"


def _package_line(package: PackageImpact) -> str:
    name = neutralise_line(package.name)
    if not package.is_affected:
        reason = str(package.justification).replace("_", " ") if package.justification else str(package.status)
        return f"  {name}: not affected ({reason})"
    fixes = [version for kind, version in package.events if kind == "fixed"]
    line = f"  {name} {range_text(package.events)}"
    if package.status == ImpactStatus.FIXED and fixes:
        line += f": fixed in {', '.join(fixes)}"
    elif package.status == ImpactStatus.WONT_FIX:
        line += ": will not be fixed"
    elif package.status == ImpactStatus.FIX_IN_PROGRESS:
        line += ": a fix is in progress"
    elif package.status == ImpactStatus.AFFECTED:
        line += ": no fixed release yet"
    return line


def _paragraphs(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in neutralise(text).split("\n\n"):
        lines += textwrap.wrap(paragraph.replace("\n", " "), WIDTH) or [""]
        lines.append("")
    return lines[:-1]


def to_announcement(advisory: Advisory, *, embargo_until: datetime | None = None, now: datetime) -> str:
    """The announcement mail's text: subject line, summary, ids, severity, packages, details, credits, links.
    Text from the report is neutralised: the mail will be read in terminals too."""
    lines: list[str] = []
    if embargo_until is not None and embargo_until > now:
        lines += [embargo_line(embargo_until), ""]
    if advisory.withdrawn is not None:
        lines += [withdrawn_line(advisory.withdrawn.at, advisory.withdrawn.said), ""]
    summary = neutralise_line(title_of(advisory))  # a database's record may have no summary
    withdrawn = "[WITHDRAWN] " if advisory.withdrawn is not None else ""
    lines += [f"Subject: [SECURITY] {withdrawn}{summary}", "", summary, "=" * min(len(summary), WIDTH), ""]
    if advisory.ids():
        lines.append("Identifiers: " + ", ".join(neutralise_line(a) for a in advisory.ids()))
    for vector in (advisory.cvss_v3, advisory.cvss_v4):
        if vector and (severity := severity_of(vector)) is not None:
            lines.append(f"Severity: {severity.rating} {severity.score} ({severity.vector})")
    for weakness in advisory.weaknesses:
        lines.append(f"Weakness: {neutralise_line(weakness.id)} {neutralise_line(weakness.name)}".rstrip())
    affected = [p for p in advisory.packages if p.is_affected]
    unaffected = [p for p in advisory.packages if p.status == ImpactStatus.NOT_AFFECTED]
    if affected:
        lines += ["", "Affected packages:", *(_package_line(p) for p in affected)]
    if unaffected:
        lines += ["", "Checked and not affected:", *(_package_line(p) for p in unaffected)]
    if advisory.details:
        lines += ["", "Details", "-------", *_paragraphs(advisory.details)]
    credited = advisory.exported_credits()
    if credited:
        lines += ["", "Credits", "-------"]
        lines += [f"  {neutralise_line(c.name)} ({str(c.role).lower().replace('_', ' ')})" for c in credited]
    if advisory.references:
        lines += ["", "References", "----------"]
        lines += [f"  {neutralise_line(r.url)}" for r in advisory.references]
    return "\n".join(lines) + "\n"
