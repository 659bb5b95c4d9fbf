"""Shared by the advisory tests: validators over the official schemas in ../shared/schemas (never copied into the
project; their README names the validator class and reference registry each needs), and a draft of a stored case."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT7

from triage_tui.advisories.draft import draft_from_case
from triage_tui.advisories.record import Advisory, Consent
from triage_tui.store.connection import reader
from triage_tui.store.matrix_reads import project_packages
from triage_tui.store.queries import get_case

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
CNA_ORG_ID = "f1a2b3c4-0000-4000-8000-0123456789ab"
CVSS_SCHEMAS = {  # the URIs the CSAF schema's $refs name (without FIRST's ?date suffix), and each file's draft
    "https://www.first.org/cvss/cvss-v2.0.json": ("cvss-v2.0.schema.json", DRAFT4),
    "https://www.first.org/cvss/cvss-v3.0.json": ("cvss-v3.0.schema.json", DRAFT4),
    "https://www.first.org/cvss/cvss-v3.1.json": ("cvss-v3.1.schema.json", DRAFT7),
}


def load_schema(name: str) -> Any:
    """One official schema by file name; fails the test, saying where it was looked for, if it is missing."""
    if not SCHEMAS.is_dir():
        pytest.fail(f"the official schemas are expected in {SCHEMAS}: ../shared/schemas beside the checkout")
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@cache
def osv_validator() -> Draft202012Validator:
    schema = load_schema("osv.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@cache
def cve_record_validator() -> Draft7Validator:
    return Draft7Validator(load_schema("cve-record-5.1.1.schema.json"), format_checker=FormatChecker())


@cache
def cve_cna_validator() -> Draft7Validator:
    return Draft7Validator(load_schema("cve-cna-published-container-5.1.1.schema.json"), format_checker=FormatChecker())


@cache
def csaf_validator() -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resources(
        (uri, draft.create_resource(load_schema(name))) for uri, (name, draft) in CVSS_SCHEMAS.items()
    )
    schema = load_schema("csaf-2.0.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def schema_errors(validator: Draft7Validator | Draft202012Validator, document: Any) -> list[str]:
    """Every way `document` breaks the schema, with the path to where."""
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def consented(advisory: Advisory) -> Advisory:
    """`advisory` with every credited person's agreement to be named (only then do formats name them)."""
    return replace(advisory, credits=tuple(replace(c, consent=Consent.ACCEPTED) for c in advisory.credits))


def draft(store: Path, case_id: str) -> Advisory:
    """The first draft of a stored case, as the app makes it."""
    with reader(store) as connection:
        detail = get_case(connection, case_id)
        packages = project_packages(connection)
    assert detail is not None
    return draft_from_case(detail, packages, "Alex Coordinator")
