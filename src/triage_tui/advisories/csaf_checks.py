"""Checks a CSAF 2.0 document against the mandatory tests (section 6.1) its JSON schema cannot express, and the
optional tests (6.2) that judge the compiler's own choices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

from triage_tui.advisories.csaf import CATEGORY, file_name
from triage_tui.advisories.csaf_sorting import unsorted_objects
from triage_tui.advisories.cwe_names import cwe_name
from triage_tui.severity import severity_of

AFFECTED_GROUP = ("first_affected", "known_affected", "last_affected")
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "affected": AFFECTED_GROUP,
    "not affected": ("known_not_affected",),
    "fixed": ("first_fixed", "fixed"),
    "under investigation": ("under_investigation",),
}
"""CSAF's contradicting product status groups (test 6.1.6); `recommended` belongs to none."""


def _dicts(value: object) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array (anything else yields nothing: the schema reports it)."""
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _strings(value: object) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, str))


def _defined(tree: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(product id, path) of every product the tree defines."""

    def walk(branches: object, path: str) -> Iterator[tuple[str, str]]:
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


def _cwe_problems(here: str, vulnerability: dict[str, Any]) -> list[str]:
    """6.1.11: a CWE named otherwise than the catalogue names it (an id the catalogue lacks is not judged: it may be
    newer than the catalogue)."""
    cwe = vulnerability.get("cwe")
    if not isinstance(cwe, dict) or not isinstance(cwe.get("id"), str) or not isinstance(cwe.get("name"), str):
        return []
    official = cwe_name(cwe["id"])
    if official and cwe["name"] != official:
        return [f"6.1.11: {here}/cwe/name is {cwe['name']!r}, the official name of {cwe['id']} is {official!r}"]
    return []


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
    (6.1.7), a CVSS v3 score or severity that is not its vector's (6.1.9), a CWE not officially named (6.1.11), a
    pre-release outside draft (6.1.17), a gap in the revision history (6.1.21), the security advisory profile
    (6.1.27.4-6, .11), remediations and flags without products (6.1.29, 6.1.32) and a product flagged twice
    (6.1.33). Each message starts with the test's number and names the JSON path; an empty list means none fails."""
    problems = _product_problems(document) + _revision_problems(document) + _profile_problems(document)
    for v, vulnerability in _dicts(document.get("vulnerabilities")):
        here = f"/vulnerabilities[{v}]"
        problems += _status_problems(here, vulnerability)
        problems += _score_problems(here, vulnerability)
        problems += _flag_and_remediation_problems(here, vulnerability)
        problems += _cwe_problems(here, vulnerability)
    return problems


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def csaf_warnings(document: dict[str, Any]) -> list[str]:
    """What `document` breaks among the optional tests the compiler's choices answer: an initial release date older
    than every revision (6.2.5), no canonical URL, an https `self` reference ending in the file name (6.2.11), and
    object keys out of alphabetical order (6.2.13). Each message starts with the test's number."""
    meta = document.get("document")
    meta = meta if isinstance(meta, dict) else {}
    tracking = meta.get("tracking")
    tracking = tracking if isinstance(tracking, dict) else {}
    warnings: list[str] = []
    initial = _moment(tracking.get("initial_release_date"))
    dates = [_moment(r.get("date")) for _i, r in _dicts(tracking.get("revision_history"))]
    oldest = min((d for d in dates if d is not None), default=None)
    if initial is not None and oldest is not None and initial < oldest:
        warnings.append("6.2.5: /document/tracking/initial_release_date is older than every revision")
    tracking_id = tracking.get("id")
    name = file_name(tracking_id) if isinstance(tracking_id, str) else None
    if not any(
        r.get("category") == "self"
        and isinstance(url := r.get("url"), str)
        and url.startswith("https://")
        and name is not None
        and url.endswith(name)
        for _i, r in _dicts(meta.get("references"))
    ):
        warnings.append(f"6.2.11: /document/references has no canonical URL (an https self reference to {name})")
    warnings += [f"6.2.13: {path or '/'} has its keys out of alphabetical order" for path in unsorted_objects(document)]
    return warnings
