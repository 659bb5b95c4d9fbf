"""Tests for the advisory record's first fill from a case and its OSV compilation, validated against the official
OSV schema in ../shared/schemas (never copied into the project)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from advisory_fixtures import consented, draft
from advisory_fixtures import osv_validator as shared_osv_validator
from test_matrix_export import CELLS, database  # noqa: F401  (the fixture: a store with cells across projects)
from triage_tui.advisories.osv import to_osv
from triage_tui.advisories.record import (
    Consent,
    Credit,
    CreditRole,
    Reference,
    ReferenceType,
    weakness,
)

MODIFIED = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def osv_validator() -> Draft202012Validator:
    return shared_osv_validator()


def test_a_multi_project_case_compiles_to_valid_osv(database: Path, osv_validator: Draft202012Validator) -> None:  # noqa: F811
    advisory = consented(draft(database, "PSC-2026-0001"))
    # pip is fixed and uv not affected: only pip's package is affected, with the matrix's events.
    assert [(p.project, p.name, p.events) for p in advisory.affected()] == [
        ("pip", "pip", (("introduced", "20.0"), ("fixed", "24.1"), ("introduced", "25.0"), ("fixed", "25.0.1")))
    ]
    advisory = replace(
        advisory,
        details="Extracting a crafted sdist writes outside the build directory.",
        aliases=("CVE-2026-12345",),
        weaknesses=(weakness("CWE-22"),),
        cvss_v3="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
        references=(Reference(ReferenceType.FIX, "https://github.com/pypa/pip/pull/1"),),
    )
    document = to_osv(advisory, MODIFIED)
    errors = sorted(osv_validator.iter_errors(document), key=str)
    assert not errors, [e.message for e in errors]
    assert document["id"] == "x_triage-tui-PSC-2026-0001" and document["modified"] == "2026-06-02T08:00:00Z"
    assert document["affected"][0]["ranges"][0]["events"][-1] == {"fixed": "25.0.1"}
    assert [c["type"] for c in document["credits"]] == ["FINDER", "COORDINATOR"]


def test_every_case_of_the_store_compiles_to_valid_osv(database: Path, osv_validator: Draft202012Validator) -> None:  # noqa: F811
    case_ids = sorted({case_id for case_id, _project in CELLS} | {"PSC-2026-0003", "PSC-2026-0007"})
    for case_id in case_ids:
        document = to_osv(draft(database, case_id), MODIFIED)
        assert not list(osv_validator.iter_errors(document)), case_id


def test_a_declined_credit_is_never_exported(database: Path) -> None:  # noqa: F811
    advisory = draft(database, "PSC-2026-0002")
    declined = Credit("Sam Finder", CreditRole.FINDER, consent=Consent.DECLINED)
    document = to_osv(replace(advisory, credits=(declined, *advisory.credits[1:])), MODIFIED)
    assert all(credit["name"] != "Sam Finder" for credit in document.get("credits", []))
    assert {"name": "Alex Coordinator", "type": "COORDINATOR"} in document["credits"]
