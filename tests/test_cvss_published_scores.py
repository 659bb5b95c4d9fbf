"""Provides the acceptance test that severity_of reproduces CVSS 3.1 and 4.0 scores published for real CVEs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage_tui.severity import severity_of

DATA = Path(__file__).parent / "data" / "published_cvss_scores.json"
ENTRIES: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))


def _count(prefix: str) -> int:
    return sum(1 for entry in ENTRIES if entry["vector"].startswith(prefix))


def test_the_data_set_covers_both_versions() -> None:
    assert _count("CVSS:3.1/") >= 10
    assert _count("CVSS:4.0/") >= 10
    assert len(ENTRIES) >= 20
    assert len({entry["cve"] for entry in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["cve"] for entry in ENTRIES])
def test_score_and_rating_match_the_published_ones(entry: dict[str, Any]) -> None:
    severity = severity_of(entry["vector"])
    assert severity is not None, f"{entry['vector']} did not parse"
    assert severity.score == entry["score"]
    assert severity.rating.casefold() == entry["severity"].casefold()
