"""Tests of the three-way merge of a change made on GitHub into a case's advisory draft, without a store or a
server: a field changed only on GitHub is taken, one changed here too is a conflict, a vector GitHub merely
reorders is no change."""

from __future__ import annotations

from dataclasses import replace

from triage_tui.advisories.record import Advisory
from triage_tui.github.draft_merge import FieldConflict, merge_into_draft, printable_changes

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V3_REORDERED = "CVSS:3.1/AC:L/AV:N/PR:N/UI:R/S:U/C:H/I:H/A:H"
SYNCED = Advisory("PSC-2026-0001", "report", details="words", cvss_v3=V3)


def test_a_field_changed_only_on_github_is_taken() -> None:
    merge = merge_into_draft(SYNCED, SYNCED, replace(SYNCED, details="more words"))
    assert merge.draft == replace(SYNCED, details="more words")
    assert printable_changes(merge.changes) == {"advisory details": ["words", "more words"]}
    assert merge.conflicts == []


def test_a_field_changed_here_and_on_github_is_a_conflict_and_kept() -> None:
    mine = replace(SYNCED, summary="pip: path traversal")
    merge = merge_into_draft(mine, SYNCED, replace(SYNCED, summary="theirs"))
    assert merge.conflicts == [FieldConflict("advisory summary", "pip: path traversal", "theirs")]
    assert merge.draft is None and merge.changes == {}


def test_the_same_change_on_both_sides_or_a_reordered_vector_changes_nothing() -> None:
    same = replace(SYNCED, details="agreed")
    assert merge_into_draft(same, SYNCED, same).draft is None
    merge = merge_into_draft(SYNCED, SYNCED, replace(SYNCED, cvss_v3=V3_REORDERED))
    assert merge.draft is None and merge.changes == {} and merge.conflicts == []


def test_without_a_saved_draft_nothing_is_merged() -> None:
    merge = merge_into_draft(None, SYNCED, replace(SYNCED, details="more words"))
    assert merge.draft is None and merge.changes == {} and merge.conflicts == []
