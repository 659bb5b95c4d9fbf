"""Tests for CVE JSON 5 as real records write it: five records of the CVE List (tests/data/cve) imported with their
products named as the configured packages, free-text versions read where their meaning is clear and said
otherwise; and the compiler writing dates, unique references with every OSV type's tags, GIT ranges and listed
versions, valid against the CVE Program's schema."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from advisory_fixtures import CNA_ORG_ID, cve_cna_validator, cve_record_validator, schema_errors
from gpg_fixtures import GpgWorld
from test_advisory_drafts import CONFIG
from test_advisory_import import cli_home
from triage_tui.advisories.cve import REFERENCE_TAGS, to_cve_cna, to_cve_record
from triage_tui.advisories.cve_reader import cve_warnings, from_cve
from triage_tui.advisories.cve_versions import product_name, read_product
from triage_tui.advisories.record import Advisory, PackageImpact, Reference, ReferenceType
from triage_tui.cli import run
from triage_tui.config import parse_config
from triage_tui.domain import ImpactStatus
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.store.store import Store

RECORDS = Path(__file__).parent / "data" / "cve"
PACKAGES = {"pip": ["pip"], "setuptools": ["setuptools"], "conda": ["conda:conda"]}
REPOSITORIES = {"pip": "https://github.com/pypa/pip", "setuptools": "pypa/setuptools", "conda": ""}


def record(name: str) -> Any:
    return json.loads((RECORDS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "package", "events", "published"),
    [
        ("CVE-2023-5752", "pip", (("introduced", "0"), ("fixed", "23.3")), "2023-10-24T20:56:05.469000Z"),
        ("CVE-2024-6345", "setuptools", (("introduced", "0"), ("fixed", "70.0")), "2024-07-15T00:00:14.545000Z"),
        ("CVE-2025-47273", "setuptools", (("introduced", "0"), ("fixed", "78.1.1")), "2025-05-17T15:46:11.399000Z"),
        ("CVE-2021-3572", "pip", (("introduced", "0"), ("fixed", "21.1")), "2021-11-10T17:55:47Z"),
    ],
)
def test_a_real_cve_record_imports_as_the_configured_package(
    name: str, package: str, events: tuple[tuple[str, str], ...], published: str
) -> None:
    document = record(name)
    assert schema_errors(cve_record_validator(), document) == [] or name == "CVE-2021-3572"  # 5.2 adds fields
    advisory = from_cve(document, "PSC-2026-0100", PACKAGES, REPOSITORIES)
    assert [(p.project, p.name, p.status, p.events) for p in advisory.packages] == [
        (package, package, ImpactStatus.FIXED, events)
    ]
    assert advisory.id == name and advisory.published == published and advisory.modified
    assert cve_warnings(document, PACKAGES, REPOSITORIES) == []


def test_a_record_naming_no_product_imports_with_a_warning_and_no_invented_package() -> None:
    document = record("CVE-2022-40897")  # MITRE's: product, vendor and version all `n/a`
    advisory = from_cve(document, "PSC-2026-0101", PACKAGES, REPOSITORIES)
    assert advisory.packages == ()
    assert advisory.details.startswith("Python Packaging Authority (PyPA) setuptools before 65.5.1")
    warnings = cve_warnings(document, PACKAGES, REPOSITORIES)
    assert any("'n/a' is not a version" in w for w in warnings) and any("names no package" in w for w in warnings)


@pytest.mark.parametrize(
    ("entry", "events"),
    [
        ({"version": "==< 78.1.1", "status": "affected"}, (("introduced", "0"), ("fixed", "78.1.1"))),
        ({"version": "< 2.3", "status": "affected"}, (("introduced", "0"), ("fixed", "2.3"))),
        ({"version": "<= 2.3", "status": "affected"}, (("introduced", "0"), ("last_affected", "2.3"))),
        ({"version": ">= 1.0, < 2.0", "status": "affected"}, (("introduced", "1.0"), ("fixed", "2.0"))),
        ({"version": "= 1.4", "status": "affected"}, (("introduced", "1.4"), ("last_affected", "1.4"))),
        ({"version": "1.4", "status": "affected"}, (("introduced", "1.4"), ("last_affected", "1.4"))),
        ({"version": "prior to 9.1", "status": "affected"}, (("introduced", "0"), ("fixed", "9.1"))),
        (
            {"version": "*", "lessThan": "5", "status": "affected", "versionType": "custom"},
            (("introduced", "0"), ("fixed", "5")),
        ),
        (
            {"version": "v1.0", "lessThanOrEqual": "v1.2", "status": "affected", "versionType": "semver"},
            (("introduced", "1.0"), ("last_affected", "1.2")),
        ),
        ({"version": "3.0", "lessThan": "*", "status": "affected", "versionType": "python"}, (("introduced", "3.0"),)),
        (
            {"version": "0", "lessThan": "< 4.0", "status": "affected", "versionType": "python"},
            (("introduced", "0"), ("fixed", "4.0")),
        ),
    ],
)
def test_free_text_versions_are_read_where_their_meaning_is_clear(
    entry: dict[str, str], events: tuple[tuple[str, str], ...]
) -> None:
    reading = read_product({"product": "pip", "versions": [entry]}, "pip")
    assert tuple(reading.events) == events and reading.warnings == []


@pytest.mark.parametrize(
    "entry",
    [
        {"version": "n/a", "status": "affected"},
        {"version": "unspecified", "status": "affected"},
        {"version": "all versions of the 2.x line", "status": "affected"},
        {"version": "> 1.0", "status": "affected"},
        {"version": "0", "lessThan": "the next release", "status": "affected", "versionType": "custom"},
        {"version": "2.0", "status": "unknown"},
        {"version": "abc123", "lessThan": "def456", "status": "affected", "versionType": "git"},  # no repo
    ],
)
def test_what_cannot_be_read_is_said_never_stored_as_a_version(entry: dict[str, str]) -> None:
    reading = read_product({"product": "pip", "versions": [entry]}, "'pip'")
    assert reading.events == [] and reading.git_ranges == []
    assert len(reading.warnings) == 1 and reading.warnings[0].startswith("'pip': ")


def test_default_status_affected_with_unaffected_releases_says_where_the_fix_is() -> None:
    product = {
        "product": "pip",
        "defaultStatus": "affected",
        "versions": [{"version": "23.3", "status": "unaffected", "lessThan": "*", "versionType": "python"}],
    }
    assert read_product(product, "pip").events == [("introduced", "0"), ("fixed", "23.3")]


def test_git_ranges_are_kept_as_git_ranges_of_the_product_repo() -> None:
    product = {
        "product": "pip",
        "repo": "https://github.com/pypa/pip",
        "versions": [{"version": "a1b2c3", "lessThan": "d4e5f6", "status": "affected", "versionType": "git"}],
    }
    reading = read_product(product, "pip")
    assert reading.git_ranges == [
        {
            "type": "GIT",
            "repo": "https://github.com/pypa/pip",
            "events": [{"introduced": "a1b2c3"}, {"fixed": "d4e5f6"}],
        }
    ]


@pytest.mark.parametrize(
    ("product", "name"),
    [
        ({"product": "python-pip", "vendor": "n/a"}, "pip"),
        ({"product": "pypa/setuptools", "vendor": "pypa"}, "setuptools"),
        ({"product": "Setuptools", "vendor": "pypa"}, "setuptools"),
        ({"product": "pip installer", "vendor": "pypa", "repo": "https://github.com/pypa/pip"}, "pip"),
        ({"product": "The toolkit", "repo": "https://github.com/pypa/setuptools.git"}, "setuptools"),
        ({"product": "x", "packageName": "pip", "collectionURL": "https://pypi.org"}, "pip"),
        ({"product": "django", "vendor": "djangoproject"}, "django"),  # not configured: carried as written
        ({"product": "n/a", "vendor": "n/a"}, None),
        ({"product": "Some Product 2000"}, None),
    ],
)
def test_products_are_named_by_the_configured_package(product: dict[str, str], name: str | None) -> None:
    assert product_name(product, PACKAGES, REPOSITORIES) == name


# ---- the compiler -------------------------------------------------------------------------------------------------


def advisory() -> Advisory:
    pip = PackageImpact(
        "pip",
        "pip",
        ImpactStatus.FIXED,
        (("introduced", "20.0"), ("fixed", "23.3")),
        versions=("20.0", "20.1"),
        other_ranges=(
            {"type": "GIT", "repo": "https://github.com/pypa/pip", "events": [{"introduced": "0"}, {"fixed": "abc1"}]},
        ),
    )
    return Advisory(
        case_id="PSC-2026-0001",
        summary="pip injects Mercurial options",
        details="A crafted revision injects options into hg clone.",
        aliases=("CVE-2023-5752",),
        cvss_v3="CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N",
        packages=(pip,),
        references=(
            Reference(ReferenceType.ARTICLE, "https://example.org/write-up"),
            Reference(ReferenceType.WEB, "https://example.org/write-up"),
            Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/12306"),
            Reference(ReferenceType.INTRODUCED, "https://github.com/pypa/pip/commit/1"),
            Reference(ReferenceType.EVIDENCE, "https://github.com/pypa/pip/pull/12306"),
        ),
        published="2023-10-24T20:56:05Z",
        modified="2023-11-01T10:00:00Z",
        other_severity=(("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),),
    )


def test_a_cve_record_has_its_dates_unique_references_git_ranges_and_listed_versions() -> None:
    document = to_cve_record(advisory(), org_id=CNA_ORG_ID, short_name="PSF", vendors={"pip": "pypa"})
    assert schema_errors(cve_record_validator(), document) == []
    assert schema_errors(cve_cna_validator(), document["containers"]["cna"]) == []
    metadata, cna = document["cveMetadata"], document["containers"]["cna"]
    assert metadata["datePublished"] == "2023-10-24T20:56:05.000Z"
    assert metadata["dateUpdated"] == "2023-11-01T10:00:00.000Z"
    assert cna["datePublic"] == "2023-10-24T20:56:05.000Z"
    assert cna["providerMetadata"]["dateUpdated"] == "2023-11-01T10:00:00.000Z"
    assert cna["references"] == [
        {"url": "https://example.org/write-up", "tags": ["technical-description"]},
        {"url": "https://github.com/pypa/pip/pull/12306", "tags": ["patch", "exploit"]},
        {"url": "https://github.com/pypa/pip/commit/1", "tags": ["x_introduced"]},
    ]
    (product,) = cna["affected"]
    assert product["repo"] == "https://github.com/pypa/pip"
    assert product["versions"] == [
        {"version": "20.0", "status": "affected", "lessThan": "23.3", "versionType": "python"},
        {"version": "20.0", "status": "affected", "versionType": "python"},
        {"version": "20.1", "status": "affected", "versionType": "python"},
        {"version": "0", "status": "affected", "lessThan": "abc1", "versionType": "git"},
    ]
    assert {"other": {"type": "CVSS_V2", "content": {"score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}} in cna["metrics"]


def test_an_embargo_end_is_the_public_date_only_of_a_record_never_published() -> None:
    from datetime import UTC, datetime

    end = datetime(2026, 5, 1, tzinfo=UTC)
    fresh = replace(advisory(), published="", modified="")
    assert to_cve_cna(fresh, org_id=CNA_ORG_ID, date_public=end)["datePublic"] == "2026-05-01T00:00:00.000Z"
    assert to_cve_cna(advisory(), org_id=CNA_ORG_ID, date_public=end)["datePublic"] == "2023-10-24T20:56:05.000Z"


@pytest.mark.parametrize("kind", list(ReferenceType))
def test_every_osv_reference_type_survives_a_trip_through_cve(kind: ReferenceType) -> None:
    original = replace(advisory(), references=(Reference(kind, "https://example.org/a"),))
    document = to_cve_record(original, org_id=CNA_ORG_ID, vendors={"pip": "pypa"})
    assert schema_errors(cve_record_validator(), document) == []
    assert bool(REFERENCE_TAGS[kind]) == (kind != ReferenceType.WEB)
    back = from_cve(document, "PSC-2026-0001", PACKAGES, REPOSITORIES)
    assert back.references == original.references


def test_ranges_listed_versions_and_git_ranges_survive_a_trip_through_cve() -> None:
    from triage_tui.advisories.validation import Level, validate

    original = advisory()
    document = to_cve_record(original, org_id=CNA_ORG_ID, short_name="PSF", vendors={"pip": "pypa"})
    back = from_cve(document, "PSC-2026-0001", PACKAGES, REPOSITORIES)
    (pip,) = back.packages
    assert (pip.events, pip.versions, pip.other_ranges) == (
        original.packages[0].events,
        original.packages[0].versions,
        original.packages[0].other_ranges,
    )
    assert (back.published, back.modified, back.other_severity) == (
        original.published,
        original.modified,
        original.other_severity,
    )
    assert [p for p in validate(back, fmt="cve") if p.level == Level.ERROR] == []
    again = to_cve_record(back, org_id=CNA_ORG_ID, short_name="PSF", vendors={"pip": "pypa"})
    assert again == document


def test_a_single_version_is_cves_single_version_entry() -> None:
    single = PackageImpact("pip", "pip", ImpactStatus.AFFECTED, (("introduced", "1.4"), ("last_affected", "1.4")))
    document = to_cve_cna(replace(advisory(), packages=(single,)), org_id=CNA_ORG_ID)
    assert document["affected"][0]["versions"] == [{"version": "1.4", "status": "affected", "versionType": "python"}]
    assert schema_errors(cve_cna_validator(), document) == []


def test_importing_real_cve_records_names_the_configured_package_and_says_what_it_could_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = cli_home(tmp_path, gpg_world)  # pip, uv, setuptools and twine configured, pip's repository pypa/pip
    paths = [str(RECORDS / f"{name}.json") for name in ("CVE-2021-3572", "CVE-2022-40897", "CVE-2024-6345")]
    assert run(["--home", str(home), "import", *paths]) == 0
    captured = capsys.readouterr()
    pip_case, unnamed_case, setuptools_case = captured.out.split()
    assert "warning: 'n/a' names no package; not kept (add the package to the draft)" in captured.err
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", parse_config(home / "config.toml", CONFIG))
    try:
        pip = drafts.load(pip_case)  # Red Hat's `python-pip`, `fixed in python-pip 21.1`
        assert [(p.project, p.name, p.events) for p in pip.matrix] == [
            ("pip", "pip", (("introduced", "0"), ("fixed", "21.1")))
        ]
        assert drafts.load(unnamed_case).advisory.packages == ()
        setuptools = drafts.load(setuptools_case)  # huntr's `pypa/setuptools`, `unspecified` < 70.0
        assert [(p.project, p.events) for p in setuptools.advisory.packages] == [
            ("setuptools", (("introduced", "0"), ("fixed", "70.0")))
        ]
    finally:
        drafts.store.close()


def test_a_time_cve_cannot_hold_is_left_out_and_said() -> None:
    from triage_tui.advisories.left_out import left_out

    # The PyPA database writes year 1 for a modified time it does not know; CVE's pattern takes 1900 to 2999.
    unknown = replace(advisory(), modified="0001-01-01T00:00:00Z")
    document = to_cve_record(unknown, org_id=CNA_ORG_ID, vendors={"pip": "pypa"})
    assert schema_errors(cve_record_validator(), document) == []
    assert "dateUpdated" not in document["cveMetadata"]
    assert "modified" in left_out(unknown, "cve") and "modified" not in left_out(advisory(), "cve")
