"""Compiles an advisory record to a CSAF 2.0 security advisory (its product tree is `csaf_products`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.csaf_products import ProductTree, affected_intervals, purl, vers
from triage_tui.advisories.csaf_sorting import sorted_keys
from triage_tui.advisories.osv import osv_timestamp
from triage_tui.advisories.record import Advisory, CreditRole, PackageImpact, ReferenceType
from triage_tui.advisories.titles import title_of
from triage_tui.domain import ImpactStatus
from triage_tui.severity import severity_of

CSAF_VERSION = "2.0"
CATEGORY = "csaf_security_advisory"
BASE_CATEGORY = "csaf_base"
"""The profile of a withdrawn advisory (see `_document`)."""
WITHDRAWN_NOTE = "Reasoning for Withdrawal"
ENGINE = "triage-tui"
TRACKING_PREFIX = "triage-tui-"
"""A draft's tracking id is the case's: the publisher assigns its own when it publishes."""
LANG = "en"
INITIAL_VERSIONS = ("0", "1", "0.0.1", "1.0.0")
"""The versions a first revision has (integer or semantic versioning, draft or not)."""
FILE_NAME_OTHERS = re.compile(r"[^+\-a-z0-9]+")
"""What CSAF 2.0's file name rule (section 5.1) turns into "_" in the lower-cased tracking id."""

ALIAS_SYSTEMS = {"GHSA-": "GitHub Security Advisories", "PYSEC-": "PyPA Advisory Database"}
"""`ids` system names of the aliases CSAF has no field for (a CVE has its own, `cve`)."""
REFERENCE_SUMMARIES = {
    ReferenceType.ADVISORY: "Advisory",
    ReferenceType.ARTICLE: "Article",
    ReferenceType.DETECTION: "Detection",
    ReferenceType.DISCUSSION: "Discussion",
    ReferenceType.REPORT: "Report",
    ReferenceType.FIX: "Fix",
    ReferenceType.INTRODUCED: "Change that introduced the flaw",
    ReferenceType.GIT: "Source repository",
    ReferenceType.PACKAGE: "Package",
    ReferenceType.EVIDENCE: "Evidence",
    ReferenceType.WEB: "Web page",
}
"""Each OSV reference type as a CSAF reference's summary (CSAF has no reference types of its own)."""
NO_FIX_REMEDIATIONS = {
    ImpactStatus.AFFECTED: ("none_available", "No fixed release is available yet."),
    ImpactStatus.FIX_IN_PROGRESS: ("none_available", "A fix is in progress; no fixed release is available yet."),
    ImpactStatus.WONT_FIX: ("no_fix_planned", "No fix is planned."),
}
"""What an affected package without a fix says, so every affected product has a remediation (CSAF test 6.2.2)."""


def _safe_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def _label(package: PackageImpact) -> str:
    return package.name if package.name == package.project else f"{package.project} {package.name}"


def _role(role: CreditRole) -> str:
    return str(role).lower().replace("_", " ")


def _note(category: str, text: str, title: str | None = None) -> dict[str, str]:
    return {"category": category, **({"title": title} if title else {}), "text": text}


def _distribution(embargo_until: datetime | None, current_release: datetime) -> dict[str, Any]:
    # CSAF 2.0 only knows TLP 1.0's labels: WHITE, not TLP 2.0's CLEAR.
    if embargo_until is not None and embargo_until > current_release:
        return {
            "text": f"Embargoed until {osv_timestamp(embargo_until)}: share only with the parties fixing it.",
            "tlp": {"label": "AMBER"},
        }
    return {"tlp": {"label": "WHITE"}}


def file_name(tracking_id: str) -> str:
    """The file name CSAF 2.0 gives a document (section 5.1): its tracking id in small letters, any run of other
    characters than a-z, 0-9, + and - as "_", and ".json"."""
    return FILE_NAME_OTHERS.sub("_", tracking_id.lower()) + ".json"


def canonical_url(namespace: str, tracking_id: str, tlp: str, initial_release: datetime) -> str:
    """Where a CSAF provider on the publisher's host serves the document: its well-known folder, by TLP label and
    the initial release's year (CSAF 2.0 section 7.1, requirements 9 and 11), then the file name (section 5.1)."""
    parts = urlsplit(namespace)
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else namespace.rstrip("/")
    return f"{root}/.well-known/csaf/{tlp.lower()}/{initial_release.year}/{file_name(tracking_id)}"


def _revisions(
    initial_release: datetime, current_release: datetime, version: str, summary: str
) -> list[dict[str, str]]:
    """The revision history: the initial revision when it is the current one, else the initial revision (1) and the
    current one, so the initial release date is the oldest revision's (CSAF test 6.2.5). The record keeps no
    revisions in between: a version past 2 leaves a gap that test 6.1.21 reports."""
    if version in INITIAL_VERSIONS:
        return [{"date": osv_timestamp(initial_release), "number": version, "summary": summary}]
    return [
        {"date": osv_timestamp(initial_release), "number": "1", "summary": "Initial version."},
        {"date": osv_timestamp(current_release), "number": version, "summary": summary},
    ]


