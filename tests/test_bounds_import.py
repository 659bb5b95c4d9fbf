"""Bounds on imported advisory files (issue 15, item 8): deep JSON or YAML and 5,000-digit numbers are refused with a
clear reason each, and the files after them are still imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld
from test_advisory_import import OSV_RECORD, PACKAGES, cli_home
from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.cli import run

DIGITS = "7" * 5000
MAX_DEPTH = 64  # untrusted_json.MAX_DEPTH
MAX_NUMBER_CHARS = 100  # untrusted_json.MAX_NUMBER_CHARS
HOSTILE = {
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep-object.json": '{"a": ' * 2_000 + "1" + "}" * 2_000,
    "deep.yaml": "id: PYSEC-1\nmodified: x\nx: " + "[" * 5_000 + "]" * 5_000 + "\n",
    "digits.json": f'{{"id": "PYSEC-1", "modified": "x", "n": {DIGITS}}}',
    "digits.yaml": f"id: PYSEC-1\nmodified: x\nn: {DIGITS}\n",
}
REASONS = {
    "deep.json": f"JSON nested deeper than {MAX_DEPTH} levels",
    "deep-object.json": f"JSON nested deeper than {MAX_DEPTH} levels",
    "deep.yaml": f"YAML nested deeper than {MAX_DEPTH} levels",
    "digits.json": f"a JSON number of 5000 characters (at most {MAX_NUMBER_CHARS})",
    "digits.yaml": f"YAML number of 5000 characters (at most {MAX_NUMBER_CHARS})",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_deep_or_long_numbered_documents_are_refused(name: str) -> None:
    with pytest.raises(ImportError_, match=REASONS[name].replace("(", r"\(").replace(")", r"\)")):
        to_record(parse_document(HOSTILE[name].encode()), "PSC-2026-0202", PACKAGES)


def test_the_bounds_are_the_ones_in_force() -> None:
    from triage_tui import untrusted_json

    assert (untrusted_json.MAX_DEPTH, untrusted_json.MAX_NUMBER_CHARS) == (MAX_DEPTH, MAX_NUMBER_CHARS)


def test_a_moderately_nested_document_still_parses() -> None:
    nested: object = "leaf"
    for _ in range(MAX_DEPTH - 2):
        nested = [nested]
    document = parse_document(json.dumps({"id": "PYSEC-1", "modified": "x", "database_specific": nested}).encode())
    assert document["id"] == "PYSEC-1"
    assert parse_document(b'{"n": 12345678901234567890}')["n"] == 12345678901234567890


def test_the_files_after_hostile_ones_are_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = cli_home(tmp_path, gpg_world)
    paths = []
    for name, text in [*HOSTILE.items(), ("good.json", json.dumps(OSV_RECORD))]:
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    assert run(["--home", str(home), "import", *paths]) == 1  # some files were refused
    captured = capsys.readouterr()
    assert len(captured.out.split()) == 1  # the good file's case
    for name, reason in REASONS.items():
        assert f"{name}: not imported: {reason}" in captured.err
    assert "Traceback" not in captured.err
