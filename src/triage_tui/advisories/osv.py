"""Compiles an advisory record to OSV (schema 1.7), one document for every affected package of the case, and reads an
OSV record back into a record, keeping every field it has so that writing it again gives the same document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.draft import project_of
from triage_tui.advisories.import_checks import MAX_ID_CHARS, OSV_ID
from triage_tui.advisories.ranges import status_from_events
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
from triage_tui.store.queries import iso_time

SCHEMA_VERSION = "1.7.5"
DRAFT_PREFIX = "x_triage-tui-"
"""OSV's prefix for ids of a local database: a draft has no PYSEC or GHSA id until a database assigns one."""
EVENT_KINDS = ("introduced", "fixed", "last_affected")
"""The events the record's `events` hold (the matrix's). A `limit` bounds where to look rather than saying what is
affected: a range with one is kept as written (`osv_ranges`)."""
CVSS_TYPES = ("CVSS_V3", "CVSS_V4")
"""The severities the record holds in fields of their own; any other (CVSS_V2, Ubuntu, a second vector) is kept
in `other_severity`."""


def osv_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as OSV writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def edited(advisory: Advisory, now: datetime) -> Advisory:
    """The record as changed at `now`: OSV's `modified` is then, and it is written against this exporter's schema
    (no longer the one its source stated)."""
    return replace(advisory, modified=osv_timestamp(now), schema_version=SCHEMA_VERSION)


# ---- writing ---------------------------------------------------------------------------------------------------


def _severity(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"type": kind, "score": score} for kind, score in pairs]


def _plain_ranges(events: Sequence[tuple[str, str]], other: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ranges of a package as this exporter lays them out: the commit (GIT) and SEMVER ranges as their source
    wrote them, then one ECOSYSTEM range of the package's events."""
    ranges: list[dict[str, Any]] = [deepcopy(dict(range_)) for range_ in other]
    if events:
        ranges.append({"type": "ECOSYSTEM", "events": [{kind: version} for kind, version in events]})
    return ranges


def _ranges(package: PackageImpact) -> list[dict[str, Any]]:
    """The package's ranges: as its OSV source wrote them while the record still says what they said (their
    order, several ECOSYSTEM ranges, a range's own fields, only `versions`), else laid out anew."""
    events = package.published_events()
    written = package.osv_ranges
    if written is not None and events == package.events:
        if _read_ranges(written, package.versions) == (package.events, tuple(package.other_ranges)):
            return [deepcopy(dict(range_)) for range_ in written]
    return _plain_ranges(events, package.other_ranges)


def _affected(package: PackageImpact) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "package": {
            "ecosystem": str(package.ecosystem),
            "name": package.name,
            **({"purl": package.purl} if package.purl else {}),
        }
    }
    if package.severity:
        entry["severity"] = _severity(package.severity)
    ranges = _ranges(package)
    if ranges:
        entry["ranges"] = ranges
    if package.versions:
        entry["versions"] = list(package.versions)
    if package.ecosystem_specific is not None:
        entry["ecosystem_specific"] = deepcopy(dict(package.ecosystem_specific))
    if package.database_specific is not None:
        entry["database_specific"] = deepcopy(dict(package.database_specific))
    return entry


def _database_specific(advisory: Advisory) -> dict[str, Any] | None:
    """The record's `database_specific` as its source gave it, with `cwe_ids` saying the record's weaknesses."""
    # Copies: a caller may change the document it gets, never the record.
    database = deepcopy(dict(advisory.database_specific)) if advisory.database_specific is not None else None
    cwe_ids = [w.id for w in advisory.weaknesses]
    given = (database or {}).get("cwe_ids")
    if cwe_ids == ([c for c in given if isinstance(c, str)] if isinstance(given, list) else []):
        return database  # the weaknesses are what the source said (an empty list too, as written)
    if cwe_ids:
        return {**(database or {}), "cwe_ids": cwe_ids}
    if database is not None:
        database.pop("cwe_ids", None)  # the weaknesses were removed from the record
    return database


