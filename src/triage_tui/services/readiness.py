"""Publication readiness of a case: the checklist that must be all done before its advisories go out together.

Each item says what is missing, per project. Advisory drafts are checked by the advisory work; until a case can
have drafts, that item is `pending`, never `done`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from triage_tui.domain import ImpactStatus
from triage_tui.impact import RANGE_STATUSES, UNSETTLED, ImpactCell


class ItemState(StrEnum):
    """Where one checklist item stands."""

    DONE = "done"
    MISSING = "missing"
    PENDING = "pending"
    """Cannot be checked yet (the advisory drafts)."""


@dataclass(frozen=True)
class ReadinessItem:
    """One line of the checklist: what it asks, whether it holds, and what is missing (per project)."""

    label: str
    state: ItemState
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Readiness:
    """A case's checklist; `ready` only when every item is done."""

    items: tuple[ReadinessItem, ...]

    @property
    def ready(self) -> bool:
        return all(item.state == ItemState.DONE for item in self.items)


NO_PROJECT = "no project is linked to the case yet"
"""What each item about the linked projects says while there are none: a tick there would hold for nothing."""


def _item(label: str, missing: list[str]) -> ReadinessItem:
    return ReadinessItem(label, ItemState.MISSING if missing else ItemState.DONE, tuple(missing))


def readiness(
    projects: Sequence[str],
    cells: Mapping[str, ImpactCell],
    embargo_until: datetime | None,
    drafts: Mapping[str, bool] | None = None,
) -> Readiness:
    """The checklist of a case whose row holds `cells` (by project; a configured project without one is unknown).

    `drafts` maps each project with an advisory draft to whether it validates; None while drafts do not exist.
    """
    row = {project: cells.get(project, ImpactCell()) for project in projects}
    unsettled = [f"{project}: {cell.status}" for project, cell in row.items() if cell.status in UNSETTLED]
    if not row:
        unsettled = [NO_PROJECT]
    affected = [project for project, cell in row.items() if cell.status in RANGE_STATUSES]
    undecided = [
        f"{project}: {row[project].status} without a fixed version"
        for project in affected
        if row[project].status != ImpactStatus.WONT_FIX and not row[project].fixed_version
    ]
    items = [
        _item("every linked project checked", unsettled),
        _item("a fix or a decision for each affected", undecided if row else [NO_PROJECT]),
        _item("embargo end set", [] if embargo_until is not None else ["no embargo end"]),
    ]
    label = "advisory drafts exist and validate"
    if not row:
        items.append(_item(label, [NO_PROJECT]))
    elif drafts is None:
        items.append(ReadinessItem(label, ItemState.PENDING, tuple(f"{p}: drafts not available yet" for p in affected)))
    else:

        def missing(project: str) -> str:
            if not drafts:
                return f"{project}: no advisory draft yet"
            if project not in drafts:
                return f"{project}: not in the draft (ctrl+r adds it)"
            return f"{project}: the draft does not validate"

        problems = [missing(project) for project in affected if not drafts.get(project, False)]
        items.append(_item(label, problems))
    return Readiness(tuple(items))
