"""Tests for duplicate-of candidate ranking: same reporter, same project and similar titles, best first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from triage_tui.services.duplicates import (
    SAME_PROJECT,
    SAME_REPORTER,
    SIMILAR_TITLE,
    duplicate_candidates,
    word_overlap,
)
from triage_tui.services.triage import TriageService
from triage_tui.store.duplicate_reads import title_words
from triage_tui.store.store import Store
from ui_fixtures import BASE, FROZEN_NOW, message, seeded_store, small_inbox


def store(tmp_path: Path) -> Path:
    extra = [
        message(
            20,
            "pip: path traversal when extracting sdist tarfile",
            sender=("Other Person", "other@example.com"),
            date=BASE + timedelta(days=7),
        ),
        message(21, "twine: unrelated upload problem", sender=("Dana Reporter", "dana@example.net"), date=BASE),
    ]
    return seeded_store(tmp_path / "triage.db", small_inbox() + extra)


def test_title_words_and_overlap() -> None:
    assert title_words("Re: pip: path traversal in the tarfile") == {"pip", "path", "traversal", "tarfile"}
    assert word_overlap({"a", "b"}, {"b", "c"}) == 1 / 3
    assert word_overlap(set(), {"a"}) == 0.0


def test_ranks_similar_title_same_project_first(tmp_path: Path) -> None:
    database = store(tmp_path)
    candidates = duplicate_candidates(Store(database), "PSC-2026-0007")
    assert candidates[0].case.id == "PSC-2026-0001"
    assert set(candidates[0].reasons) == {SAME_PROJECT, SIMILAR_TITLE}
    assert all(c.case.id != "PSC-2026-0007" for c in candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


def test_same_reporter_by_address(tmp_path: Path) -> None:
    database = store(tmp_path)
    by_id = {c.case.id: c for c in duplicate_candidates(Store(database), "PSC-2026-0008")}
    assert SAME_REPORTER in by_id["PSC-2026-0001"].reasons
    assert SAME_PROJECT not in by_id["PSC-2026-0001"].reasons


def test_duplicates_are_not_candidates_and_limit(tmp_path: Path) -> None:
    database = store(tmp_path)
    TriageService(Store(database), "alex", clock=lambda: FROZEN_NOW).mark_duplicate("PSC-2026-0005", "PSC-2026-0001")
    ids = [c.case.id for c in duplicate_candidates(Store(database), "PSC-2026-0007")]
    assert "PSC-2026-0005" not in ids
    assert len(duplicate_candidates(Store(database), "PSC-2026-0007", limit=2)) == 2
    assert duplicate_candidates(Store(database), "PSC-2099-0001") == []
