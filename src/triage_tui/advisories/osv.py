"""Compiles an advisory record to OSV (schema 1.7): one document for every affected package of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.record import Advisory

SCHEMA_VERSION = "1.7.5"
DRAFT_PREFIX = "x_triage-tui-"
"""OSV's prefix for ids of a local database: a draft has no PYSEC or GHSA id until a database assigns one."""


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_osv(advisory: Advisory, modified: datetime, *, osv_id: str | None = None) -> dict[str, Any]:
    """The OSV document of `advisory` (declined credits left out)."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": osv_id or f"{DRAFT_PREFIX}{advisory.case_id}",
        "modified": _timestamp(modified),
        "summary": advisory.summary,
    }
    if advisory.details:
        document["details"] = advisory.details
    if advisory.aliases:
        document["aliases"] = list(advisory.aliases)
    severity = [
        {"type": kind, "score": vector}
        for kind, vector in (("CVSS_V3", advisory.cvss_v3), ("CVSS_V4", advisory.cvss_v4))
        if vector
    ]
    if severity:
        document["severity"] = severity
    if advisory.affected:
        document["affected"] = [
            {
                "package": {"ecosystem": package.ecosystem, "name": package.name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{kind: version} for kind, version in package.events]}],
            }
            for package in advisory.affected
        ]
    if advisory.references:
        document["references"] = [{"type": str(r.type), "url": r.url} for r in advisory.references]
    named = advisory.exported_credits()
    if named:
        document["credits"] = [
            {"name": c.name, "type": str(c.role), **({"contact": list(c.contact)} if c.contact else {})} for c in named
        ]
    if advisory.cwe_ids:
        document["database_specific"] = {"cwe_ids": list(advisory.cwe_ids)}
    return document
