"""Shared by the advisory tests: the official schemas from ../shared/schemas (never copied into the project), and
a draft compiled from a store's case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage_tui.advisories.record import Advisory, draft_from_case
from triage_tui.store.connection import reader
from triage_tui.store.matrix_reads import project_packages
from triage_tui.store.queries import get_case

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
CNA_ORG_ID = "f1a2b3c4-0000-4000-8000-0123456789ab"


def load_schema(name: str) -> Any:
    """One official schema by file name; fails the test, saying where it was looked for, if it is missing."""
    if not SCHEMAS.is_dir():
        pytest.fail(f"the official schemas are expected in {SCHEMAS}: ../shared/schemas beside the checkout")
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def draft(store: Path, case_id: str) -> Advisory:
    """The first draft of a stored case, as the app makes it."""
    with reader(store) as connection:
        detail = get_case(connection, case_id)
        packages = project_packages(connection)
    assert detail is not None
    return draft_from_case(detail, packages, "Alex Coordinator")
