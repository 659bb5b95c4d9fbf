"""Tests that the demo's advisory drafts (multi-project cases, filled from the demo matrix) compile to every format
and that each validates against its official schema in ../shared/schemas and passes the product's own checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from advisory_fixtures import csaf_validator, cve_cna_validator, cve_record_validator, osv_validator, schema_errors
from csaf_reference import AddDocument, csaf_reference, csaf_reference_batch, failed_tests, reference_failures  # noqa: F401  (the fixtures: the reference validator)
from test_demo_matrix import DEMO_PROJECTS, TITLES
from triage_tui.advisories.csaf_checks import csaf_problems, csaf_warnings
from triage_tui.advisories.format_names import FORMATS
from triage_tui.advisories.validation import Level
from triage_tui.config import parse_config
from triage_tui.demo.advisories import DRAFTS, fill_demo_advisories
from triage_tui.demo.config_writer import demo_cna_id
from triage_tui.demo.matrix import fill_demo_matrix
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.store.batches import IncomingItem
from triage_tui.store.ingest import store_batch
from triage_tui.store.store import Store
from ui_fixtures import BASE, message

REPOSITORIES = {"pip": "pypa", "uv": "astral-sh", "poetry": "python-poetry", "pdm": "pdm-project"}
CONFIG = f"""
[identity]
name = "Packaging Security Team"
email = "security@packaging-security.example"
fingerprint = "{"A" * 40}"

[advisories]
cna_org_id = "{demo_cna_id("security@packaging-security.example")}"
""" + "".join(
    f'\n[projects.{p}]\nname = "{p}"\npackages = {json.dumps([f"conda:{p}"] if p == "conda" else [p])}\n'
    f'repository = "{REPOSITORIES.get(p, "pypa")}/{p}"\n'
    for p in DEMO_PROJECTS
)
SCHEMA_VALIDATORS: dict[str, Callable[[], Draft7Validator | Draft202012Validator]] = {
    "osv": osv_validator,
    "cve": cve_record_validator,
    "cve-cna": cve_cna_validator,
    "csaf": csaf_validator,
}


@pytest.fixture(scope="module")
def demo_drafts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdvisoryDrafts]:
    folder = tmp_path_factory.mktemp("demo")
    config = parse_config(folder / "config.toml", CONFIG)
    database = folder / "triage.db"
    store = Store(database)
    store.sync_projects(config.projects.values())
    messages = [message(n, f"pip: {TITLES[n % len(TITLES)]}", date=BASE + timedelta(hours=n)) for n in range(1, 31)]
    store_batch(store, [IncomingItem("t", str(i), m) for i, m in enumerate(messages)], list(config.projects.values()))
    store.close()
    fill_demo_matrix(Store(database), config.identity.email, list(config.projects))
    assert fill_demo_advisories(Store(database), config) == len(DRAFTS)
    drafts = AdvisoryDrafts(Store(database), config.identity.email, config)
    yield drafts
    drafts.store.close()


def saved_case_ids(drafts: AdvisoryDrafts) -> list[str]:
    with drafts.store.read() as connection:
        return [row[0] for row in connection.execute("SELECT case_id FROM advisories ORDER BY case_id")]


def test_every_demo_draft_compiles_to_every_format_within_its_official_schema(
    demo_drafts: AdvisoryDrafts,
    csaf_reference: AddDocument,  # noqa: F811
) -> None:
    case_ids = saved_case_ids(demo_drafts)
    assert len(case_ids) == len(DRAFTS)
    for case_id in case_ids:
        draft = demo_drafts.load(case_id)
        projects = {p.project for p in draft.advisory.affected()}
        assert len({p.project for p in draft.advisory.packages}) >= 3, case_id  # each spans several projects
        assert projects, case_id
        # The full CVE record needs an id: as the CNA would assign one.
        numbered = replace(draft, advisory=replace(draft.advisory, aliases=("CVE-2026-41000",)))
        assert [p for p in demo_drafts.problems(numbered) if p.level == Level.ERROR] == [], case_id
        for fmt in FORMATS:
            compiled = demo_drafts.compile(numbered, fmt)
            assert [p for p in compiled.problems if p.level == Level.ERROR] == [], (case_id, fmt)
            if fmt in SCHEMA_VALIDATORS:
                document = json.loads(compiled.text)
                assert schema_errors(SCHEMA_VALIDATORS[fmt](), document) == [], (case_id, fmt)
        csaf = csaf_reference(json.loads(demo_drafts.compile(numbered, "csaf").text))
        assert csaf["vulnerabilities"][0]["scores"], case_id  # the CVSS registry was exercised


def test_a_first_fill_of_every_matrix_case_compiles_within_the_schemas(demo_drafts: AdvisoryDrafts) -> None:
    """Drafts nobody has worked on yet are incomplete (validation says what is missing) but never malformed."""
    with demo_drafts.store.read() as connection:
        case_ids = [row[0] for row in connection.execute("SELECT DISTINCT case_id FROM impacts ORDER BY case_id")]
    assert len(case_ids) >= 8
    csaf_documents = []
    for case_id in case_ids:
        draft = demo_drafts.load(case_id)
        for fmt, validator in (("osv", osv_validator), ("csaf", csaf_validator)):
            document = json.loads(demo_drafts.compile(draft, fmt).text)
            assert schema_errors(validator(), document) == [], (case_id, fmt)
        csaf_documents.append(document)
    # What the reference validator finds missing, the product's own checks (which run without Node) say too.
    for case_id, document, failures in zip(case_ids, csaf_documents, reference_failures(csaf_documents), strict=True):
        theirs = failed_tests(failures)
        ours = {problem.split(":", 1)[0] for problem in csaf_problems(document) + csaf_warnings(document)}
        assert theirs == ours, (case_id, failures)
