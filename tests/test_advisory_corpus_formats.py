"""The real corpus (tests/data/pypa-advisory-db, 300 PyPA records) in every format but OSV (its own file checks that
one): each export passes its official checker (CVE 5's schema through cvelib, CSAF's reference validator, GitHub's
published request-body schema), keeps every field the format can hold (read back where the format has a reader)
and names in `left_out` every field it cannot hold."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from advisory_fixtures import CNA_ORG_ID
from csaf_reference import reference_failures
from github_schema import body_errors
from triage_tui.advisories.cve_reader import from_cve
from triage_tui.advisories.formats import PublishContext, compile_advisory, gate
from triage_tui.advisories.ghsa import to_ghsa
from triage_tui.advisories.ghsa_reader import from_ghsa
from triage_tui.advisories.importers import parse_document, to_record
from triage_tui.advisories.left_out import left_out
from triage_tui.advisories.record import Advisory, Ecosystem, PackageImpact
from triage_tui.advisories.validation import Level
from triage_tui.store.queries import iso_time

CORPUS = Path(__file__).parent / "data" / "pypa-advisory-db" / "vulns"
CONTEXT = PublishContext(
    now=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
    publisher_name="Python Packaging Security Coordination",
    publisher_namespace="https://security.example.org",
    cna_org_id=CNA_ORG_ID,
    cna_short_name="PSF",
)
PROJECTS = {"pip": ("pip",), "setuptools": ("setuptools",), "twine": ("twine",)}
REFUSED_AT_SOURCE = {
    # CVE requires a reference; this record has none.
    ("PYSEC-2024-55", "cve-cna"): {"references", "cve-cna"},
    ("PYSEC-2024-55", "cve"): {"references", "cve"},
}
"""Records the database itself holds malformed for a format: the gate refuses them, naming exactly these fields."""
UNREADABLE_AT_SOURCE = {"PYSEC-2021-371"}
"""A GIT range whose `fixed` is a file name (`<sha>.patch`), not a commit: written as the source has it, but no
reader can take it back as a version."""


@cache
def corpus() -> tuple[tuple[str, Advisory], ...]:
    """Every corpus record as imported, by its id (parsed once for the module)."""
    found = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        _fmt, advisory = to_record(parse_document(path.read_bytes()), "PSC-2026-0001", PROJECTS)
        found.append((path.stem, advisory))
    assert len(found) == 300
    return tuple(found)


def cve_format(advisory: Advisory) -> str:
    """The full record when the flaw has a CVE id; else the CNA container, which CVE Services gives an id."""
    return "cve" if advisory.alias("CVE-") else "cve-cna"


def blocking(advisory: Advisory, fmt: str) -> tuple[dict[str, Any] | None, set[str]]:
    """The export's document (None when refused) and the fields the gate refuses it for."""
    compiled = compile_advisory(advisory, fmt, CONTEXT)
    refused = {p.field for p in gate(advisory, compiled, (), tuple(PROJECTS)) if p.level == Level.ERROR}
    return (json.loads(compiled.text) if not refused else None), refused


def instant(text: str) -> datetime | None:
    return iso_time(text) if text else None


def affected_pypi(advisory: Advisory) -> list[PackageImpact]:
    return [p for p in advisory.affected() if p.ecosystem == Ecosystem.PYPI]


# ---- CVE 5 -----------------------------------------------------------------------------------------------------


def kept_by_cve(before: Advisory, after: Advisory) -> dict[str, bool]:
    """Each field CVE holds: whether the record read back from the export says what the original said."""
    return {
        "details": after.details == before.details,
        "published": instant(after.published) == instant(before.published),
        "modified": instant(after.modified) == instant(before.modified),
        "aliases": set(after.ids()) >= {i for i in before.ids() if i.startswith("CVE-")},
        "weaknesses": [w.id for w in after.weaknesses] == [w.id for w in before.weaknesses],
        "cvss_v3": after.cvss_v3 == before.cvss_v3,
        "cvss_v4": after.cvss_v4 == before.cvss_v4,
        "references": {r.url for r in after.references} == {r.url for r in before.references},
        "packages": [(p.name, p.published_events()) for p in after.packages]
        == [(p.name, p.published_events()) for p in before.affected()],
        # CVE's versions hold unique items: a version a record lists twice is listed once.
        "packages.versions": [(p.name, set(p.versions)) for p in after.packages]
        == [(p.name, set(p.versions)) for p in before.affected()],
        "packages.other_ranges": [len(p.other_ranges) for p in after.packages]
        == [len(p.other_ranges) for p in before.affected()],
    }