def _acknowledgments(advisory: Advisory) -> list[dict[str, Any]]:
    acknowledgments: list[dict[str, Any]] = []
    for credit in advisory.exported_credits():
        # Web pages only: a mailto: contact is for reaching the person, not for publishing with the advisory.
        urls = [url for url in credit.contact if url.startswith(("https://", "http://"))]
        profile = f"https://github.com/{credit.github_login}" if credit.github_login else None
        if profile and profile not in urls:
            urls.append(profile)
        # CSAF has no credit roles: the role is the acknowledgment's summary.
        acknowledgments.append(
            {"names": [credit.name], "summary": _role(credit.role), **({"urls": urls} if urls else {})}
        )
    return acknowledgments


def _document(
    advisory: Advisory,
    publisher_name: str,
    publisher_namespace: str,
    initial_release: datetime,
    current_release: datetime,
    status: str,
    version: str,
    embargo_until: datetime | None,
) -> dict[str, Any]:
    withdrawal = advisory.withdrawn
    notes = [
        # CSAF 2.1's withdrawn profile names this note; 2.0 has no profile for it, so the note says it.
        *(
            [_note("description", f"Withdrawn on {withdrawal.at}: {withdrawal.said}", WITHDRAWN_NOTE)]
            if withdrawal
            else []
        ),
        *([_note("summary", advisory.summary, "Summary")] if advisory.summary else []),
        *([_note("details", advisory.details, "Details")] if advisory.details else []),
    ]
    summary = "Initial version." if version in INITIAL_VERSIONS else "Current version."
    if withdrawal:
        summary = f"Withdrawn: {withdrawal.said}"
    tracking_id = f"{TRACKING_PREFIX}{advisory.case_id}"
    distribution = _distribution(embargo_until, current_release)
    document: dict[str, Any] = {
        # A withdrawn advisory advises nothing any more: CSAF 2.1 gives it a profile of its own (csaf_withdrawn), a
        # name 2.0 forbids (test 6.1.26), so in 2.0 it is a base document, which needs no products or statuses.
        "category": BASE_CATEGORY if withdrawal else CATEGORY,
        "csaf_version": CSAF_VERSION,
        "lang": LANG,
        "publisher": {"category": "coordinator", "name": publisher_name, "namespace": publisher_namespace},
        "title": f"WITHDRAWN: {title_of(advisory)}" if withdrawal else title_of(advisory),
        "tracking": {
            "id": tracking_id,
            "status": status,
            "version": version,
            "initial_release_date": osv_timestamp(initial_release),
            "current_release_date": osv_timestamp(current_release),
            "revision_history": _revisions(initial_release, current_release, version, summary),
            "generator": {"engine": {"name": ENGINE}},
        },
        "distribution": distribution,
    }
    if notes:
        document["notes"] = notes
    acknowledgments = _acknowledgments(advisory)
    if acknowledgments:
        document["acknowledgments"] = acknowledgments
    # The canonical URL comes first: where the document itself lives (CSAF test 6.2.11).
    canonical = canonical_url(publisher_namespace, tracking_id, distribution["tlp"]["label"], initial_release)
    document["references"] = [
        {"category": "self", "summary": "Canonical URL", "url": canonical},
        *({"category": "external", "summary": REFERENCE_SUMMARIES[r.type], "url": r.url} for r in advisory.references),
    ]
    return document


def _vulnerability_notes(advisory: Advisory) -> list[dict[str, str]]:
    notes = [_note("description", advisory.details or advisory.summary, "Vulnerability description")]
    cwe = advisory.weaknesses[0] if advisory.weaknesses and advisory.weaknesses[0].name else None
    others = [w for w in advisory.weaknesses if w is not cwe]
    if others:
        # CSAF 2.0 holds one CWE: the others are kept where a reader still sees them.
        text = "; ".join(f"{w.id} ({w.name})" if w.name else w.id for w in others)
        notes.append(_note("other", text, "Other weaknesses"))
    if advisory.cvss_v4:
        # CSAF 2.0 has no CVSS v4.0 score: the vector (and its computed score) goes into a note.
        severity = severity_of(advisory.cvss_v4)
        text = f"{severity.vector} (base score {severity.score}, {severity.rating})" if severity else advisory.cvss_v4
        notes.append(_note("other", text, "CVSS v4.0"))
    return notes


def _cvss_v3(vector: str) -> dict[str, Any] | None:
    """The `cvss_v3` object of a 3.x vector, or None if it does not parse (validation reports the vector; the
    compiler never invents a score)."""
    severity = severity_of(vector)
    version = vector.split("/", 1)[0].removeprefix("CVSS:")
    if severity is None or version not in ("3.0", "3.1"):
        return None
    return {
        "version": version,
        "vectorString": severity.vector,
        "baseScore": severity.score,
        "baseSeverity": severity.rating.upper(),
    }


