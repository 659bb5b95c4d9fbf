"""Tests for malformed record data refused in every format (the record's id, its times, related ids, package names,
git ranges' repositories) and for a package listed in several entries: accepted unless its spans overlap."""

from __future__ import annotations

from dataclasses import replace

import pytest

from test_advisory_gate import FORMATS, database_record, errors_for
from triage_tui.advisories.record import Advisory, PackageImpact, Withdrawal
from triage_tui.advisories.validation import validate
from triage_tui.domain import ImpactStatus

GIT = {"type": "GIT", "events": [{"introduced": "0"}]}


def with_package(advisory: Advisory, **changes: object) -> Advisory:
    return replace(advisory, packages=(replace(advisory.packages[0], **changes),))  # type: ignore[arg-type]


MALFORMED = [
    ("id", replace(database_record(), id="../../x")),
    ("id", replace(database_record(), id="PYSEC-2021-\x00")),
    ("id", replace(database_record(), id="PYSEC-\x1b[2J")),
    ("id", replace(database_record(), id="GHSA-\u202ecba")),
    ("id", replace(database_record(), id="[red]R[/]")),
    ("modified", replace(database_record(), modified="2024-01-01 10:00:00")),
    ("published", replace(database_record(), published="yesterday")),
    ("withdrawn", replace(database_record(), withdrawn=Withdrawal("2024-01-01", "dup"))),
    ("related", replace(database_record(), related=("PYSEC-1\x1b[2J",))),
    ("upstream", replace(database_record(), upstream=("GHSA-\u202e",))),
    ("packages", with_package(database_record(), name="pip[red]x[/]")),
    ("packages", with_package(database_record(), name="dj\x07ango")),
    ("packages", with_package(database_record(), other_ranges=({**GIT, "repo": "https://x/\x1b[2J"},))),
    ("packages", with_package(database_record(), other_ranges=({**GIT, "repo": "file:///etc/passwd"},))),
    ("packages", with_package(database_record(), other_ranges=({**GIT, "repo": "https://x/a b"},))),
]


@pytest.mark.parametrize(("field", "advisory"), MALFORMED)
def test_malformed_data_is_refused_by_every_format(field: str, advisory: Advisory) -> None:
    for fmt in FORMATS:
        found = [p for p in errors_for(advisory, fmt) if p.field == field]
        assert found, fmt
        assert "\x1b" not in found[0].message and "\x00" not in found[0].message


def test_well_formed_ids_times_and_repos_pass() -> None:
    advisory = replace(
        with_package(database_record(), other_ranges=({**GIT, "repo": "https://github.com/django/django"},)),
        id="openSUSE-SU-2024:0001-1",
        published="2024-01-01T10:00:00.123Z",
        modified="2024-01-02T10:00:00Z",
        related=("GHSA-2222-3333-4444",),
    )
    assert [p for p in validate(advisory) if p.field in ("id", "published", "modified", "related", "packages")] == []


def entries(*ranges: tuple[tuple[str, str], ...]) -> tuple[PackageImpact, ...]:
    return tuple(PackageImpact("pip", "pip", ImpactStatus.FIXED, events) for events in ranges)


def test_a_package_in_several_entries_is_accepted_when_its_spans_do_not_overlap() -> None:
    advisory = replace(
        database_record(),
        packages=entries((("introduced", "20.0"), ("fixed", "20.3")), (("introduced", "0"), ("fixed", "19.2"))),
    )
    assert [p for p in validate(advisory) if p.field == "packages" and p.level == "error"] == []
    for fmt in ("osv", "cve-cna", "csaf"):
        assert errors_for(replace(advisory, summary="pip flaw"), fmt) == [], fmt


def test_a_package_in_several_entries_is_refused_when_spans_overlap_across_them() -> None:
    advisory = replace(
        database_record(),
        packages=entries(
            (("introduced", "0"), ("fixed", "19.2")),
            (("introduced", "20.0"), ("fixed", "20.3")),
            (("introduced", "19.0"), ("fixed", "19.5")),  # overlaps the first entry's span, not the second's
        ),
    )
    found = [p.message for p in validate(advisory) if p.field == "packages"]
    assert any("overlaps" in message for message in found)
