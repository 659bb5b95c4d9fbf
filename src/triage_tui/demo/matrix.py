"""Fills the demo's impact matrix the way a few weeks of coordination would: some reports span three or four
projects, each project at its own stage (fixed, fixing, affected, not affected with a reason, still unknown)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageError, TriageService
from triage_tui.store.queries import CaseFilter, list_cases

if TYPE_CHECKING:
    from triage_tui.store.store import Store

S = ImpactStatus
V = VexJustification

SCENARIOS: tuple[tuple[tuple[str, ...], dict[str, ImpactCell]], ...] = (
    (
        ("wheel extraction", "'../'"),  # a wheel-unpacking flaw shared by the installers
        {
            "pip": ImpactCell(S.FIXED, ranges=(">=20.0,<24.1",), fixed_version="24.1", notes="no backport to 23.x"),
            "uv": ImpactCell(S.FIX_IN_PROGRESS, ranges=("<0.4.30",), fixed_version="0.4.30"),
            "poetry": ImpactCell(S.AFFECTED, ranges=(">=1.2,<1.8.4",)),
            "pdm": ImpactCell(S.INVESTIGATING, notes="uses installer's unpacker; checking the pinned version"),
        },
    ),
    (
        ("symlink", "tarfile"),  # a tarfile member escaping the build directory
        {
            "setuptools": ImpactCell(S.FIXED, ranges=("<75.1",), fixed_version="75.1"),
            "pip": ImpactCell(S.NOT_AFFECTED, justification=V.NOT_IN_EXECUTE_PATH, notes="pip extracts with a filter"),
            "conda": ImpactCell(S.INVESTIGATING),
            "uv": ImpactCell(S.FIXED, ranges=("~=0.3.0",), fixed_version="0.4.0"),
        },
    ),
    (
        ("credentials", "netrc"),  # a secret logged in verbose output
        {
            "twine": ImpactCell(S.FIXED, ranges=(">=4.0,<5.1.1",), fixed_version="5.1.1"),
            "pip": ImpactCell(S.NOT_AFFECTED, justification=V.VULNERABLE_CODE_NOT_PRESENT),
            "hatch": ImpactCell(S.AFFECTED, ranges=("<1.12.1",)),
            "pdm": ImpactCell(S.WONT_FIX, ranges=("<=2.18",), notes="publish command deprecated; documented instead"),
        },
    ),
    (
        ("extra-index-url", "shadow an internal"),  # dependency confusion through an extra index
        {
            "pip": ImpactCell(S.WONT_FIX, notes="documented behaviour; --index-url guidance published"),
            "uv": ImpactCell(
                S.NOT_AFFECTED, justification=V.INLINE_MITIGATIONS_ALREADY_EXIST, notes="first-index strategy default"
            ),
            "poetry": ImpactCell(S.FIX_IN_PROGRESS, ranges=("<2.0",)),
        },
    ),
    (
        ("zip-slip", "absolute paths in zip"),  # zip members written outside the target
        {
            "setuptools": ImpactCell(S.AFFECTED, ranges=(">=64,<74.0",)),
            "hatch": ImpactCell(S.NOT_AFFECTED, justification=V.CANNOT_BE_CONTROLLED_BY_ADVERSARY),
            "pip": ImpactCell(S.INVESTIGATING),
        },
    ),
)
"""(title keywords, cells): the newest reports whose titles name the flaw get the cells; a project the workspace
does not configure is skipped."""
PER_SCENARIO = 2
"""Reports each scenario is applied to, so the matrix has rows in every stage among plain new reports."""


def scenario_cases(store: Store) -> list[list[str]]:
    """For each scenario, the ids of the newest reports about its flaw it applies to (newest first)."""
    with store.read() as connection:
        cases = [(case.id, case.title.lower()) for case in list_cases(connection, CaseFilter(), limit=None)]
    return [
        [case_id for case_id, title in cases if any(word in title for word in keywords)][:PER_SCENARIO]
        for keywords, _cells in SCENARIOS
    ]


def fill_demo_matrix(store: Store, author: str, projects: Sequence[str]) -> int:
    """Apply each scenario to the newest reports about its flaw, as `author`'s events; how many cells were set."""
    triage = TriageService(store, author)
    configured = set(projects)
    written = 0
    for (_keywords, cells), case_ids in zip(SCENARIOS, scenario_cases(store), strict=True):
        for case_id in case_ids:
            for project, cell in cells.items():
                if project not in configured:
                    continue
                try:
                    triage.set_impact(case_id, project, cell)
                except TriageError:
                    continue  # already so (a second fill of the same store)
                written += 1
    return written
