"""Compiles an advisory record to a CSAF 2.0 security advisory, and checks the mandatory tests its schema cannot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from packageurl import PackageURL
from packaging.version import InvalidVersion, Version

from triage_tui.advisories.osv import osv_timestamp
from triage_tui.advisories.record import Advisory, CreditRole, Ecosystem, PackageImpact, ReferenceType
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

ALIAS_SYSTEMS = {"GHSA-": "GitHub Security Advisories", "PYSEC-": "PyPA Advisory Database"}
"""`ids` system names of the aliases CSAF has no field for (a CVE has its own, `cve`)."""
REFERENCE_SUMMARIES = {
    ReferenceType.ADVISORY: "Advisory",
    ReferenceType.FIX: "Fix",
    ReferenceType.REPORT: "Report",
    ReferenceType.WEB: "Web page",
    ReferenceType.PACKAGE: "Package",
}
VERS_SCHEMES = {Ecosystem.PYPI: "pypi", Ecosystem.CONDA: "conda"}
PURL_TYPES = {Ecosystem.PYPI: "pypi", Ecosystem.CONDA: "conda"}

AFFECTED_GROUP = ("first_affected", "known_affected", "last_affected")
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "affected": AFFECTED_GROUP,
    "not affected": ("known_not_affected",),
    "fixed": ("first_fixed", "fixed"),
    "under investigation": ("under_investigation",),
}
"""CSAF's contradicting product status groups (test 6.1.6); `recommended` belongs to none."""
NO_FIX_REMEDIATIONS = {
    ImpactStatus.AFFECTED: ("none_available", "No fixed release is available yet."),
    ImpactStatus.FIX_IN_PROGRESS: ("none_available", "A fix is in progress; no fixed release is available yet."),
    ImpactStatus.WONT_FIX: ("no_fix_planned", "No fix is planned."),
}
"""What an affected package without a fix says, so every affected product has a remediation (CSAF test 6.2.2)."""


@dataclass(frozen=True)
class Interval:
    """One run of affected versions."""

    start: str
    """The first affected version; "0" for "from the first release"."""
    end: str | None
    """The version that ends the run (None: no end known)."""
    end_included: bool
    """Whether `end` itself is affected (a `last_affected` event)."""


@dataclass
class _Products:
    """The product tree as it is built: products by project and package, each with a new id."""

    leaves: dict[str, dict[tuple[str, Ecosystem], list[dict[str, Any]]]] = field(default_factory=dict)
    count: int = 0

    def add(self, package: PackageImpact, category: str, name: str, full_name: str, purl: str) -> str:
        """Defines one product under its project and package; its new id."""
        self.count += 1
        product_id = f"CSAFPID-{self.count:04d}"
        product = {"name": full_name, "product_id": product_id, "product_identification_helper": {"purl": purl}}
        # Keyed by ecosystem too: a PyPI and a conda package of one name are two products.
        packages = self.leaves.setdefault(package.project, {})
        packages.setdefault((package.name, package.ecosystem), []).append(
            {"category": category, "name": name, "product": product}
        )
        return product_id

    def tree(self) -> dict[str, Any]:
        """The `product_tree`: vendor (project) → product_name (package) → version range or version."""
        return {
            "branches": [
                {
                    "category": "vendor",
                    "name": project,
                    "branches": [
                        {"category": "product_name", "name": name, "branches": leaves}
                        for (name, _ecosystem), leaves in packages.items()
                    ],
                }
                for project, packages in self.leaves.items()
            ]
        }


def _version_key(version: str) -> tuple[int, Version]:
    # OSV's "0" is "before the first release": lower than any real version, 0.dev0 included.
    return (0, Version("0")) if version == "0" else (1, Version(version))


def _safe_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def affected_intervals(events: Sequence[tuple[str, str]]) -> list[Interval]:
    """The runs of affected versions that OSV `events` describe, evaluated as OSV does (events sorted by version,
    `introduced` opens a run, `fixed` and `last_affected` close it), so CSAF says what the OSV document says."""
    try:
        ordered = sorted(events, key=lambda event: _version_key(event[1]))
    except InvalidVersion:
        ordered = list(events)  # not PEP 440 (an imported record): trust the order given
    intervals: list[Interval] = []
    start: str | None = None
    for kind, version in ordered:
        if kind == "introduced":
            start = version if start is None else start
        elif kind in ("fixed", "last_affected") and start is not None:
            if not (kind == "fixed" and version == start):  # fixed where it started: nothing was affected
                intervals.append(Interval(start, version, kind == "last_affected"))
            start = None
    if start is not None:
        intervals.append(Interval(start, None, False))
    return intervals


