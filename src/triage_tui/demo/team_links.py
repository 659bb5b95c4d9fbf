"""The team demo's links: which reports the coordinator hands to pip's maintainers, which to uv's and which to both
(each link an impact cell, as a coordinator sets it), so every workstation shows a different part of the team's work."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from triage_tui.demo.matrix import SCENARIOS, scenario_cases
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageError, TriageService
from triage_tui.store.queries import CaseFilter, list_cases

if TYPE_CHECKING:
    from triage_tui.store.store import Store
    from triage_tui.team.sharing import TeamSharer

S = ImpactStatus
PIP, UV = "pip", "uv"
TEAM_PROJECTS = (PIP, UV)
PER_PROJECT = 6
"""Reports linked to one project only, per project: enough to fill a maintainer's inbox, few enough to stay fast."""

SINGLE_CELLS: Mapping[str, tuple[ImpactCell, ...]] = {
    PIP: (
        ImpactCell(S.INVESTIGATING),
        ImpactCell(S.AFFECTED, ranges=(">=23.0,<24.2",)),
        ImpactCell(S.FIX_IN_PROGRESS, ranges=("<24.3",), fixed_version="24.3"),
        ImpactCell(S.NOT_AFFECTED, justification=VexJustification.VULNERABLE_CODE_NOT_PRESENT),
    ),
    UV: (
        ImpactCell(S.INVESTIGATING),
        ImpactCell(S.AFFECTED, ranges=("<0.4.28",)),
        ImpactCell(S.FIXED, ranges=("<0.4.25",), fixed_version="0.4.25"),
        ImpactCell(S.FIX_IN_PROGRESS, ranges=("<0.5.1",), fixed_version="0.5.1"),
    ),
}
"""The cells a report about one project starts with, taken in turn."""

_NAMES = {project: re.compile(rf"(?<![\w.-]){project}(?![\w-])", re.IGNORECASE) for project in TEAM_PROJECTS}


def plan_links(store: Store) -> dict[str, dict[str, ImpactCell]]:
    """case id → the cells to set: the single demo's shared flaws that touch pip and uv (both), then reports whose
    title names pip only or uv only (that project), PER_PROJECT each, oldest first."""
    plan: dict[str, dict[str, ImpactCell]] = {}
    for (_keywords, cells), case_ids in zip(SCENARIOS, scenario_cases(store), strict=True):
        if all(project in cells for project in TEAM_PROJECTS):
            for case_id in case_ids:
                plan.setdefault(case_id, {p: cells[p] for p in TEAM_PROJECTS})
    with store.read() as connection:
        cases = sorted(list_cases(connection, CaseFilter(), limit=None), key=lambda case: case.id)
    for project in TEAM_PROJECTS:
        others = [p for p in TEAM_PROJECTS if p != project]
        named = [
            case.id
            for case in cases
            if case.id not in plan
            and _NAMES[project].search(case.title)
            and not any(_NAMES[other].search(case.title) for other in others)
        ]
        for index, case_id in enumerate(named[:PER_PROJECT]):
            choices = SINGLE_CELLS[project]
            plan[case_id] = {project: choices[index % len(choices)]}
    return plan


def link_cases(
    store: Store, author: str, sharer: TeamSharer | None, plan: Mapping[str, Mapping[str, ImpactCell]]
) -> int:
    """Set the planned cells as `author`'s decisions (team events too, with `sharer`); how many were set."""
    triage = TriageService(store, author, sharer=sharer)
    written = 0
    for case_id, cells in plan.items():
        for project, cell in cells.items():
            try:
                triage.set_impact(case_id, project, cell)
            except TriageError:
                continue  # already so
            written += 1
    return written
