"""Tests for the publication readiness checklist: it turns green only when every item holds, and says what is
missing per project."""

from __future__ import annotations

from datetime import UTC, datetime

from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.services.readiness import ItemState, readiness

S = ImpactStatus
PROJECTS = ["pip", "poetry", "uv"]
EMBARGO = datetime(2026, 7, 1, tzinfo=UTC)
SETTLED = {
    "pip": ImpactCell(S.FIXED, ranges=("<24.1",), fixed_version="24.1"),
    "poetry": ImpactCell(S.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT),
    "uv": ImpactCell(S.WONT_FIX, ranges=("<0.5",)),
}


def states(result: object) -> list[ItemState]:
    return [item.state for item in result.items]  # type: ignore[attr-defined]


def test_a_settled_case_is_ready_once_its_drafts_validate() -> None:
    pending = readiness(PROJECTS, SETTLED, EMBARGO)
    assert states(pending) == [ItemState.DONE, ItemState.DONE, ItemState.DONE, ItemState.PENDING]
    assert not pending.ready  # drafts cannot be checked yet: never shown as ready
    assert pending.items[3].missing == ("pip: drafts not available yet", "uv: drafts not available yet")
    assert readiness(PROJECTS, SETTLED, EMBARGO, drafts={"pip": True, "uv": True}).ready


def test_unknown_and_investigating_cells_are_named() -> None:
    cells = {**SETTLED, "poetry": ImpactCell(S.INVESTIGATING)}
    del cells["uv"]  # never checked
    result = readiness(PROJECTS, cells, EMBARGO)
    assert result.items[0].state == ItemState.MISSING
    assert result.items[0].missing == ("poetry: investigating", "uv: unknown")


def test_affected_projects_need_a_fixed_version_or_a_decision() -> None:
    cells = {**SETTLED, "pip": ImpactCell(S.AFFECTED), "uv": ImpactCell(S.FIX_IN_PROGRESS)}
    result = readiness(PROJECTS, cells, EMBARGO)
    assert result.items[1].missing == (
        "pip: affected without a fixed version",
        "uv: fix-in-progress without a fixed version",
    )
    planned = {**cells, "pip": ImpactCell(S.WONT_FIX), "uv": ImpactCell(S.FIX_IN_PROGRESS, fixed_version="0.5")}
    assert readiness(PROJECTS, planned, EMBARGO).items[1].state == ItemState.DONE


def test_the_embargo_end_must_be_set() -> None:
    result = readiness(PROJECTS, SETTLED, None, drafts={"pip": True, "uv": True})
    assert not result.ready and result.items[2].missing == ("no embargo end",)


def test_missing_or_invalid_drafts_are_named_per_project() -> None:
    result = readiness(PROJECTS, SETTLED, EMBARGO, drafts={"pip": False})
    assert result.items[3].missing == (
        "pip: the draft does not validate",
        "uv: not in the draft (ctrl+r adds it)",
    )
    assert readiness(PROJECTS, SETTLED, EMBARGO, drafts={}).items[3].missing == (
        "pip: no advisory draft yet",
        "uv: no advisory draft yet",
    )


def test_a_case_with_no_project_is_not_ready() -> None:
    result = readiness([], {}, EMBARGO, drafts={})
    assert not result.ready and result.items[0].missing == ("no project is linked to the case yet",)


def test_with_no_project_linked_no_project_item_shows_a_tick() -> None:
    """No linked project: the drafts, the fixes and the checked projects hold for nothing, so none is done; each says
    that no project is linked (drafts known or not)."""
    known: dict[str, bool] = {}
    for drafts in (known, None):
        result = readiness([], {}, EMBARGO, drafts=drafts)
        by_label = {item.label: item for item in result.items}
        for label in (
            "every linked project checked",
            "a fix or a decision for each affected",
            "advisory drafts exist and validate",
        ):
            assert by_label[label].state == ItemState.MISSING, (label, drafts)
            assert by_label[label].missing == ("no project is linked to the case yet",), (label, drafts)
        assert by_label["embargo end set"].state == ItemState.DONE
