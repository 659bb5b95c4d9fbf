"""The JSON form of an advisory record's parts, as the store keeps them, and reading them back (checked again: a
record may come from a file or another workstation). Fields added after the first form are written only when set,
so older records read as they were."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage_tui.advisories.record_parts import Consent, Credit, CreditRole, Ecosystem, PackageImpact
from triage_tui.domain import ImpactStatus, VexJustification


def texts(value: object) -> tuple[str, ...]:
    """A list of strings as kept; ValueError for anything but a list (a string is not a list of its letters)."""
    if not value:
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, not {type(value).__name__}")
    return tuple(str(item) for item in value)


def _pairs(pairs: tuple[tuple[str, str], ...]) -> list[list[str]]:
    return [list(pair) for pair in pairs]


def _read_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """(kind, value) pairs as kept: events, severities; ValueError or TypeError if they are not pairs."""
    return tuple((str(first), str(second)) for first, second in value or ())


def _object(value: object, what: str) -> Mapping[str, Any] | None:
    """A free-form JSON object as kept (None when absent); ValueError when it is something else."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not an object")
    return value


def _objects(value: object, what: str) -> tuple[Mapping[str, Any], ...]:
    """A list of free-form JSON objects as kept; ValueError when it is something else."""
    if not isinstance(value, list | tuple) or not all(isinstance(item, Mapping) for item in value):
        raise ValueError(f"{what} is not a list of objects")
    return tuple(value)


def _set_only(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}


def _objects_set(**objects: Mapping[str, Any] | None) -> dict[str, Any]:
    """The free-form objects a source gave, an empty one too (it said `{}`), leaving out only those it did not."""
    return {key: value for key, value in objects.items() if value is not None}


def package_to_json(package: PackageImpact) -> dict[str, Any]:
    """One package's impact, as stored."""
    return {
        "project": package.project,
        "name": package.name,
        "status": str(package.status),
        "events": _pairs(package.events),
        "ecosystem": str(package.ecosystem),
        "justification": str(package.justification) if package.justification else None,
        **_set_only(
            {
                "versions": list(package.versions),
                "other_ranges": [dict(range_) for range_ in package.other_ranges],
                "purl": package.purl,
                "severity": _pairs(package.severity),
            }
        ),
        **_objects_set(ecosystem_specific=package.ecosystem_specific, database_specific=package.database_specific),
        **({"osv_ranges": [dict(r) for r in package.osv_ranges]} if package.osv_ranges is not None else {}),
    }


def package_from_json(data: Mapping[str, Any]) -> PackageImpact:
    """The package `package_to_json` wrote; KeyError, TypeError or ValueError if it is not one."""
    ranges = _objects(data.get("other_ranges") or (), "other_ranges")
    written = data.get("osv_ranges")
    return PackageImpact(
        project=str(data["project"]),
        name=str(data["name"]),
        status=ImpactStatus(data["status"]),
        events=_read_pairs(data.get("events")),
        ecosystem=Ecosystem(data.get("ecosystem") or Ecosystem.PYPI),
        justification=VexJustification(data["justification"]) if data.get("justification") else None,
        versions=texts(data.get("versions")),
        other_ranges=tuple(ranges),
        purl=str(data.get("purl") or ""),
        severity=_read_pairs(data.get("severity")),
        ecosystem_specific=_object(data.get("ecosystem_specific"), "ecosystem_specific"),
        database_specific=_object(data.get("database_specific"), "database_specific"),
        osv_ranges=None if written is None else _objects(written, "osv_ranges"),
    )


def credit_to_json(credit: Credit) -> dict[str, Any]:
    """One credit, as stored."""
    return {
        "name": credit.name,
        "role": str(credit.role),
        "contact": list(credit.contact),
        "consent": str(credit.consent),
        "github_login": credit.github_login,
    }


def credit_from_json(data: Mapping[str, Any]) -> Credit:
    """The credit `credit_to_json` wrote; KeyError or ValueError if it is not one."""
    return Credit(
        name=str(data["name"]),
        role=CreditRole(data["role"]),
        contact=texts(data.get("contact")),
        consent=Consent(data.get("consent") or Consent.PENDING),
        github_login=str(data.get("github_login") or ""),
    )


def advisory_extras_to_json(
    *,
    id: str,  # noqa: A002  (the record's own field name)
    published: str,
    modified: str,
    related: tuple[str, ...],
    upstream: tuple[str, ...],
    other_severity: tuple[tuple[str, str], ...],
    database_specific: Mapping[str, Any] | None,
    schema_version: str,
) -> dict[str, Any]:
    """The record-level fields added after the first form, those that are set."""
    return _set_only(
        {
            "id": id,
            "published": published,
            "modified": modified,
            "related": list(related),
            "upstream": list(upstream),
            "other_severity": _pairs(other_severity),
            "schema_version": schema_version,
        }
    ) | _objects_set(database_specific=database_specific)


def advisory_extras_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """The record-level fields added after the first form, as keyword arguments of `Advisory`."""
    return {
        "id": str(data.get("id") or ""),
        "published": str(data.get("published") or ""),
        "modified": str(data.get("modified") or ""),
        "related": texts(data.get("related")),
        "upstream": texts(data.get("upstream")),
        "other_severity": _read_pairs(data.get("other_severity")),
        "database_specific": _object(data.get("database_specific"), "database_specific"),
        "schema_version": str(data.get("schema_version") or ""),
    }