def vers(ecosystem: Ecosystem, intervals: Sequence[Interval]) -> str:
    """The intervals as a `vers` range (`vers:pypi/>=20.0|<24.1`); no intervals at all means every version."""
    constraints: list[str] = []
    for interval in intervals:
        if interval.start == "0" and interval.end is None:
            constraints = ["*"]
            break
        if interval.end == interval.start and interval.end_included:
            constraints.append(interval.start)  # vers writes one exact version without a comparator
            continue
        if interval.start != "0":
            constraints.append(f">={interval.start}")
        if interval.end is not None:
            constraints.append(f"{'<=' if interval.end_included else '<'}{interval.end}")
    return f"vers:{VERS_SCHEMES[ecosystem]}/{'|'.join(constraints) or '*'}"


def purl(ecosystem: Ecosystem, name: str, version: str | None = None) -> str:
    """The package URL of a package (a range product) or one of its versions, normalised as the purl spec says
    for its type (PyPI names lower case with `-` for `_`) by packageurl-python."""
    return str(PackageURL(type=PURL_TYPES[ecosystem], name=name, version=version or None).to_string())


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
    summary = "Initial version." if version in ("0", "1", "0.0.1", "1.0.0") else "Current version."
    document: dict[str, Any] = {
        # A withdrawn advisory advises nothing any more: CSAF 2.1 gives it a profile of its own (csaf_withdrawn), a
        # name 2.0 forbids (test 6.1.26), so in 2.0 it is a base document, which needs no products or statuses.
        "category": BASE_CATEGORY if withdrawal else CATEGORY,
        "csaf_version": CSAF_VERSION,
        "lang": LANG,
        "publisher": {"category": "coordinator", "name": publisher_name, "namespace": publisher_namespace},
        "title": f"WITHDRAWN: {advisory.summary}" if withdrawal else advisory.summary,
        "tracking": {
            "id": f"{TRACKING_PREFIX}{advisory.case_id}",
            "status": status,
            "version": version,
            "initial_release_date": osv_timestamp(initial_release),
            "current_release_date": osv_timestamp(current_release),
            # The record keeps no revisions: this one entry is the version being written.
            "revision_history": [
                {
                    "date": osv_timestamp(current_release),
                    "number": version,
                    "summary": f"Withdrawn: {withdrawal.said}" if withdrawal else summary,
                }
            ],
            "generator": {"engine": {"name": ENGINE}},
        },
        "distribution": _distribution(embargo_until, current_release),
    }
    if notes:
        document["notes"] = notes
    acknowledgments = _acknowledgments(advisory)
    if acknowledgments:
        document["acknowledgments"] = acknowledgments
    if advisory.references:
        document["references"] = [
            {"category": "external", "summary": REFERENCE_SUMMARIES[r.type], "url": r.url} for r in advisory.references
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


def _vulnerability(advisory: Advisory, products: _Products) -> dict[str, Any]:
    """The one vulnerability, with each settled package's products defined in `products` as they are used."""
    status: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    remediations: list[dict[str, Any]] = []
    affected_ids: list[str] = []
    for package in advisory.packages:
        if package.status == ImpactStatus.UNKNOWN:
            continue  # never checked: nothing to say
        intervals = affected_intervals(package.events) if package.is_affected else []
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
        for alias in dict.fromkeys(advisory.aliases)
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
    products = _Products()
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
    return document


# --- Mandatory tests the schema cannot express (CSAF 2.0 section 6.1) ---


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array (anything else yields nothing: the schema reports it)."""
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, str))


def _defined(tree: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(product id, path) of every product the tree defines."""

    def walk(branches: Any, path: str) -> Iterator[tuple[str, str]]:
        for i, branch in _dicts(branches):
            product = branch.get("product")
            if isinstance(product, dict) and isinstance(product.get("product_id"), str):
                yield product["product_id"], f"{path}[{i}]/product/product_id"
            yield from walk(branch.get("branches"), f"{path}[{i}]/branches")

    yield from walk(tree.get("branches"), "/product_tree/branches")
    for i, product in _dicts(tree.get("full_product_names")):
        if isinstance(product.get("product_id"), str):
            yield product["product_id"], f"/product_tree/full_product_names[{i}]/product_id"
    for i, relationship in _dicts(tree.get("relationships")):
        named = relationship.get("full_product_name")
        if isinstance(named, dict) and isinstance(named.get("product_id"), str):
            yield named["product_id"], f"/product_tree/relationships[{i}]/full_product_name/product_id"


def _referenced(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(product id, path) of every reference to a product."""
    found = document.get("product_tree")
    tree: dict[str, Any] = found if isinstance(found, dict) else {}
    for i, group in _dicts(tree.get("product_groups")):
        for j, product_id in _strings(group.get("product_ids")):
            yield product_id, f"/product_tree/product_groups[{i}]/product_ids[{j}]"
    for i, relationship in _dicts(tree.get("relationships")):
        for key in ("product_reference", "relates_to_product_reference"):
            if isinstance(relationship.get(key), str):
                yield relationship[key], f"/product_tree/relationships[{i}]/{key}"
    for v, vulnerability in _dicts(document.get("vulnerabilities")):
        here = f"/vulnerabilities[{v}]"
        product_status = vulnerability.get("product_status")
        if isinstance(product_status, dict):
            for group, ids in product_status.items():
                for j, product_id in _strings(ids):
                    yield product_id, f"{here}/product_status/{group}[{j}]"
        for key, member in (("scores", "products"), ("remediations", "product_ids"), ("threats", "product_ids")):
            for i, item in _dicts(vulnerability.get(key)):
                for j, product_id in _strings(item.get(member)):
                    yield product_id, f"{here}/{key}[{i}]/{member}[{j}]"
        for i, flag in _dicts(vulnerability.get("flags")):
            for j, product_id in _strings(flag.get("product_ids")):
                yield product_id, f"{here}/flags[{i}]/product_ids[{j}]"


def _product_problems(document: dict[str, Any]) -> list[str]:
    """6.1.1 (missing definition) and 6.1.2 (multiple definition) of product ids."""
    problems: list[str] = []
    tree = document.get("product_tree")
    first: dict[str, str] = {}
    for product_id, path in _defined(tree if isinstance(tree, dict) else {}):
        if product_id in first:
            problems.append(f"6.1.2: {path} defines {product_id} again (first at {first[product_id]})")
        else:
            first[product_id] = path
    for product_id, path in _referenced(document):
        if product_id not in first:
            problems.append(f"6.1.1: {path} refers to {product_id}, which the product tree does not define")
    return problems


def _status_problems(here: str, vulnerability: dict[str, Any]) -> list[str]:
    """6.1.6: a product in two contradicting status groups."""
    product_status = vulnerability.get("product_status")
    if not isinstance(product_status, dict):
        return []
    groups: dict[str, list[str]] = {}
    for group, members in STATUS_GROUPS.items():
        for member in members:
            for _j, product_id in _strings(product_status.get(member)):
                if group not in groups.setdefault(product_id, []):
                    groups[product_id].append(group)
    return [
        f"6.1.6: {here}/product_status lists {product_id} as both {' and '.join(found)}"
        for product_id, found in groups.items()
        if len(found) > 1
    ]


def _score_problems(here: str, vulnerability: dict[str, Any]) -> list[str]:
    """6.1.7 (two scores of one CVSS version for a product) and 6.1.9 (a score that is not its vector's)."""
    problems: list[str] = []
    scored: dict[tuple[str, str], int] = {}
    for i, score in _dicts(vulnerability.get("scores")):
        cvss = score.get("cvss_v3")
        if not isinstance(cvss, dict):
            continue
        path = f"{here}/scores[{i}]/cvss_v3"
        version = str(cvss.get("version"))
        for _j, product_id in _strings(score.get("products")):
            if (product_id, version) in scored:
                problems.append(f"6.1.7: {product_id} has a second CVSS {version} score at {path}")
            scored[(product_id, version)] = i
        vector = str(cvss.get("vectorString") or "")
        severity = severity_of(vector)
        if severity is None or not vector.startswith("CVSS:3."):
            problems.append(f"6.1.9: {path}/vectorString {vector!r} is not a CVSS 3.x vector that can be scored")
            continue
        if not vector.startswith(f"CVSS:{version}/"):
            problems.append(f"6.1.9: {path}/version is {version} but the vector is {vector.split('/', 1)[0]}")
        if cvss.get("baseScore") != severity.score:
            problems.append(f"6.1.9: {path}/baseScore is {cvss.get('baseScore')}, the vector scores {severity.score}")
        if cvss.get("baseSeverity") != severity.rating.upper():
            problems.append(
                f"6.1.9: {path}/baseSeverity is {cvss.get('baseSeverity')}, the vector rates {severity.rating.upper()}"
            )
    return problems


def _flag_and_remediation_problems(here: str, vulnerability: dict[str, Any]) -> list[str]:
    """6.1.29 and 6.1.32 (a remediation or flag that names no product) and 6.1.33 (two flags on one product)."""
    problems: list[str] = []
    for key in ("remediations", "flags"):
        for i, item in _dicts(vulnerability.get(key)):
            if not item.get("product_ids") and not item.get("group_ids"):
                test = "6.1.29" if key == "remediations" else "6.1.32"
                problems.append(f"{test}: {here}/{key}[{i}] names no product or product group")
    flagged: set[str] = set()
    for i, flag in _dicts(vulnerability.get("flags")):
        for _j, product_id in _strings(flag.get("product_ids")):
            if product_id in flagged:
                problems.append(f"6.1.33: {here}/flags[{i}] flags {product_id} a second time")
            flagged.add(product_id)
    return problems


def _revision_problems(document: dict[str, Any]) -> list[str]:
    """6.1.17 (a pre-release or 0 version outside draft) and 6.1.21 (a version missing from the revision history)."""
    meta = document.get("document")
    tracking = meta.get("tracking") if isinstance(meta, dict) else None
    if not isinstance(tracking, dict):
        return []
    problems: list[str] = []
    version = str(tracking.get("version") or "")
    if tracking.get("status") in ("final", "interim") and (
        version == "0" or version.startswith("0.") or "-" in version.split("+", 1)[0]
    ):
        problems.append(f"6.1.17: /document/tracking/version {version} is a pre-release, so the status must be draft")
    majors: list[int] = []
    for _i, revision in _dicts(tracking.get("revision_history")):
        number = str(revision.get("number") or "").split(".", 1)[0]
        if number.isdigit():
            majors.append(int(number))
    majors.sort()
    if majors and majors[0] not in (0, 1):
        problems.append(f"6.1.21: /document/tracking/revision_history starts at {majors[0]}, not at 0 or 1")
    for before, after in pairwise(majors):
        if after - before > 1:
            problems.append(f"6.1.21: /document/tracking/revision_history skips from {before} to {after}")
    return problems


def _profile_problems(document: dict[str, Any]) -> list[str]:
    """6.1.27.4, .5, .6 and .11: what the "Security advisory" profile requires."""
    meta = document.get("document")
    if not isinstance(meta, dict) or meta.get("category") != CATEGORY:
        return []
    problems: list[str] = []
    if not document.get("product_tree"):
        problems.append("6.1.27.4: a security advisory needs /product_tree (no package has a settled status)")
    if not document.get("vulnerabilities"):
        problems.append("6.1.27.11: a security advisory needs /vulnerabilities")
    for v, vulnerability in _dicts(document.get("vulnerabilities")):
        if not vulnerability.get("notes"):
            problems.append(f"6.1.27.5: /vulnerabilities[{v}] needs notes")
        if not vulnerability.get("product_status"):
            problems.append(f"6.1.27.6: /vulnerabilities[{v}] needs product_status")
    return problems


def csaf_problems(document: dict[str, Any]) -> list[str]:
    """What a schema-valid CSAF 2.0 document still breaks among the mandatory tests a schema cannot express:
    undefined (6.1.1) and duplicate (6.1.2) product ids, contradicting statuses (6.1.6), two scores of one version
    (6.1.7), a CVSS v3 score or severity that is not its vector's (6.1.9), a pre-release outside draft (6.1.17), a
    gap in the revision history (6.1.21), the security advisory profile (6.1.27.4-6, .11), remediations and flags
    without products (6.1.29, 6.1.32) and a product flagged twice (6.1.33). Each message starts with the test's
    number and names the JSON path; an empty list means none of these fails."""
    problems = _product_problems(document) + _revision_problems(document) + _profile_problems(document)
    for v, vulnerability in _dicts(document.get("vulnerabilities")):
        here = f"/vulnerabilities[{v}]"
        problems += _status_problems(here, vulnerability)
        problems += _score_problems(here, vulnerability)
        problems += _flag_and_remediation_problems(here, vulnerability)
    return problems
