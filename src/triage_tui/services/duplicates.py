"""Provides duplicate-of candidates for a case, ranked in plain Python from the store's signals.

A candidate scores for being named by the case's subjects or replied to by its messages (what a mail says of itself
never threads it, so it is offered here, first), for the same reporter (address or signing key), for sharing a
project, and for title words in common. Cases that are themselves duplicates are left out: a merge must go to the
case they duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage_tui.store.duplicate_reads import (
    CaseBrief,
    briefs,
    case_brief,
    cases_named_by,
    cases_replied_to,
    projects_of,
    same_project,
    same_reporter,
    similar_titles,
    title_words,
)

if TYPE_CHECKING:
    from triage_tui.store.store import Store

NAMED_IN_SUBJECT = "named in its subject"
REPLIES_TO = "replies to its thread"
SAME_REPORTER = "same reporter"
SAME_PROJECT = "same project"
SIMILAR_TITLE = "similar title"

NAMED_WEIGHT = 20.0
"""Above every other signal together: what the report itself points at is the coordinator's first question."""
REPORTER_WEIGHT = 4.0
PROJECT_WEIGHT = 2.0
TITLE_WEIGHT = 6.0
"""Multiplies the title's word overlap (0 to 1), so an identical title outweighs a shared reporter."""
SIMILAR_AT = 0.25
"""Word overlap from which a title counts as similar."""


@dataclass(frozen=True)
class Candidate:
    """A case `case_id` might duplicate, with why."""

    case: CaseBrief
    score: float
    reasons: tuple[str, ...]


def word_overlap(a: set[str], b: set[str]) -> float:
    """Shared words over all words of both titles (Jaccard), 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def duplicate_candidates(store: Store, case_id: str, *, limit: int = 10) -> list[Candidate]:
    """The `limit` best duplicate-of candidates for `case_id`, best first (read in one snapshot, from any thread)."""
    with store.read() as connection:
        case = case_brief(connection, case_id)
        if case is None:
            return []
        reporter = set(same_reporter(connection, case.reporter_email, case.reporter_fingerprint, exclude=case_id))
        projects = same_project(connection, projects_of(connection, case_id), exclude=case_id)
        named = set(cases_named_by(connection, case_id))
        replied = set(cases_replied_to(connection, case_id))
        words = title_words(case.title)
        overlaps: dict[str, float] = {}
        for other_id, other_title in similar_titles(connection, words, exclude=case_id):
            overlap = word_overlap(words, title_words(other_title))
            if overlap >= SIMILAR_AT:
                overlaps[other_id] = overlap
        ids = named | replied | reporter | set(projects) | set(overlaps)
        found = briefs(connection, ids)
    candidates: list[Candidate] = []
    for other_id, brief in found.items():
        if brief.duplicate_of:
            continue
        reasons: list[str] = []
        score = 0.0
        if other_id in named:
            reasons.append(NAMED_IN_SUBJECT)
            score += NAMED_WEIGHT
        if other_id in replied:
            reasons.append(REPLIES_TO)
            score += NAMED_WEIGHT
        if other_id in reporter:
            reasons.append(SAME_REPORTER)
            score += REPORTER_WEIGHT
        if other_id in projects:
            reasons.append(SAME_PROJECT)
            score += PROJECT_WEIGHT
        if other_id in overlaps:
            reasons.append(SIMILAR_TITLE)
            score += TITLE_WEIGHT * overlaps[other_id]
        candidates.append(Candidate(brief, round(score, 3), tuple(reasons)))
    # Best score first; among equals the oldest report, since that is usually the one others duplicate.
    candidates.sort(key=lambda c: (-c.score, c.case.received_at.timestamp() if c.case.received_at else 0.0, c.case.id))
    return candidates[:limit]
