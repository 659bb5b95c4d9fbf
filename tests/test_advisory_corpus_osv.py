"""Every record of the committed pypa/advisory-database corpus (tests/data/pypa-advisory-db) comes out of an import
and an OSV export exactly as it went in, also through the stored form, and valid against the official OSV schema
(../shared/schemas, never copied)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from advisory_fixtures import osv_validator as shared_osv_validator
from triage_tui.advisories.importers import parse_document
from triage_tui.advisories.osv import from_osv, to_osv
from triage_tui.advisories.record import Advisory

CORPUS = Path(__file__).parent / "data" / "pypa-advisory-db" / "vulns"
RECORDS = sorted(CORPUS.glob("*/*.yaml"))
EXPORTED_AT = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
"""An export time no record has: a record's own `modified` must come out, never this."""
INVALID_AT_SOURCE = {"PYSEC-2021-371": "a GIT range's fixed commit is written `195caac....patch`"}
"""Records the database itself publishes invalid against the OSV schema: the export keeps them as they are (it does
not guess a repair), so it has the same errors as the source, and no other."""
PACKAGES = {"pip": ("pip",), "setuptools": ("setuptools",)}
"""Two configured projects, so some packages are placed in a project and the rest are not (neither changes OSV)."""


@pytest.fixture(scope="module")
def osv_validator() -> Draft202012Validator:
    return shared_osv_validator()


def _errors(validator: Draft202012Validator, document: Any) -> list[str]:
    return sorted(error.message for error in validator.iter_errors(document))


def _round_trips(path: Path, document: Any, advisory: Advisory, validator: Draft202012Validator) -> None:
    exported = to_osv(advisory, EXPORTED_AT)
    # Compared as parsed documents: OSV gives no meaning to key order or to YAML's quoting and layout, so nothing
    # else is normalised.
    assert exported == document
    if path.stem in INVALID_AT_SOURCE:
        assert _errors(validator, exported) == _errors(validator, document) != []
    else:
        assert _errors(validator, exported) == []


def test_the_corpus_is_there() -> None:
    assert len(RECORDS) == 300


@pytest.mark.parametrize("path", RECORDS, ids=[path.stem for path in RECORDS])
def test_a_real_record_comes_out_of_an_import_and_an_osv_export_unchanged(
    path: Path, osv_validator: Draft202012Validator
) -> None:
    document = parse_document(path.read_bytes())
    advisory = from_osv(document, "PSC-2026-0001", PACKAGES)
    _round_trips(path, document, advisory, osv_validator)
    # Through the stored form too: the store keeps the record as JSON text.
    stored = Advisory.from_json(json.loads(json.dumps(advisory.to_json(), ensure_ascii=False)))
    assert stored == advisory
    _round_trips(path, document, stored, osv_validator)
