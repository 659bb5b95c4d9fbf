"""Compiles an advisory record to OSV (schema 1.7), one document for every affected package of the case, and reads an
OSV record back into a record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.draft import project_of
from triage_tui.advisories.ranges import merge_packages, status_from_events
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
    weakness,
    withdrawal_of,
)

SCHEMA_VERSION = "1.7.5"
DRAFT_PREFIX = "x_triage-tui-"
"""OSV's prefix for ids of a local database: a draft has no PYSEC or GHSA id until a database assigns one."""


def osv_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as OSV writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_osv(advisory: Advisory, modified: datetime, *, osv_id: str | None = None) -> dict[str, Any]:
    """The OSV document of `advisory` (declined credits left out; conda packages too, OSV has no conda ecosystem).
    `osv_id` is the id to publish it under (by default the record's own id, or a local draft id when it has
    none); it is then not repeated among the aliases."""
    osv_id = osv_id or advisory.id or None
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
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{kind: version} for kind, version in package.published_events()]}
                ],
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
    if advisory.withdrawn is not None:
        document["withdrawn"] = advisory.withdrawn.at
    return document


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _items(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ValueError(f"{key} is not a list of objects")
    return value


def _events(entry: Mapping[str, Any], name: str) -> tuple[tuple[str, str], ...]:
    events: list[tuple[str, str]] = []
    for range_ in _items(entry, "ranges"):
        if range_.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue  # GIT ranges name commits, not releases
        for event in _items(range_, "events"):
            for kind in ("introduced", "fixed", "last_affected", "limit"):
                if kind in event and kind != "limit":
                    events.append((kind, _text(event[kind])))
    for version in entry.get("versions") or ():
        if not events and isinstance(version, str):  # only explicit versions: each one affected
            events += [("introduced", version), ("last_affected", version)]
    if not events:
        raise ValueError(f"affected package {name!r} has no ECOSYSTEM range or versions")
    return tuple(events)


def from_osv(document: Any, case_id: str, packages: Mapping[str, Sequence[str]]) -> Advisory:
    """The record of an OSV document (parsed JSON or YAML); ValueError saying why if it is not one. Its id is the
    record's id (a local draft id names no database, so it is not kept), so compiling it back gives the same id."""
    if not isinstance(document, Mapping) or not _text(document.get("id")):
        raise ValueError("not an OSV record: no id")
    osv_id = _text(document["id"])
    found: list[PackageImpact] = []
    for entry in _items(document, "affected"):
        package = entry.get("package")
        if not isinstance(package, Mapping) or not _text(package.get("name")):
            raise ValueError("an affected entry has no package name")
        if package.get("ecosystem") != "PyPI":
            raise ValueError(f"package {package.get('name')!r} is in {package.get('ecosystem')!r}, not PyPI")
        name = _text(package["name"])
        events = _events(entry, name)
        project = project_of(name, Ecosystem.PYPI, packages)
        found.append(PackageImpact(project, name, status_from_events(events), events))
    severity = {_text(s.get("type")): _text(s.get("score")) for s in _items(document, "severity")}
    database = document.get("database_specific")
    cwe_ids = database.get("cwe_ids") if isinstance(database, Mapping) else None
    aliases = [a for a in document.get("aliases") or () if isinstance(a, str) and a != osv_id]
    return Advisory(
        case_id=case_id,
        summary=_text(document.get("summary")),
        details=_text(document.get("details")),
        aliases=tuple(dict.fromkeys(a for a in aliases if not a.startswith(DRAFT_PREFIX))),
        weaknesses=tuple(weakness(c) for c in cwe_ids or () if isinstance(c, str)),
        cvss_v3=severity.get("CVSS_V3") or None,
        cvss_v4=severity.get("CVSS_V4") or None,
        packages=merge_packages(found),
        references=tuple(
            Reference(ReferenceType(r["type"]) if r.get("type") in set(ReferenceType) else ReferenceType.WEB, url)
            for r in _items(document, "references")
            if (url := _text(r.get("url")))
        ),
        credits=tuple(
            Credit(
                _text(c.get("name")),
                CreditRole(c["type"]) if c.get("type") in set(CreditRole) else CreditRole.OTHER,
                tuple(x for x in c.get("contact") or () if isinstance(x, str)),
                Consent.ACCEPTED,  # a published record names them already
            )
            for c in _items(document, "credits")
            if _text(c.get("name"))
        ),
        withdrawn=withdrawal_of(document.get("withdrawn")),
        id="" if osv_id.startswith(DRAFT_PREFIX) else osv_id,
    )