def to_osv(advisory: Advisory, now: datetime, *, osv_id: str | None = None) -> dict[str, Any]:
    """The OSV document of `advisory` (declined credits left out; conda packages too, OSV has no conda ecosystem).
    `osv_id` is the id to publish it under (by default the record's own id, or a local draft id when it has
    none); it is then not repeated among the aliases, and the record's own id, if another, is one. `modified`
    and `published` are the record's own; only a record never saved nor imported (no `modified`) is stamped
    `now`, as this exporter writes it now."""
    osv_id = osv_id or advisory.id or None
    fresh = not advisory.modified
    schema_version = SCHEMA_VERSION if fresh else advisory.schema_version
    document: dict[str, Any] = {
        **({"schema_version": schema_version} if schema_version else {}),
        "id": osv_id or f"{DRAFT_PREFIX}{advisory.case_id}",
        "modified": osv_timestamp(now) if fresh else advisory.modified,
    }
    if advisory.published:
        document["published"] = advisory.published
    if advisory.summary:
        document["summary"] = advisory.summary
    if advisory.details:
        document["details"] = advisory.details
    aliases = [alias for alias in advisory.ids() if alias != osv_id]  # published under another id: its own too
    for key, values in (("aliases", aliases), ("related", advisory.related), ("upstream", advisory.upstream)):
        if values:
            document[key] = list(values)
    vectors = (advisory.cvss_v3, advisory.cvss_v4)
    severity = [(kind, vector) for kind, vector in zip(CVSS_TYPES, vectors, strict=True) if vector]
    if severity or advisory.other_severity:
        document["severity"] = _severity([*severity, *advisory.other_severity])
    affected = [package for package in advisory.affected() if package.ecosystem == Ecosystem.PYPI]
    if affected:
        document["affected"] = [_affected(package) for package in affected]
    if advisory.references:
        document["references"] = [{"type": str(r.type), "url": r.url} for r in advisory.references]
    named = advisory.exported_credits()
    if named:
        document["credits"] = [
            {"name": c.name, "type": str(c.role), **({"contact": list(c.contact)} if c.contact else {})} for c in named
        ]
    database = _database_specific(advisory)
    if database is not None:
        document["database_specific"] = database
    if advisory.withdrawn is not None:
        document["withdrawn"] = advisory.withdrawn.at
    return document


# ---- reading ---------------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(document: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = document.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key} is not a list of strings")
    return tuple(value)


