"""Tests for keeping advisory drafts: the first fill, saving with its timeline event, validation field by field
(broken drafts rejected with the field named), the leak guard, all-or-nothing export, and `triage-tui export`."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisory_fixtures import CNA_ORG_ID
from csaf_reference import AddDocument, csaf_reference, csaf_reference_batch  # noqa: F401  (the fixtures: the reference validator)
from gpg_fixtures import GpgWorld, with_identity
from test_config import FPR
from test_matrix_export import SET_AT, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.format_names import FILE_SUFFIXES, FORMATS
from triage_tui.advisories.record import (
    Consent,
    Credit,
    CreditRole,
    PackageImpact,
    Reference,
    ReferenceType,
    Weakness,
    weakness,
)
from triage_tui.advisories.validation import Level, validate
from triage_tui.cli import run
from triage_tui.config import parse_config
from triage_tui.domain import ImpactStatus
from triage_tui.services.advisory_drafts import (
    AdvisoryDrafts,
    DraftError,
    EmbargoError,
    InvalidDraftError,
)
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store

CONFIG = f"""
[identity]
name = "Alex Coordinator"
email = "alex@example.org"
fingerprint = "{FPR}"

[advisories]
publisher_name = "Packaging Security Coordination"
publisher_namespace = "https://packaging-security.example.org"
cna_org_id = "{CNA_ORG_ID}"
cna_short_name = "PSF"
""" + "".join(
    f'\n[projects.{p}]\nname = "{p}"\npackages = ["{p}"]\nrepository = "{owner}/{p}"\n'
    for p, owner in (("pip", "pypa"), ("uv", "astral-sh"), ("setuptools", "pypa"), ("twine", "pypa"))
)
NOW = SET_AT + timedelta(days=1)


def complete(drafts: AdvisoryDrafts, case_id: str):  # type: ignore[no-untyped-def]
    """The case's first draft with what an author adds: details, an id, a weakness, a vector, a fix link."""
    first = drafts.load(case_id).advisory
    return replace(
        first,
        details="Extracting a crafted sdist writes files outside the build directory.",
        aliases=("CVE-2026-12345",),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
        references=(*first.references, Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/1")),
        credits=tuple(replace(c, consent=Consent.ACCEPTED) for c in first.credits),
    )


@pytest.fixture
def drafts(database: Path, gpg_world: GpgWorld) -> Iterator[AdvisoryDrafts]:  # noqa: F811
    config = parse_config(database.parent / "config.toml", CONFIG)
    (database.parent / "config.toml").write_text(with_identity(CONFIG, gpg_world.team))
    service = AdvisoryDrafts(Store(database), "alex@example.org", config, clock=lambda: NOW)
    yield service
    service.store.close()


def test_a_first_draft_is_filled_from_the_case_and_saving_records_an_event(drafts: AdvisoryDrafts) -> None:
    draft = drafts.load("PSC-2026-0001")
    assert not draft.saved
    assert [(p.project, str(p.status)) for p in draft.advisory.packages] == [
        ("pip", "fixed"),
        ("setuptools", "investigating"),
        ("uv", "not-affected"),
    ]
    assert draft.advisory.references == (Reference(ReferenceType.PACKAGE, "https://pypi.org/project/pip/"),)
    advisory = complete(drafts, "PSC-2026-0001")
    assert drafts.save(advisory)[:2] == ["summary", "details"]
    assert drafts.save(advisory) == []  # nothing changed: no event
    assert drafts.save(replace(advisory, summary="Path traversal in sdist extraction")) == ["summary"]
    again = drafts.load("PSC-2026-0001")
    assert again.saved and again.advisory.summary == "Path traversal in sdist extraction"
    assert again.updated_by == "alex@example.org" and again.first_saved == NOW
    with drafts.store.read() as connection:
        events = connection.execute(
            "SELECT payload FROM events WHERE case_id = 'PSC-2026-0001' AND kind = 'advisory' ORDER BY id"
        ).fetchall()
    assert [json.loads(p)["fields"] for (p,) in events][1] == ["summary"]


def test_a_complete_draft_validates_and_every_format_exports(drafts: AdvisoryDrafts, tmp_path: Path) -> None:
    advisory = complete(drafts, "PSC-2026-0001")
    drafts.save(advisory)
    draft = drafts.load("PSC-2026-0001")
    assert [p for p in drafts.problems(draft) if p.level == Level.ERROR] == []
    folder = tmp_path / "out"
    folder.mkdir()
    written = drafts.export(draft, FORMATS, folder)
    assert sorted(p.name for p in written) == sorted(f"PSC-2026-0001{s}" for s in FILE_SUFFIXES.values())
    assert json.loads((folder / "PSC-2026-0001.cve.json").read_text())["cveMetadata"]["cveId"] == "CVE-2026-12345"
    with pytest.raises(DraftError, match="already exists"):
        drafts.export(draft, FORMATS, folder)
    assert len(list(folder.iterdir())) == len(FORMATS)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"summary": ""}, "summary", "required"),
        ({"summary": "two\nlines"}, "summary", "one line"),
        ({"details": ""}, "details", "required"),
        ({"details": "text \x1b[31m red"}, "details", "control characters"),
        ({"aliases": ("CVE-26-1",)}, "aliases", "not a well-formed CVE id"),
        ({"aliases": ("GHSA-aaaa-bbbb-cccc",)}, "aliases", "not a well-formed GHSA id"),
        ({"aliases": ("CVE-2026-12345", "CVE-2026-12346")}, "aliases", "more than one CVE id"),
        ({"weaknesses": (Weakness("CWE-22x"),)}, "weaknesses", "not a CWE id"),
        ({"weaknesses": (Weakness("CWE-99999"),)}, "weaknesses", "needs its name"),
        ({"cvss_v3": "CVSS:3.1/AV:N/AC:L"}, "cvss_v3", "does not parse"),
        ({"cvss_v3": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}, "cvss_v3", "starting with"),
        ({"references": ()}, "references", "at least one"),
        ({"references": (Reference(ReferenceType.WEB, "javascript:alert(1)"),)}, "references", "not an http(s) URL"),
        ({"credits": (Credit("", CreditRole.FINDER),)}, "credits", "one line"),
        ({"credits": (Credit("Sam", CreditRole.FINDER, ("ftp://x",)),)}, "credits", "mailto"),
        ({"credits": (Credit("Sam", CreditRole.FINDER, github_login="-bad-"),)}, "credits", "GitHub login"),
        (
            {"packages": (PackageImpact("pip", "pip", ImpactStatus.FIXED, (("introduced", "2.0"), ("fixed", "x!"))),)},
            "packages",
            "not a PEP 440 version",
        ),
        (
            {"packages": (PackageImpact("pip", "pip", ImpactStatus.FIXED, (("fixed", "2.0"),)),)},
            "packages",
            "must start with an introduced",
        ),
        (
            {"packages": (PackageImpact("pip", "pip", ImpactStatus.FIXED, (("introduced", "3"), ("fixed", "2"))),)},
            "packages",
            "ranges overlap",
        ),
        ({"packages": ()}, "packages", "no affected package"),
    ],
)
def test_a_broken_draft_is_rejected_with_a_field_level_message(
    drafts: AdvisoryDrafts, change: dict[str, object], field: str, words: str
) -> None:
    draft = drafts.load("PSC-2026-0001")
    good = complete(drafts, "PSC-2026-0001")
    assert [p for p in validate(good, draft.matrix) if p.level == Level.ERROR] == []
    problems = validate(replace(good, **change), draft.matrix)
    assert any(p.field == field and words in p.message and p.level == Level.ERROR for p in problems), problems


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        # Other databases' ids are kept as they are (real records carry SNYK- ids).
        ({"aliases": ("OSV-1",)}, "aliases", "not a CVE-, GHSA- or PYSEC- id"),
        # No format requires a severity: a vector is the team's own rule.
        ({"cvss_v3": None, "cvss_v4": None}, "cvss_v3", "no CVSS"),
        # The matrix is the team's record: disagreeing with it is said, not refused.
        (
            {"packages": (PackageImpact("pip", "pip", ImpactStatus.AFFECTED, (("introduced", "0"),)),)},
            "packages",
            "the matrix says fixed",
        ),
    ],
)
def test_policy_is_a_warning_not_an_error(
    drafts: AdvisoryDrafts, change: dict[str, object], field: str, words: str
) -> None:
    draft = drafts.load("PSC-2026-0001")
    problems = validate(replace(complete(drafts, "PSC-2026-0001"), **change), draft.matrix)
    assert [p for p in problems if p.level == Level.ERROR] == []
    assert any(p.field == field and words in p.message and p.level == Level.WARNING for p in problems), problems


