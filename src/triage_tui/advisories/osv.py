"""Compiles an advisory record to OSV (schema 1.7): one document for every affected package of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.record import Advisory, Ecosystem

SCHEMA_VERSION = "1.7.5"
DRAFT_PREFIX = "x_triage-tui-"
"""OSV's prefix for ids of a local database: a draft has no PYSEC or GHSA id until a database assigns one."""


def osv_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as OSV writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_osv(advisory: Advisory, modified: datetime, *, osv_id: str | None = None) -> dict[str, Any]:
    """The OSV document of `advisory` (declined credits left out; conda packages too, OSV has no conda ecosystem).
    `osv_id` is the id a database gave it; it is then not repeated among the aliases."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": osv_id or f"{DRAFT_PREFIX}{advisory.case_id}",
        "modified": osv_timestamp(modified),
        "summary": advisory.summary,
    }
    if advisory.details:
        document["details"] = advisory.details
    aliases = [alias for alias in advisory.aliases if alias != osv_id]
    if aliases:
        document["aliases"] = aliases
    severity = [
        {"type": kind, "score": vector}
        for kind, vector in (("CVSS_V3", advisory.cvss_v3), ("CVSS_V4", advisory.cvss_v4))
        if vector
    ]
    if severity:
        document["severity"] = severity
    affected = [package for package in advisory.affected() if package.ecosystem == Ecosystem.PYPI]
    if affected:
        document["affected"] = [
            {
                "package": {"ecosystem": str(package.ecosystem), "name": package.name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{kind: version} for kind, version in package.events]}],
            }
            for package in affected
        ]
    if advisory.references:
        document["references"] = [{"type": str(r.type), "url": r.url} for r in advisory.references]
    named = advisory.exported_credits()
    if named:
        document["credits"] = [
            {"name": c.name, "type": str(c.role), **({"contact": list(c.contact)} if c.contact else {})} for c in named
        ]
    if advisory.weaknesses:
        document["database_specific"] = {"cwe_ids": [w.id for w in advisory.weaknesses]}
    return document
