"""Reads a CVE JSON 5 record or CNA container back into an advisory record (its products and versions through
`cve_versions`, as CVE records really write them)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from triage_tui.advisories.cve import TAG_TYPES, credit_type
from triage_tui.advisories.cve_versions import product_name, read_product
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
from triage_tui.domain import ImpactStatus
from triage_tui.store.queries import iso_time

SUMMARY_CHARS = 200


def shortened(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis where it was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return head.rstrip(" ,;:.") + "…"


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _reference_types(tags: list[Any]) -> tuple[ReferenceType, ...]:
    """The reference types a CVE reference's tags say (each once; WEB when none is known)."""
    found = tuple(dict.fromkeys(TAG_TYPES[tag] for tag in tags if isinstance(tag, str) and tag in TAG_TYPES))
    return found or (ReferenceType.WEB,)


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
    first_line = shortened(reason.strip().split("\n", 1)[0], SUMMARY_CHARS)
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


def cve_products(
    container: Mapping[str, Any],
    packages: Mapping[str, Sequence[str]],
    repositories: Mapping[str, str] | None = None,
) -> tuple[tuple[PackageImpact, ...], list[str]]:
    """The affected products of a CNA container as packages (named by the configured package they are, merged per
    package), and a warning for each thing that could not be read (never stored as a version)."""
    found: list[PackageImpact] = []
    warnings: list[str] = []
    for index, product in enumerate(_list(container.get("affected"), "affected")):
        if not isinstance(product, Mapping):
            raise ValueError("an affected product is not an object")
        written = _text(product.get("packageName")) or _text(product.get("product")) or f"product {index + 1}"
        name = product_name(product, packages, repositories)
        reading = read_product(product, repr(written))
        warnings += reading.warnings
        if name is None:
            warnings.append(f"{written!r} names no package; not kept (add the package to the draft)")
            continue
        if not reading.events and not reading.git_ranges:
            continue
        ecosystem = Ecosystem.CONDA if "anaconda" in _text(product.get("collectionURL")) else Ecosystem.PYPI
        events = tuple(reading.events)
        status = status_from_events(events) if events else ImpactStatus.AFFECTED
        found.append(
            PackageImpact(
                project_of(name, ecosystem, packages),
                name,
                status,
                events,  # GIT ranges alone say nothing of releases
                ecosystem,
                versions=tuple(reading.versions),
                other_ranges=tuple(reading.git_ranges),
            )
        )
    return merge_packages(found), warnings


def cve_warnings(
    document: Any, packages: Mapping[str, Sequence[str]], repositories: Mapping[str, str] | None = None
) -> list[str]:
    """What importing `document` (a CVE record or CNA container) could not read, one line each."""
    container = _cna(document)
    if not isinstance(container, Mapping) or "rejectedReasons" in container:
        return []
    try:
        return cve_products(container, packages, repositories)[1]
    except ValueError:
        return []  # from_cve says why the record is refused


def _cna(document: Any) -> Any:
    containers = document.get("containers") if isinstance(document, Mapping) else None
    return containers.get("cna") if isinstance(containers, Mapping) else document


def _provider_time(container: Mapping[str, Any]) -> object:
    """When the CNA last updated its container (`providerMetadata.dateUpdated`), if it says."""
    provider = container.get("providerMetadata")
    return provider.get("dateUpdated") if isinstance(provider, Mapping) else None


def _osv_time(value: object) -> str:
    """A CVE time as OSV writes it (UTC with a Z), keeping a fraction of a second it states."""
    moment = iso_time(value)
    if moment is None:
        return ""
    whole = withdrawal_time(moment)
    return whole if not moment.microsecond else f"{whole[:-1]}.{moment.microsecond:06d}Z"


def from_cve(
    document: Any,
    case_id: str,
    packages: Mapping[str, Sequence[str]],
    repositories: Mapping[str, str] | None = None,
) -> Advisory:
    """The record of a CVE JSON 5 record or CNA container; ValueError saying why if it is not one. Products are
    named by the configured package they are (`repositories`: each project's repository URL, to match `repo`);
    what cannot be read is left out (`cve_warnings` says what)."""
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
    container = _cna(document)
    if metadata.get("state") == "REJECTED" or (isinstance(container, Mapping) and "rejectedReasons" in container):
        return _rejected(container, metadata, case_id, aliases)
    if not isinstance(container, Mapping) or "affected" not in container:
        raise ValueError("not a CVE record: no containers.cna with affected products")
    title = _text(container.get("title"))
    descriptions = [d for d in _list(container.get("descriptions"), "descriptions") if isinstance(d, Mapping)]
    english = next((d for d in descriptions if _text(d.get("lang")).startswith("en")), None)
    description = _text(english.get("value")) if english else ""
    found, _warnings = cve_products(container, packages, repositories)
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
    others = tuple(
        (_text(body.get("type")), _text(content.get("score")))
        for metric in _list(container.get("metrics"), "metrics")
        if isinstance(metric, Mapping) and isinstance(body := metric.get("other"), Mapping)
        if isinstance(content := body.get("content"), Mapping) and _text(content.get("score"))
    )
    references = tuple(
        dict.fromkeys(
            Reference(kind, url)
            for r in _list(container.get("references"), "references")
            if isinstance(r, Mapping) and (url := _text(r.get("url")))
            for kind in _reference_types(_list(r.get("tags"), "tags"))
        )
    )
    roles = {credit_type(role): role for role in CreditRole}
    credited = tuple(
        Credit(_text(c.get("value")), roles.get(_text(c.get("type")), CreditRole.OTHER), consent=Consent.ACCEPTED)
        for c in _list(container.get("credits"), "credits")
        if isinstance(c, Mapping) and _text(c.get("value"))
    )
    return Advisory(
        case_id=case_id,
        summary=title or shortened(description.split("\n", 1)[0], SUMMARY_CHARS),
        details=description if description != title else "",
        aliases=aliases,
        weaknesses=weaknesses,
        cvss_v3=vectors.get("cvssV3_1") or vectors.get("cvssV3_0") or None,
        cvss_v4=vectors.get("cvssV4_0") or None,
        packages=found,
        references=references,
        credits=credited,
        id=aliases[0] if aliases else "",
        published=_osv_time(metadata.get("datePublished") or container.get("datePublic")),
        modified=_osv_time(metadata.get("dateUpdated") or _provider_time(container)),
        other_severity=others,
    )