def test_every_record_exports_to_cve_valid_and_reads_back_with_what_cve_holds() -> None:
    exported = 0
    for record_id, advisory in corpus():
        fmt = cve_format(advisory)
        document, refused = blocking(advisory, fmt)  # the schema's complaints (cvelib's copy) are errors too
        assert refused == REFUSED_AT_SOURCE.get((record_id, fmt), set()), (record_id, fmt, refused)
        if document is None or advisory.withdrawn is not None or record_id in UNREADABLE_AT_SOURCE:
            continue
        exported += 1
        back = from_cve(document, "PSC-2026-0001", PROJECTS)
        dropped = set(left_out(advisory, fmt))
        lost = [field for field, kept in kept_by_cve(advisory, back).items() if not kept and field not in dropped]
        assert lost == [], (record_id, fmt, lost)
    assert exported >= 285


def test_a_withdrawn_record_becomes_a_rejected_cve_record_that_says_why() -> None:
    withdrawn = [(record_id, a) for record_id, a in corpus() if a.withdrawn is not None]
    assert len(withdrawn) == 10
    for record_id, advisory in withdrawn:
        document, refused = blocking(advisory, cve_format(advisory))
        assert refused == set() and document is not None, record_id
        back = from_cve(document, "PSC-2026-0001", PROJECTS)
        assert back.withdrawn is not None, record_id
        assert advisory.packages == () or "packages" in left_out(advisory, cve_format(advisory))


# ---- CSAF 2.0 --------------------------------------------------------------------------------------------------


def test_every_record_exports_to_csaf_that_the_reference_validator_passes() -> None:
    documents: dict[str, dict[str, Any]] = {}
    for record_id, advisory in corpus():
        document, refused = blocking(advisory, "csaf")
        assert refused == set(), (record_id, refused)
        assert document is not None
        documents[record_id] = document
        # What CSAF holds of the record is in it: its ids, its references, a product for each package.
        text = json.dumps(document)
        dropped = set(left_out(advisory, "csaf"))
        assert all(f'"{i}"' in text for i in advisory.ids() if i.startswith(("CVE-", "GHSA-", "PYSEC-"))), record_id
        assert all(r.url in text for r in advisory.references), record_id
        assert all(p.name in text for p in advisory.packages), record_id
        assert not advisory.related or "related" in dropped
    verdicts = reference_failures(list(documents.values()))
    failing = {record_id: found for record_id, found in zip(documents, verdicts, strict=True) if found}
    assert failing == {}, json.dumps(dict(list(failing.items())[:5]), indent=1)


# ---- GitHub's repository advisory ------------------------------------------------------------------------------


def test_every_record_is_a_body_github_accepts_once_it_has_the_summary_github_requires() -> None:
    """The database rarely writes a summary, which GitHub requires: the gate says exactly that, and with one the
    body is valid against GitHub's published schema and reads back with what GitHub holds."""
    for record_id, advisory in corpus():
        if not advisory.summary:
            _document, refused = blocking(advisory, "ghsa")
            assert refused == {"summary"}, (record_id, refused)
        summarised = replace(advisory, summary=advisory.summary or f"{record_id}: a flaw in the packages named")
        body = to_ghsa(summarised)
        for name in ("repository-advisory-create", "repository-advisory-update"):
            assert body_errors(name, body) == [], (record_id, name, body_errors(name, body))
        back = from_ghsa(body, "PSC-2026-0001", PROJECTS)
        assert back.details == advisory.details, record_id
        assert [w.id for w in back.weaknesses] == [w.id for w in advisory.weaknesses], record_id
        assert back.alias("CVE-") == advisory.alias("CVE-"), record_id
        if record_id in UNREADABLE_AT_SOURCE:
            continue
        # GitHub's ranges hold one interval each: the spans come back as the same events in version order.
        expected = {(p.name, span) for p in affected_pypi(advisory) for span in spans(p)}
        assert {(p.name, span) for p in back.packages for span in spans(p)} == expected, record_id


def spans(package: PackageImpact) -> set[tuple[tuple[str, str], ...]]:
    from triage_tui.advisories.ranges import event_spans

    return set(event_spans(package.published_events()))


@pytest.mark.parametrize("fmt", ["cve", "cve-cna", "ghsa", "csaf"])
def test_left_out_names_only_fields_the_corpus_records_hold(fmt: str) -> None:
    """`left_out` never names a field a record leaves empty (the list would cry wolf on every export)."""
    for record_id, advisory in corpus():
        stored = advisory.to_json()
        for name in left_out(advisory, fmt):
            top = name.split(".", 1)[0].split(" ", 1)[0]
            assert stored.get(top), (record_id, fmt, name)