def _vulnerability(advisory: Advisory, products: ProductTree) -> dict[str, Any]:
    """The one vulnerability, with each settled package's products defined in `products` as they are used."""
    status: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    remediations: list[dict[str, Any]] = []
    affected_ids: list[str] = []
    for package in advisory.packages:
        if package.status == ImpactStatus.UNKNOWN:
            continue  # never checked: nothing to say
        intervals = affected_intervals(package.published_events()) if package.is_affected else []
        versions = vers(package.ecosystem, intervals)
        shown = versions.split("/", 1)[1]
        range_id = products.add(
            package,
            "product_version_range",
            versions,
            f"{_label(package)} {'(all versions)' if shown == '*' else shown}",
            purl(package.ecosystem, package.name),
        )
        if package.status == ImpactStatus.NOT_AFFECTED:
            status.setdefault("known_not_affected", []).append(range_id)
            if package.justification is not None:
                flags.setdefault(str(package.justification), []).append(range_id)
            continue
        if package.status == ImpactStatus.INVESTIGATING:
            status.setdefault("under_investigation", []).append(range_id)
            continue
        status.setdefault("known_affected", []).append(range_id)
        affected_ids.append(range_id)
        fixes = [v for kind, v in package.events if kind == "fixed"] if package.status == ImpactStatus.FIXED else []
        for fixed in dict.fromkeys(fixes):
            fixed_id = products.add(
                package,
                "product_version",
                fixed,
                f"{_label(package)} {fixed}",
                purl(package.ecosystem, package.name, fixed),
            )
            status.setdefault("fixed", []).append(fixed_id)
        if fixes:
            # The newest fix is the safe advice: a later line may have brought the flaw back (pip 25.0 after 24.1).
            ordered = sorted(dict.fromkeys(fixes), key=_safe_key)
            details = f"Upgrade {package.name} to {ordered[-1]} or later."
            if len(ordered) > 1:
                details = f"{details[:-1]} (fixed releases: {', '.join(ordered)})."
            remediations.append({"category": "vendor_fix", "details": details, "product_ids": [range_id]})
        else:
            category, details = NO_FIX_REMEDIATIONS.get(package.status, ("none_available", "No fix is known yet."))
            remediations.append({"category": category, "details": details, "product_ids": [range_id]})
    vulnerability: dict[str, Any] = {"title": advisory.summary} if advisory.summary else {}
    cve = advisory.alias("CVE-")
    if cve:
        vulnerability["cve"] = cve
    ids = [
        {"system_name": system, "text": alias}
        for alias in advisory.ids()  # the record's own id (PYSEC-...) first, then its aliases
        for prefix, system in ALIAS_SYSTEMS.items()
        if alias.startswith(prefix)
    ]
    if ids:
        vulnerability["ids"] = ids
    first = advisory.weaknesses[0] if advisory.weaknesses else None
    if first is not None and first.name:  # a CWE without its name is left for validation to report
        vulnerability["cwe"] = {"id": first.id, "name": first.name}
    vulnerability["notes"] = _vulnerability_notes(advisory)
    if status:
        vulnerability["product_status"] = status
    if flags:
        vulnerability["flags"] = [{"label": label, "product_ids": members} for label, members in flags.items()]
    score = _cvss_v3(advisory.cvss_v3) if advisory.cvss_v3 else None
    if score is not None and affected_ids:
        # Only affected products are scored: a score on a fixed one misleads (CSAF test 6.2.19).
        vulnerability["scores"] = [{"cvss_v3": score, "products": affected_ids}]
    if remediations:
        vulnerability["remediations"] = remediations
    return vulnerability


def to_csaf(
    advisory: Advisory,
    *,
    publisher_name: str,
    publisher_namespace: str,
    initial_release: datetime,
    current_release: datetime,
    status: str = "draft",
    version: str = "1",
    embargo_until: datetime | None = None,
) -> dict[str, Any]:
    """The CSAF 2.0 security advisory of `advisory`: a vendor branch per project, a product per package's affected
    range (`vers`) and per fixed version, and one vulnerability whose product statuses come from the matrix.
    TLP is AMBER while `embargo_until` is after `current_release`, else WHITE; declined credits are left out."""
    products = ProductTree()
    vulnerability = _vulnerability(advisory, products)
    document: dict[str, Any] = {
        "document": _document(
            advisory,
            publisher_name,
            publisher_namespace,
            initial_release,
            current_release,
            status,
            version,
            embargo_until,
        )
    }
    if products.count:
        document["product_tree"] = products.tree()
    document["vulnerabilities"] = [vulnerability]
    # Keys in CSAF's order (test 6.2.13): every object's keys sorted alphabetically.
    result: dict[str, Any] = sorted_keys(document)
    return result
