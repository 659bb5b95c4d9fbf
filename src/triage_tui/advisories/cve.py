"""Compiles an advisory record to CVE JSON 5.1 (the CNA container a CNA submits, and the full record), and reads a
CVE record or container back into a record."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.cwe_names import official_name
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
    Weakness,
    withdrawal_of,
    withdrawal_time,
)
from triage_tui.advisories.validation import CVE_ID
from triage_tui.severity import severity_of

DATA_VERSION = "5.1"
VERSION_TYPE = "python"
"""PEP 440 versions, as the PSF CNA writes them."""
COLLECTIONS = {Ecosystem.PYPI: "https://pypi.org", Ecosystem.CONDA: "https://anaconda.org"}

_REFERENCE_TAGS = {
    ReferenceType.FIX: "patch",
    ReferenceType.ADVISORY: "vendor-advisory",
    ReferenceType.REPORT: "issue-tracking",
    ReferenceType.PACKAGE: "product",
}
_TAG_TYPES = {
    "patch": ReferenceType.FIX,
    "vendor-advisory": ReferenceType.ADVISORY,
    "third-party-advisory": ReferenceType.ADVISORY,
    "issue-tracking": ReferenceType.REPORT,
    "product": ReferenceType.PACKAGE,
}


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


def _versions(events: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """OSV events as CVE version ranges: `introduced` starts one, `fixed` ends it below, `last_affected` at."""
    versions: list[dict[str, str]] = []
    start: str | None = None
    for kind, version in events:
        if kind == "introduced":
            if start is not None:  # two starts in a row: the first range never ends
                versions.append({"version": start, "status": "affected", "lessThan": "*", "versionType": VERSION_TYPE})
            start = version
        elif start is not None:
            bound = "lessThan" if kind == "fixed" else "lessThanOrEqual"
            versions.append({"version": start, "status": "affected", bound: version, "versionType": VERSION_TYPE})
            start = None
    if start is not None:
        versions.append({"version": start, "status": "affected", "lessThan": "*", "versionType": VERSION_TYPE})
    return versions


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
    if advisory.withdrawn is not None:
        container["rejectedReasons"] = [{"lang": "en", "value": advisory.withdrawn.said}]
        return container
    container["title"] = advisory.summary
    container["descriptions"] = [{"lang": "en", "value": advisory.details or advisory.summary}]
    container["affected"] = [
        {
            "vendor": (vendors or {}).get(package.project, package.project),
            "product": package.name,
            "collectionURL": COLLECTIONS[package.ecosystem],
            "packageName": package.name,
            "defaultStatus": "unaffected",
            "versions": _versions(package.events),
        }
        for package in advisory.affected()
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
    container["references"] = [
        {"url": r.url, **({"tags": [_REFERENCE_TAGS[r.type]]} if r.type in _REFERENCE_TAGS else {})}
        for r in advisory.references
    ]
    metrics = [m for vector in (advisory.cvss_v3, advisory.cvss_v4) if vector and (m := _metric(vector))]
    if metrics:
        container["metrics"] = metrics
    named = advisory.exported_credits()
    if named:
        container["credits"] = [{"lang": "en", "value": c.name, "type": credit_type(c.role)} for c in named]
    if date_public is not None:
        container["datePublic"] = date_public.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
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
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {
            "cna": to_cve_cna(advisory, org_id=org_id, short_name=short_name, vendors=vendors, date_public=date_public)
        },
    }


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _events(versions: list[Any], product: str) -> tuple[tuple[str, str], ...]:
    events: list[tuple[str, str]] = []
    for entry in versions:
        if not isinstance(entry, Mapping) or entry.get("status") != "affected":
            continue  # "unaffected" entries only repeat what defaultStatus says
        start = _text(entry.get("version")) or "0"
        if entry.get("lessThanOrEqual"):
            events += [("introduced", start), ("last_affected", _text(entry["lessThanOrEqual"]))]
        elif entry.get("lessThan") and entry["lessThan"] != "*":
            events += [("introduced", start), ("fixed", _text(entry["lessThan"]))]
        elif entry.get("lessThan") == "*":
            events.append(("introduced", start))
        else:  # a single version
            events += [("introduced", start), ("last_affected", start)]
    if not events:
        raise ValueError(f"affected product {product!r} lists no affected versions")
    return tuple(events)


def _reference_type(tags: list[Any]) -> ReferenceType:
    return next((_TAG_TYPES[tag] for tag in tags if tag in _TAG_TYPES), ReferenceType.WEB)


def _weakness(description: Mapping[str, Any]) -> Weakness | None:
    cwe_id = _text(description.get("cweId"))
    if not cwe_id:
        return None
    text = _text(description.get("description"))
    name = re.sub(rf"^{re.escape(cwe_id)}\s*[:\-]?\s*", "", text).strip()
    return Weakness(cwe_id, official_name(cwe_id, name))


def _english(descriptions: list[Any]) -> str:
    """The English text among CVE `descriptions` (the first one if none says English)."""
    found = [d for d in descriptions if isinstance(d, Mapping)]
    english = next((d for d in found if _text(d.get("lang")).startswith("en")), found[0] if found else None)
    return _text(english.get("value")) if english else ""


def _rejected(container: Any, metadata: Mapping[str, Any], case_id: str, aliases: tuple[str, ...]) -> Advisory:
    """The record of a REJECTED CVE record (or rejected CNA container): withdrawn, with the reason CVE gives. A
    rejected record says nothing more (no products, metrics or references)."""
    reasons = _list(container.get("rejectedReasons"), "rejectedReasons") if isinstance(container, Mapping) else []
    reason = _english(reasons)
    stated = next(
        (metadata[key] for key in ("dateRejected", "dateUpdated", "datePublished") if metadata.get(key)), None
    )
    # A rejected container alone carries no time: it is withdrawn as of its import, the moment it was learned.
    withdrawn = withdrawal_of(stated, reason) or withdrawal_of(withdrawal_time(datetime.now(UTC)), reason)
    replaced_by = (
        tuple(cve_id for cve_id in _list(container.get("replacedBy"), "replacedBy") if isinstance(cve_id, str))
        if isinstance(container, Mapping)
        else ()
    )
    first_line = reason.strip().split("\n", 1)[0][:200]
    name = aliases[0] if aliases else "A CVE id"
    summary = f"{name} was rejected" + (f" in favour of {', '.join(replaced_by)}" if replaced_by else "")
    return Advisory(
        case_id=case_id,
        summary=first_line or summary,
        details=reason.strip() or summary,
        aliases=aliases,
        withdrawn=withdrawn,
        id=aliases[0] if aliases else "",
    )


def from_cve(document: Any, case_id: str, packages: Mapping[str, Sequence[str]]) -> Advisory:
    """The record of a CVE JSON 5 record or CNA container; ValueError saying why if it is not one."""
    if not isinstance(document, Mapping):
        raise ValueError("a CVE record is a JSON object")
    aliases: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = {}
    if "containers" in document:
        found_metadata = document.get("cveMetadata")
        metadata = found_metadata if isinstance(found_metadata, Mapping) else {}
        cve_id = _text(metadata.get("cveId"))
        if not CVE_ID.fullmatch(cve_id):
            raise ValueError(f"cveMetadata.cveId {cve_id!r} is not a CVE id")
        aliases = (cve_id,)
        containers = document.get("containers")
        container = containers.get("cna") if isinstance(containers, Mapping) else None
    else:
        container = document
    if metadata.get("state") == "REJECTED" or (isinstance(container, Mapping) and "rejectedReasons" in container):
        return _rejected(container, metadata, case_id, aliases)
    if not isinstance(container, Mapping) or "affected" not in container:
        raise ValueError("not a CVE record: no containers.cna with affected products")
    title = _text(container.get("title"))
    descriptions = [d for d in _list(container.get("descriptions"), "descriptions") if isinstance(d, Mapping)]
    english = next((d for d in descriptions if _text(d.get("lang")).startswith("en")), None)
    description = _text(english.get("value")) if english else ""
    found: list[PackageImpact] = []
    for product in _list(container.get("affected"), "affected"):
        if not isinstance(product, Mapping):
            raise ValueError("an affected product is not an object")
        name = _text(product.get("packageName")) or _text(product.get("product"))
        if not name:
            raise ValueError("an affected product has no packageName or product")
        ecosystem = Ecosystem.CONDA if "anaconda" in _text(product.get("collectionURL")) else Ecosystem.PYPI
        events = _events(_list(product.get("versions"), f"versions of {name!r}"), name)
        found.append(
            PackageImpact(project_of(name, ecosystem, packages), name, status_from_events(events), events, ecosystem)
        )
    weaknesses = tuple(
        w
        for problem in _list(container.get("problemTypes"), "problemTypes")
        if isinstance(problem, Mapping)
        for d in _list(problem.get("descriptions"), "problemTypes descriptions")
        if isinstance(d, Mapping) and (w := _weakness(d))
    )
    vectors = {
        key: _text(body.get("vectorString"))
        for metric in _list(container.get("metrics"), "metrics")
        if isinstance(metric, Mapping)
        for key, body in metric.items()
        if isinstance(body, Mapping)
    }
    references = tuple(
        Reference(_reference_type(_list(r.get("tags"), "tags")), url)
        for r in _list(container.get("references"), "references")
        if isinstance(r, Mapping) and (url := _text(r.get("url")))
    )
    roles = {credit_type(role): role for role in CreditRole}
    credited = tuple(
        Credit(_text(c.get("value")), roles.get(_text(c.get("type")), CreditRole.OTHER), consent=Consent.ACCEPTED)
        for c in _list(container.get("credits"), "credits")
        if isinstance(c, Mapping) and _text(c.get("value"))
    )
    return Advisory(
        case_id=case_id,
        summary=title or description.split("\n", 1)[0][:200],
        details=description if description != title else "",
        aliases=aliases,
        weaknesses=weaknesses,
        cvss_v3=vectors.get("cvssV3_1") or vectors.get("cvssV3_0") or None,
        cvss_v4=vectors.get("cvssV4_0") or None,
        packages=merge_packages(found),
        references=references,
        credits=credited,
        id=aliases[0] if aliases else "",
    )