def _items(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ValueError(f"{key} is not a list of objects")
    return value


def _json(value: Any, where: str) -> Any:
    """A copy of a free-form value as JSON holds it (objects with text keys, lists, text, numbers, booleans,
    null); ValueError for anything else YAML can make (binary, sets, dates, non-text keys), which the store could
    not keep or would change."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{where}: {value} is not a JSON number")
        return value
    if isinstance(value, list):
        return [_json(item, where) for item in value]
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise ValueError(f"{where}: an object key is not text")
        return {key: _json(item, f"{where}.{key}") for key, item in value.items()}
    raise ValueError(f"{where}: a {type(value).__name__} is not JSON")


def _object(document: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} is not an object")
    copied: Mapping[str, Any] = _json(value, key)
    return copied


def _timestamp(document: Mapping[str, Any], key: str) -> str:
    """An OSV time as its source wrote it (kept verbatim, so it is written back the same); ValueError if it is
    not one."""
    value = document.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or iso_time(value) is None:
        raise ValueError(f"{key} {value!r} is not an RFC 3339 time")
    return value


def _pairs(entries: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((_text(entry.get("type")), _text(entry.get("score"))) for entry in entries)


def _read_ranges(
    ranges: Sequence[Mapping[str, Any]], versions: Sequence[str]
) -> tuple[tuple[tuple[str, str], ...], tuple[Mapping[str, Any], ...]]:
    """What a package's ranges say to the record: the events of its ECOSYSTEM ranges (or, with none, each version
    listed affected on its own) and its other ranges as written."""
    events: list[tuple[str, str]] = []
    ecosystem = False
    for range_ in ranges:
        if range_.get("type") != "ECOSYSTEM":
            continue
        ecosystem = True
        for event in _items(range_, "events"):
            for kind, version in event.items():
                if kind in EVENT_KINDS and not isinstance(version, str):
                    # YAML reads an unquoted 1.10 as the number 1.1: guessing the text back would change it.
                    raise ValueError(f"the {kind} version {version!r} is not text")
                if kind in EVENT_KINDS:
                    events.append((kind, version))
    if not ecosystem:
        events = [pair for version in versions for pair in (("introduced", version), ("last_affected", version))]
    return tuple(events), tuple(range_ for range_ in ranges if range_.get("type") != "ECOSYSTEM")


def _package(entry: Mapping[str, Any], packages: Mapping[str, Sequence[str]]) -> PackageImpact:
    """One affected entry, everything it says kept. An entry with no range and no version (a withdrawn record has
    them) is kept too: it names the package."""
    package = entry.get("package")
    if not isinstance(package, Mapping) or not _text(package.get("name")):
        raise ValueError("an affected entry has no package name")
    if package.get("ecosystem") != "PyPI":
        raise ValueError(f"package {package.get('name')!r} is in {package.get('ecosystem')!r}, not PyPI")
    name = _text(package["name"])
    ranges: list[Mapping[str, Any]] = _json(_items(entry, "ranges"), f"{name} ranges")
    versions = _texts(entry, "versions")
    events, other = _read_ranges(ranges, versions)
    plain = _plain_ranges(events, other) == ranges
    return PackageImpact(
        project=project_of(name, Ecosystem.PYPI, packages),
        name=name,
        status=status_from_events(events),
        events=events,
        versions=versions,
        other_ranges=other,
        purl=_text(package.get("purl")),
        severity=_pairs(_items(entry, "severity")),
        ecosystem_specific=_object(entry, "ecosystem_specific"),
        database_specific=_object(entry, "database_specific"),
        osv_ranges=None if plain else tuple(ranges),
    )


def _severities(document: Mapping[str, Any]) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    """The first CVSS 3 and 4 vectors, and every other severity in its order."""
    own: dict[str, str] = {}
    other: list[tuple[str, str]] = []
    for kind, score in _pairs(_items(document, "severity")):
        if kind in CVSS_TYPES and kind not in own and score:
            own[kind] = score
        else:
            other.append((kind, score))
    return own.get("CVSS_V3"), own.get("CVSS_V4"), tuple(other)


def from_osv(document: Any, case_id: str, packages: Mapping[str, Sequence[str]]) -> Advisory:
    """The record of an OSV document (parsed JSON or YAML), every field it has kept; ValueError saying why if it
    is not one. Its id is the record's id (a local draft id names no database, so it is not kept), so compiling it
    back gives the same id. Several entries for one package stay several, as the document lists them."""
    if not isinstance(document, Mapping) or not _text(document.get("id")):
        raise ValueError("not an OSV record: no id")
    osv_id = _text(document["id"])
    if len(osv_id) > MAX_ID_CHARS or not OSV_ID.fullmatch(osv_id):
        raise ValueError(f"its id {osv_id[:80]!r} is not an OSV id (letters, digits and . _ : - only)")
    cvss_v3, cvss_v4, other_severity = _severities(document)
    database = _object(document, "database_specific")
    cwe_ids = database.get("cwe_ids") if database is not None else None
    aliases = [a for a in _texts(document, "aliases") if a != osv_id and not a.startswith(DRAFT_PREFIX)]
    return Advisory(
        case_id=case_id,
        summary=_text(document.get("summary")),
        details=_text(document.get("details")),
        aliases=tuple(dict.fromkeys(aliases)),
        weaknesses=tuple(weakness(c) for c in cwe_ids if isinstance(c, str)) if isinstance(cwe_ids, list) else (),
        cvss_v3=cvss_v3,
        cvss_v4=cvss_v4,
        packages=tuple(_package(entry, packages) for entry in _items(document, "affected")),
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
        published=_timestamp(document, "published"),
        modified=_timestamp(document, "modified"),
        related=_texts(document, "related"),
        upstream=_texts(document, "upstream"),
        other_severity=other_severity,
        database_specific=database,
        schema_version=_text(document.get("schema_version")),
    )
