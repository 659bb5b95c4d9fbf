"""Compiles an advisory record to CVE JSON 5.1 (the CNA container a CNA submits, and the full record); `cve_reader`
reads one back."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.record import (
    Advisory,
    CreditRole,
    Ecosystem,
    PackageImpact,
    ReferenceType,
)
from triage_tui.severity import severity_of
from triage_tui.store.queries import iso_time

DATA_VERSION = "5.1"
VERSION_TYPE = "python"
"""PEP 440 versions, as the PSF CNA writes them."""
COLLECTIONS = {Ecosystem.PYPI: "https://pypi.org", Ecosystem.CONDA: "https://anaconda.org"}

REFERENCE_TAGS: dict[ReferenceType, tuple[str, ...]] = {
    ReferenceType.ADVISORY: ("vendor-advisory",),
    ReferenceType.ARTICLE: ("technical-description",),
    ReferenceType.DETECTION: ("signature",),
    ReferenceType.DISCUSSION: ("mailing-list",),
    ReferenceType.REPORT: ("issue-tracking",),
    ReferenceType.FIX: ("patch",),
    ReferenceType.INTRODUCED: ("x_introduced",),
    ReferenceType.GIT: ("x_repository",),
    ReferenceType.PACKAGE: ("product",),
    ReferenceType.EVIDENCE: ("exploit",),
    ReferenceType.WEB: (),
}
"""CVE's tags for OSV's reference types; CVE has none for an introducing commit or a repository, so those two use
its extension tags (`x_...`), which read back as the same types."""
TAG_TYPES: dict[str, ReferenceType] = {
    **{tag: kind for kind, tags in REFERENCE_TAGS.items() for tag in tags},
    "third-party-advisory": ReferenceType.ADVISORY,
    "vdb-entry": ReferenceType.ADVISORY,
    "release-notes": ReferenceType.FIX,
    "mitigation": ReferenceType.ARTICLE,
    "media-coverage": ReferenceType.ARTICLE,
}
RANGE_VERSION_TYPES = {"GIT": "git", "SEMVER": "semver"}
"""The OSV range types CVE's `versionType` can hold (OSV's ECOSYSTEM ranges of PyPI are `python`)."""


def credit_type(role: CreditRole) -> str:
    """CVE's spelling of a credit role: `remediation developer`."""
    return str(role).lower().replace("_", " ")


def _metric(vector: str) -> dict[str, Any] | None:
    severity = severity_of(vector)
    if severity is None:
        return None  # validation reports the broken vector; the compiler never invents a score
    version = vector.split("/", 1)[0].removeprefix("CVSS:")
    key = {"3.0": "cvssV3_0", "3.1": "cvssV3_1", "4.0": "cvssV4_0"}.get(version)
    if key is None:
        return None
    return {
        key: {
            "version": version,
            "vectorString": severity.vector,
            "baseScore": severity.score,
            "baseSeverity": severity.rating.upper(),
        }
    }


def _versions(events: Sequence[tuple[str, str]], version_type: str = VERSION_TYPE) -> list[dict[str, str]]:
    """OSV events as CVE version ranges: `introduced` starts one, `fixed` ends it below, `last_affected` at."""
    versions: list[dict[str, str]] = []
    start: str | None = None
    for kind, version in events:
        if kind == "introduced":
            if start is not None:  # two starts in a row: the first range never ends
                versions.append({"version": start, "status": "affected", "lessThan": "*", "versionType": version_type})
            start = version
        elif start is not None and kind == "last_affected" and version == start:
            # One version alone: CVE's entry for a single version (what a listed version is too).
            versions.append({"version": start, "status": "affected", "versionType": version_type})
            start = None
        elif start is not None:
            bound = "lessThan" if kind == "fixed" else "lessThanOrEqual"
            versions.append({"version": start, "status": "affected", bound: version, "versionType": version_type})
            start = None
    if start is not None:
        versions.append({"version": start, "status": "affected", "lessThan": "*", "versionType": version_type})
    return versions


def carried_ranges(package: PackageImpact) -> list[Mapping[str, Any]]:
    """The package's other ranges a CVE record can hold: GIT and SEMVER ones (with at most one repository)."""
    found = [r for r in package.other_ranges if r.get("type") in RANGE_VERSION_TYPES]
    repos = {r.get("repo") for r in found if r.get("repo")}
    return [r for r in found if len(repos) <= 1]


def _range_events(range_: Mapping[str, Any]) -> list[tuple[str, str]]:
    events = range_.get("events")
    return [
        (kind, str(version))
        for event in (events if isinstance(events, list) else ())
        if isinstance(event, Mapping)
        for kind, version in event.items()
        if kind in ("introduced", "fixed", "last_affected") and isinstance(version, str)
    ]