def test_a_pending_credit_is_a_warning_and_a_declined_one_is_never_exported(drafts: AdvisoryDrafts) -> None:
    advisory = complete(drafts, "PSC-2026-0001")
    advisory = replace(
        advisory,
        credits=(
            Credit("Sam Finder", CreditRole.FINDER, consent=Consent.DECLINED),
            Credit("Rae Fixer", CreditRole.REMEDIATION_DEVELOPER),
        ),
    )
    problems = validate(advisory)
    assert [p.level for p in problems if p.field == "credits"] == [Level.WARNING]
    draft = drafts.load("PSC-2026-0001")
    for fmt in FORMATS:
        text = drafts.compile(draft, fmt, advisory).text
        assert "Sam Finder" not in text, fmt


def test_the_leak_guard_refuses_an_embargoed_export_without_force(
    drafts: AdvisoryDrafts,
    tmp_path: Path,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    drafts.save(complete(drafts, "PSC-2026-0001"))
    triage = TriageService(Store(drafts.store.path), "alex@example.org", clock=lambda: NOW)
    triage.set_embargo("PSC-2026-0001", NOW + timedelta(days=30))
    triage.store.close()
    draft = drafts.load("PSC-2026-0001")
    with pytest.raises(EmbargoError, match="under embargo until"):
        drafts.export(draft, ["osv"], tmp_path)
    assert list(tmp_path.glob("*.osv.json")) == []
    (written,) = drafts.export(draft, ["text"], tmp_path, force=True)
    assert written.read_text().startswith("EMBARGOED UNTIL ")
    csaf = csaf_reference(json.loads(drafts.compile(draft, "csaf").text))
    assert csaf["document"]["distribution"]["tlp"]["label"] == "AMBER"


def test_an_invalid_draft_exports_nothing(drafts: AdvisoryDrafts, tmp_path: Path) -> None:
    draft = drafts.load("PSC-2026-0001")  # the first fill: no details, no vector
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(InvalidDraftError) as raised:
        drafts.export(draft, FORMATS, folder)
    fields = {p.field for p in raised.value.problems}
    assert "details" in fields and "cvss_v3" not in fields  # GitHub and CVE need details; a vector is policy
    assert list(folder.iterdir()) == []


def test_export_command_prints_writes_and_guards(
    drafts: AdvisoryDrafts,
    capsys: pytest.CaptureFixture[str],
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    home = drafts.store.path.parent
    drafts.save(complete(drafts, "PSC-2026-0001"))
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "osv"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "x_triage-tui-PSC-2026-0001"
    output = home / "advisory.csaf.json"
    assert run(["export", "PSC-2026-0001", "--format", "csaf", "--output", str(output), "--home", str(home)]) == 0
    assert csaf_reference(json.loads(output.read_text()))["document"]["category"] == "csaf_security_advisory"
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "csaf", "--output", str(output)]) == 2
    assert "already exists" in capsys.readouterr().err
    triage = TriageService(Store(drafts.store.path), "alex@example.org")  # the store as the CLI left it
    triage.set_embargo("PSC-2026-0001", datetime.now(UTC) + timedelta(days=30))
    triage.store.close()
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "text"]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "--force" in captured.err
    assert run(["--home", str(home), "export", "PSC-2026-0001", "--format", "text", "--force"]) == 0
    assert capsys.readouterr().out.startswith("EMBARGOED UNTIL")
    assert run(["--home", str(home), "export", "PSC-2026-0002", "--format", "ghsa"]) == 1
    assert "details: required" in capsys.readouterr().err


def test_export_overwrite_leaves_every_file_private(drafts: AdvisoryDrafts) -> None:
    home = drafts.store.path.parent
    drafts.save(complete(drafts, "PSC-2026-0001"))
    export = ["--home", str(home), "export", "PSC-2026-0001"]
    output = home / "advisory.osv.json"
    output.write_text("an older export, readable by everyone")
    output.chmod(0o644)
    assert run([*export, "--format", "osv", "--output", str(output), "--overwrite"]) == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert json.loads(output.read_text())["id"] == "x_triage-tui-PSC-2026-0001"
    folder = home / "all"
    folder.mkdir()
    assert run([*export, "--format", "all", "--output", str(folder)]) == 0
    for path in folder.iterdir():
        path.chmod(0o644)
    assert run([*export, "--format", "all", "--output", str(folder), "--overwrite"]) == 0
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o600}
