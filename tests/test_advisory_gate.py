"""Tests for the export gate: each format refuses only what it requires or what is malformed, the team's policy is a
warning, ranges are checked in version order, one meaning of an unreleased fix across formats, what each format
leaves out (checked against its output, so the list cannot lie) and `triage-tui export` saying so."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from advisory_fixtures import CNA_ORG_ID, csaf_validator, cve_record_validator, osv_validator, schema_errors
from gpg_fixtures import GpgWorld
from test_advisory_drafts import complete, drafts  # noqa: F401  (the fixture: drafts over a store with cells)
from test_matrix_export import database  # noqa: F401
from triage_tui.advisories.formats import PublishContext, compile_advisory, gate
from triage_tui.advisories.importers import parse_document, to_record
from triage_tui.advisories.left_out import DROPPED, left_out
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
)
from triage_tui.advisories.validation import Level, Problem, validate
from triage_tui.cli import run
from triage_tui.domain import ImpactStatus
from triage_tui.services.advisory_drafts import AdvisoryDrafts

CORPUS = Path(__file__).parent / "data" / "pypa-advisory-db" / "vulns"
CONTEXT = PublishContext(
    now=datetime(2026, 3, 1, tzinfo=UTC),
    publisher_name="PyPA",
    publisher_namespace="https://pypa.example.org",
    cna_org_id=CNA_ORG_ID,
    cna_short_name="PSF",
)
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
FORMATS = ("osv", "cve", "cve-cna", "ghsa", "csaf")


def errors_for(advisory: Advisory, fmt: str, projects: tuple[str, ...] = ("pip",)) -> list[Problem]:
    compiled = compile_advisory(advisory, fmt, CONTEXT)
    return [p for p in gate(advisory, compiled, (), projects) if p.level == Level.ERROR]


def database_record(package: str = "django") -> Advisory:
    """What the PyPA database usually holds: details, no summary, no vector, a package no project here has."""
    return Advisory(
        case_id="PSC-2026-0001",
        summary="",
        details="An issue was discovered in Django.\r\nIt allows SQL injection.",
        aliases=("CVE-2021-35042",),
        packages=(
            PackageImpact(
                package,
                package,
                ImpactStatus.FIXED,
                (("introduced", "3.2"), ("fixed", "3.2.5"), ("introduced", "0"), ("fixed", "3.1.13")),  # unsorted
            ),
        ),
        references=(Reference(ReferenceType.ADVISORY, "https://www.djangoproject.com/weblog/"),),
        id="PYSEC-2021-99",
    )


def test_each_format_refuses_only_what_it_requires() -> None:
    advisory = database_record()
    assert errors_for(advisory, "osv") == []
    assert errors_for(advisory, "cve") == []
    assert errors_for(advisory, "cve-cna") == []
    assert [p.field for p in errors_for(advisory, "ghsa")] == ["summary"]  # GitHub's API needs one
    assert errors_for(advisory, "csaf") == []  # CSAF's title: the record's ids and packages when it has no summary
    warnings = {p.field for p in validate(advisory, (), fmt="osv") if p.level == Level.WARNING}
    assert {"summary", "cvss_v3"} <= warnings  # the team's own policy, said but not blocking
    bare = replace(advisory, details="", references=())
    assert {p.field for p in errors_for(bare, "cve-cna")} >= {"details", "references"}
    assert errors_for(bare, "osv") == []  # OSV requires only an id and a time


def test_a_package_outside_the_configured_projects_is_carried_as_it_is() -> None:
    advisory = database_record()
    matrix = (PackageImpact("pip", "pip", ImpactStatus.FIXED, (("introduced", "0"), ("fixed", "24.1"))),)
    problems = validate(advisory, matrix, fmt="osv", projects=("pip",))
    said = [p.message for p in problems if "matrix says" in p.message]
    assert len(said) == 1 and said[0].startswith("pip/pip: the draft says nothing, the matrix says fixed (")
    assert all(p.level == Level.WARNING for p in problems if "matrix says" in p.message)
    assert not any("django" in p.message for p in problems)


@pytest.mark.parametrize(
    ("events", "overlap"),
    [
        # PYSEC-2021-103 (wagtail): three valid ranges, listed newest first.
        (
            (
                ("introduced", "2.13"),
                ("fixed", "2.13.2"),
                ("introduced", "2.12"),
                ("fixed", "2.12.5"),
                ("introduced", "0"),
                ("fixed", "2.11.8"),
            ),
            False,
        ),
        ((("introduced", "2.0"), ("last_affected", "2.1"), ("introduced", "1.0"), ("fixed", "1.5")), False),
        # PYSEC-2021-114 (wagtail): [2.11, 2.11.7) and [0, 2.11.6) really overlap.
        ((("introduced", "2.11"), ("fixed", "2.11.7"), ("introduced", "0"), ("fixed", "2.11.6")), True),
        ((("introduced", "1.0"), ("last_affected", "2.0"), ("introduced", "2.0"), ("fixed", "3.0")), True),
        ((("introduced", "1.0"), ("introduced", "2.0"), ("fixed", "3.0")), True),  # an open range, then another
        ((("introduced", "3"), ("fixed", "2")), True),
    ],
)
def test_ranges_are_checked_for_overlap_in_version_order(events: tuple[tuple[str, str], ...], overlap: bool) -> None:
    advisory = replace(database_record(), packages=(PackageImpact("wagtail", "wagtail", ImpactStatus.FIXED, events),))
    found = [p for p in validate(advisory, fmt="osv") if p.field == "packages" and p.level == Level.ERROR]
    assert bool(found) == overlap, found


@pytest.mark.parametrize(("details", "refused"), [("a\r\nb\rc\td\n", False), ("a\x1b[31mb", True), ("a\x0cb", True)])
def test_carriage_returns_are_text(details: str, refused: bool) -> None:
    problems = validate(replace(database_record(), details=details), fmt="osv")
    assert any(p.field == "details" and p.level == Level.ERROR for p in problems) == refused


def test_a_pre_pep_440_release_is_kept_but_garbage_is_not() -> None:
    events = (("introduced", "0"), ("fixed", "0.2.0-n653"))  # binderhub's PYSEC-2021-8: a real PyPI release
    advisory = replace(
        database_record(), packages=(PackageImpact("binderhub", "binderhub", ImpactStatus.FIXED, events),)
    )
    assert errors_for(advisory, "osv") == []
    broken = replace(advisory, packages=(replace(advisory.packages[0], events=(("introduced", "0"), ("fixed", "x!"))),))
    assert [p.field for p in errors_for(broken, "osv")] == ["packages"]


def test_the_real_corpus_exports_to_every_format_that_can_hold_it() -> None:
    """The 300 records of tests/data/pypa-advisory-db: refused only by GitHub and CSAF for want of a summary, or
    for data that is really malformed."""
    exported = dict.fromkeys(FORMATS, 0)
    refused: dict[str, set[str]] = {fmt: set() for fmt in FORMATS}
    records = 0
    for path in sorted(CORPUS.rglob("*.yaml")):
        try:
            _fmt, advisory = to_record(parse_document(path.read_bytes()), "PSC-2026-0001", {"pip": ["pip"]})
        except Exception:  # the importer's own refusals are its tests' business
            continue
        records += 1
        for fmt in ("osv", "cve-cna"):
            blocking = errors_for(advisory, fmt)
            exported[fmt] += not blocking
            refused[fmt] |= {f"{path.stem}: {p.message}" for p in blocking}
    assert records >= 299
    assert exported["osv"] == records, refused["osv"]
    # One record (PYSEC-2024-55) names no reference at all: CVE requires one.
    assert exported["cve-cna"] >= records - 1, refused["cve-cna"]


# ---- one meaning of an unreleased fix -----------------------------------------------------------------------------


def uv_advisory(status: ImpactStatus) -> Advisory:
    return Advisory(
        case_id="PSC-2026-0002",
        summary="uv writes outside the target directory",
        details="Extracting a crafted wheel writes outside the target directory.",
        aliases=("CVE-2026-12346",),
        cvss_v3=V3,
        packages=(PackageImpact("uv", "uv", status, (("introduced", "0.4.0"), ("fixed", "0.4.30"))),),
        references=(Reference(ReferenceType.WEB, "https://github.com/astral-sh/uv/issues/1"),),
    )


def affected_ranges(fmt: str, document: dict[str, Any]) -> list[str]:
    """What each format says is affected, in one spelling: `>=0.4.0` or `>=0.4.0,<0.4.30`."""
    if fmt == "osv":
        events = document["affected"][0]["ranges"][0]["events"]
        bounds = [f">={e['introduced']}" if "introduced" in e else f"<{e['fixed']}" for e in events]
        return [",".join(bounds)]
    if fmt == "cve":
        return [
            f">={v['version']}" + (f",<{v['lessThan']}" if v.get("lessThan", "*") != "*" else "")
            for v in document["containers"]["cna"]["affected"][0]["versions"]
        ]
    if fmt == "ghsa":
        return [v["vulnerable_version_range"].replace(" ", "") for v in document["vulnerabilities"]]
    tree = document["product_tree"]["branches"][0]["branches"][0]["branches"]
    names = [branch["name"] for branch in tree]
    return [name.removeprefix("vers:pypi/").replace("|", ",") for name in names if name.startswith("vers:")]


@pytest.mark.parametrize(
    ("status", "expected"), [(ImpactStatus.AFFECTED, ">=0.4.0"), (ImpactStatus.FIXED, ">=0.4.0,<0.4.30")]
)
def test_every_format_gives_an_unreleased_fix_one_meaning(status: ImpactStatus, expected: str) -> None:
    """A fix not released yet is not a fix anyone can install: every format leaves the range open (and says it
    left the fix out); once released, every format closes it."""
    advisory = uv_advisory(status)
    for fmt in ("osv", "cve", "ghsa", "csaf"):
        compiled = compile_advisory(advisory, fmt, CONTEXT)
        assert affected_ranges(fmt, json.loads(compiled.text)) == [expected], fmt
        unreleased = status != ImpactStatus.FIXED
        assert ("0.4.30" in compiled.text) != unreleased, fmt
        assert ("packages (unreleased fix)" in compiled.left_out) == unreleased, fmt


# ---- what each format leaves out ----------------------------------------------------------------------------------

COMMIT = "7012" + "a" * 36
MARKERS = {
    "aliases": "SNYK-PYTHON-PIP-7001",
    "published": "2021-03-04T05:06:07",
    "modified": "2022-05-06T07:08:09",
    "related": "PYSEC-2099-7002",
    "upstream": "PYSEC-2099-7003",
    "database_specific": "db-specific-7004",
    "other_severity": "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "cvss_v4": V4,
    "references": "https://example.org/marker-7006",
    "credits.name": "Marker Person 7007",
    "credits.contact": "marker7008@example.org",
    "credits.github_login": "marker-login-7009",
    "packages.versions": "1.0.7010",
    "packages.other_ranges": COMMIT,
    "packages.purl": "pkg:pypi/pip?marker=7011",
    "packages.severity": "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
    "packages.ecosystem_specific": "eco-specific-7013",
    "packages.database_specific": "package-db-specific-7014",
    "packages (conda)": "condapkg-7015",
    "packages (not affected)": "notaffected-7016",
    "packages (unreleased fix)": "7.0.7017",
    # Never left out by any format: present everywhere.
    "summary": "Marker summary 7018",
    "details": "Marker details 7019",
    "cvss_v3": V3,
    "weaknesses": "CWE-22",
}


def full_advisory() -> Advisory:
    """An advisory with every field set, each to a value found nowhere else."""
    pip = PackageImpact(
        "pip",
        "pip",
        ImpactStatus.AFFECTED,
        (
            ("introduced", "1.0"),
            ("fixed", "1.5"),
            ("introduced", "7.0"),
            ("fixed", MARKERS["packages (unreleased fix)"]),
        ),
        versions=(MARKERS["packages.versions"],),
        other_ranges=({"type": "GIT", "repo": "https://github.com/pypa/pip", "events": [{"introduced": COMMIT}]},),
        purl=MARKERS["packages.purl"],
        severity=(("CVSS_V3", MARKERS["packages.severity"]),),
        ecosystem_specific={"m": MARKERS["packages.ecosystem_specific"]},
        database_specific={"m": MARKERS["packages.database_specific"]},
    )
    conda = PackageImpact(
        "conda",
        MARKERS["packages (conda)"],
        ImpactStatus.FIXED,
        (("introduced", "0"), ("fixed", "2.0")),
        Ecosystem.CONDA,
    )
    calm = PackageImpact("uv", MARKERS["packages (not affected)"], ImpactStatus.NOT_AFFECTED)
    return Advisory(
        case_id="PSC-2026-0003",
        summary=MARKERS["summary"],
        details=MARKERS["details"],
        aliases=("CVE-2026-12347", MARKERS["aliases"]),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3=V3,
        cvss_v4=V4,
        packages=(pip, conda, calm),
        references=(Reference(ReferenceType.WEB, MARKERS["references"]),),
        credits=(
            Credit(
                MARKERS["credits.name"],
                CreditRole.FINDER,
                (f"mailto:{MARKERS['credits.contact']}",),
                Consent.ACCEPTED,
                MARKERS["credits.github_login"],
            ),
        ),
        id="PYSEC-2026-7000",
        published=MARKERS["published"] + "Z",
        modified=MARKERS["modified"] + "Z",
        related=(MARKERS["related"],),
        upstream=(MARKERS["upstream"],),
        other_severity=(("CVSS_V2", MARKERS["other_severity"]),),
        database_specific={"m": MARKERS["database_specific"]},
    )


def test_every_field_named_has_a_marker() -> None:
    named = {name for checks in DROPPED.values() for name in checks}
    assert named <= MARKERS.keys()


@pytest.mark.parametrize("fmt", (*FORMATS, "text"))
def test_what_a_format_leaves_out_is_exactly_what_its_output_lacks(fmt: str) -> None:
    advisory = full_advisory()
    compiled = compile_advisory(advisory, fmt, CONTEXT)
    assert compiled.text and compiled.left_out == left_out(advisory, fmt)
    for field, marker in MARKERS.items():
        listed = field in compiled.left_out
        assert listed == (marker not in compiled.text), f"{fmt}: {field} {'listed' if listed else 'not listed'}"
    warning = [p for p in compiled.problems if p.message.startswith(f"not carried by {fmt}: ")]
    assert len(warning) == 1 and warning[0].level == Level.WARNING


def test_a_withdrawn_cve_record_leaves_out_all_but_why() -> None:
    from triage_tui.advisories.record import Withdrawal

    advisory = replace(full_advisory(), withdrawn=Withdrawal("2026-02-01T00:00:00Z", "a duplicate"))
    compiled = compile_advisory(advisory, "cve", CONTEXT)
    for field in ("summary", "details", "packages", "references", "credits", "cvss_v3", "weaknesses"):
        assert field in compiled.left_out
    assert MARKERS["summary"] not in compiled.text and MARKERS["details"] not in compiled.text
    assert "a duplicate" in compiled.text


def test_the_full_advisory_is_valid_in_each_schema() -> None:
    full = full_advisory()
    # OSV holds a package's own severity only when the record states none.
    advisory = replace(full, packages=(replace(full.packages[0], severity=()), *full.packages[1:]))
    osv = json.loads(compile_advisory(advisory, "osv", CONTEXT).text)
    assert schema_errors(osv_validator(), osv) == []
    cve = json.loads(compile_advisory(advisory, "cve", CONTEXT).text)
    assert schema_errors(cve_record_validator(), cve) == []
    csaf = json.loads(compile_advisory(advisory, "csaf", CONTEXT).text)
    assert schema_errors(csaf_validator(), csaf) == []


# ---- triage-tui export says what it leaves out --------------------------------------------------------------------


def test_export_prints_what_a_format_leaves_out_and_its_warnings(
    drafts: AdvisoryDrafts,  # noqa: F811
    gpg_world: GpgWorld,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = drafts.store.path.parent
    drafts.save(replace(complete(drafts, "PSC-2026-0001"), cvss_v3=None, related=("PYSEC-2099-1",)))
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "ghsa"]) == 0
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("not carried by ghsa: ")]
    assert {"related", "references", "modified"} <= set(line.removeprefix("not carried by ghsa: ").split(", "))
    assert "warning: cvss_v3: no CVSS" in err  # policy: said, not blocking
    folder = home / "every"
    folder.mkdir()
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "all", "--output", str(folder)]) == 0
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("not carried by cve: ")]
    assert "related" in line.removeprefix("not carried by cve: ").split(", ")
    assert "not carried by osv: packages (not affected)" in err  # OSV holds related; not what is not affected
    assert "warning: csaf: cvss_v3: no CVSS" in err
    assert len(list(folder.iterdir())) == 6