def _product(package: PackageImpact, vendor: str) -> dict[str, Any]:
    """One affected product: its PEP 440 ranges (an unreleased fix left open, as every format says it), the
    versions a source listed one by one, and its GIT or SEMVER ranges (`versionType` git or semver)."""
    versions = _versions(package.published_events())
    versions += [{"version": v, "status": "affected", "versionType": VERSION_TYPE} for v in package.versions]
    ranges = carried_ranges(package)
    for range_ in ranges:
        versions += _versions(_range_events(range_), RANGE_VERSION_TYPES[str(range_["type"])])
    product: dict[str, Any] = {
        "vendor": vendor,
        "product": package.name,
        "collectionURL": COLLECTIONS[package.ecosystem],
        "packageName": package.name,
        "defaultStatus": "unaffected" if versions else "unknown",
    }
    repo = next((str(r["repo"]) for r in ranges if r.get("repo")), None)
    if repo:
        product["repo"] = repo
    if versions:
        product["versions"] = list({json.dumps(v, sort_keys=True): v for v in versions}.values())
    return product


def cve_references(advisory: Advisory) -> list[dict[str, Any]]:
    """The references as CVE holds them: each URL once (CVE's schema wants unique items), with the tags of every
    type it was given."""
    merged: dict[str, list[str]] = {}
    for reference in advisory.references:
        tags = merged.setdefault(reference.url, [])
        tags += [tag for tag in REFERENCE_TAGS[reference.type] if tag not in tags]
    return [{"url": url, **({"tags": tags} if tags else {})} for url, tags in merged.items()]


def cve_time(text: str) -> str | None:
    """A record's RFC 3339 time as CVE writes it (UTC; milliseconds, or the record's microseconds when it has them:
    CVE's pattern takes any fraction), or None if it is not one CVE can hold."""
    moment = iso_time(text) if text else None
    if moment is None or not 1900 <= moment.year <= 2999:  # CVE's pattern; OSV records use year 1 for "unknown"
        return None
    fraction = f"{moment.microsecond:06d}" if moment.microsecond % 1000 else f"{moment.microsecond // 1000:03d}"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def to_cve_cna(
    advisory: Advisory,
    *,
    org_id: str | None,
    short_name: str | None = None,
    vendors: Mapping[str, str] | None = None,
    date_public: datetime | None = None,
) -> dict[str, Any]:
    """The CNA container of `advisory` (declined credits left out). `vendors` names each project's vendor (the
    repository owner, say); `org_id` is the CNA's UUID, left out when unknown so validation can say so. A withdrawn
    advisory's container is a rejected one: CVE's schema lets it hold only why (and the provider)."""
    container: dict[str, Any] = {}
    if org_id:
        container["providerMetadata"] = {"orgId": org_id, **({"shortName": short_name} if short_name else {})}
        if updated := cve_time(advisory.modified):
            container["providerMetadata"]["dateUpdated"] = updated
    if advisory.withdrawn is not None:
        container["rejectedReasons"] = [{"lang": "en", "value": advisory.withdrawn.said}]
        return container
    if advisory.summary:
        container["title"] = advisory.summary
    container["descriptions"] = [{"lang": "en", "value": advisory.details or advisory.summary}]
    container["affected"] = [
        _product(package, (vendors or {}).get(package.project, package.project)) for package in advisory.affected()
    ]
    if advisory.weaknesses:
        container["problemTypes"] = [
            {
                "descriptions": [
                    {
                        "lang": "en",
                        "description": f"{w.id}: {w.name}" if w.name else w.id,
                        "cweId": w.id,
                        "type": "CWE",
                    }
                    for w in advisory.weaknesses
                ]
            }
        ]
    container["references"] = cve_references(advisory)
    metrics = [m for vector in (advisory.cvss_v3, advisory.cvss_v4) if vector and (m := _metric(vector))]
    # Other severities (CVSS 2, a distribution's rating) in CVE's own slot for scores it has no object for.
    metrics += [{"other": {"type": kind, "content": {"score": score}}} for kind, score in advisory.other_severity]
    if metrics:
        container["metrics"] = metrics
    named = advisory.exported_credits()
    if named:
        container["credits"] = [{"lang": "en", "value": c.name, "type": credit_type(c.role)} for c in named]
    # Made public when the record was first published; a record never published, when its embargo ends.
    embargo_end = date_public.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") if date_public else None
    public = cve_time(advisory.published) or embargo_end
    if public:
        container["datePublic"] = public
    return container


def to_cve_record(
    advisory: Advisory,
    *,
    org_id: str | None,
    short_name: str | None = None,
    vendors: Mapping[str, str] | None = None,
    date_public: datetime | None = None,
) -> dict[str, Any]:
    """The full CVE record (state PUBLISHED, as the CNA will publish it; REJECTED, with when, for a withdrawn
    advisory); its id is the advisory's CVE alias."""
    metadata: dict[str, Any] = {"cveId": advisory.alias("CVE-") or "", "state": "PUBLISHED"}
    if advisory.withdrawn is not None:
        metadata.update(state="REJECTED", dateRejected=advisory.withdrawn.at)
    if org_id:
        metadata["assignerOrgId"] = org_id
    if short_name:
        metadata["assignerShortName"] = short_name
    for key, text in (("datePublished", advisory.published), ("dateUpdated", advisory.modified)):
        if stamp := cve_time(text):
            metadata[key] = stamp
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {
            "cna": to_cve_cna(advisory, org_id=org_id, short_name=short_name, vendors=vendors, date_public=date_public)
        },
    }
