"""Tests of the link rule as cases are materialized: a maintainer's cell counts only on a project a coordinator's event
(a cell, or a share naming it) has linked to the case at the cell's place in the total order, whatever order the
events arrive in; a later link never makes an earlier cell count, and an unlink makes later cells ignored again."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.team.convergence import author_roles, converge
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.rights import IGNORED_EVENT_REASON, ignored_cells_reason, ignored_event_reason

COORDINATOR, MAINTAINER = "C" * 40, "M" * 40
CASE = "PSC-2026-0001"


def _cell(status: str) -> dict[str, object]:
    return {"status": status, "ranges": [], "fixed_version": None, "justification": None, "notes": ""}


def _event(author: str, second: int, **parts: object) -> TeamEvent:
    return TeamEvent(CASE, author, Timestamp(1_760_000_000_000 + second * 1000, 0), "impact", **parts)  # type: ignore[arg-type]


def _is_coordinator(event: TeamEvent) -> bool:
    return event.author == COORDINATOR


STORY = {
    "early cell": _event(MAINTAINER, 1, impacts={"pip": _cell("affected")}),
    "link": _event(COORDINATOR, 2, impacts={"pip": _cell("investigating")}),
    "cell": _event(MAINTAINER, 3, impacts={"pip": _cell("fix-in-progress")}),
    "unlink": _event(COORDINATOR, 4, impacts={"pip": None}),
    "late cell": _event(MAINTAINER, 5, impacts={"pip": _cell("affected")}),
}


def test_only_cells_after_a_coordinators_link_and_before_its_unlink_count() -> None:
    (state,) = converge(STORY.values(), roles=author_roles(_is_coordinator)).values()

    assert state.ignored == {
        STORY["early cell"].id: ignored_cells_reason(["pip"]),
        STORY["late cell"].id: ignored_cells_reason(["pip"]),
    }
    assert state.impacts == {"pip": None}  # unlinked, and the late cell did not link it again
    cells = [decision.key for decision in state.decisions if decision.kind == "impact"]
    assert cells == [f"{STORY['link'].id}/pip", f"{STORY['cell'].id}/pip"]


def test_without_the_unlink_the_cell_after_the_link_stands_and_the_earlier_one_stays_ignored() -> None:
    events = [STORY["early cell"], STORY["link"], STORY["cell"]]
    (state,) = converge(events, roles=author_roles(_is_coordinator)).values()

    assert state.impacts["pip"] == _cell("fix-in-progress")
    assert state.cell_set["pip"][0] == MAINTAINER
    assert list(state.ignored) == [STORY["early cell"].id]


def test_a_coordinators_share_naming_the_project_links_it_and_a_maintainers_share_does_not() -> None:
    share = {"title": "t", "reporter": "r", "received_at": None, "projects": ["pip"], "messages": []}
    shared = TeamEvent(CASE, COORDINATOR, Timestamp(1_760_000_000_000, 0), "share", share=share)
    forged = TeamEvent(CASE, MAINTAINER, Timestamp(1_760_000_000_000, 0), "share", share=share)
    cell = STORY["cell"]

    (linked,) = converge([shared, cell], roles=author_roles(_is_coordinator)).values()
    (unlinked,) = converge([forged, cell], roles=author_roles(_is_coordinator)).values()

    assert linked.impacts == {"pip": _cell("fix-in-progress")} and not linked.ignored
    assert unlinked.impacts == {} and list(unlinked.ignored) == [cell.id]


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(list(STORY.values())))
def test_any_arrival_order_gives_the_same_verdicts(order: list[TeamEvent]) -> None:
    expected = converge(STORY.values(), roles=author_roles(_is_coordinator))[CASE].snapshot()
    assert converge(order, roles=author_roles(_is_coordinator))[CASE].snapshot() == expected


def _maintains(event: TeamEvent) -> frozenset[str]:
    return frozenset({"pip"}) if event.author == MAINTAINER else frozenset()


def _note(author: str, second: int, text: str) -> TeamEvent:
    return TeamEvent(CASE, author, Timestamp(1_760_000_000_000 + second * 1000, 0), "note", note=text)


NOTES = {
    "early note": _note(MAINTAINER, 1, "before pip was linked"),
    "link": STORY["link"],
    "note": _note(MAINTAINER, 3, "while pip is linked"),
    "unlink": STORY["unlink"],
    "late note": _note(MAINTAINER, 5, "after pip was unlinked"),
    "late cell": STORY["late cell"],
}


def test_a_maintainers_note_counts_only_while_a_coordinator_has_linked_one_of_their_projects() -> None:
    (state,) = converge(NOTES.values(), roles=author_roles(_is_coordinator, _maintains)).values()

    assert [text for _id, _author, text, _wall in state.notes] == ["while pip is linked"]
    assert state.ignored == {
        NOTES["early note"].id: ignored_event_reason([]),
        NOTES["late note"].id: ignored_event_reason([]),
        NOTES["late cell"].id: ignored_event_reason(["pip"]),
    }
    assert all(reason.startswith(IGNORED_EVENT_REASON) for reason in state.ignored.values())
    assert "pip is not linked to this case by a coordinator" in state.ignored[NOTES["late cell"].id]
    assert sorted(state.applied) == sorted(event.id for event in NOTES.values())  # the ignored ones applied too


def test_without_a_roster_a_maintainers_note_stands_as_before() -> None:
    (state,) = converge(NOTES.values(), roles=author_roles(_is_coordinator)).values()  # projects unknown: not judged

    assert len(state.notes) == 3
    assert state.ignored == {NOTES["late cell"].id: ignored_cells_reason(["pip"])}


def test_a_maintainer_of_another_linked_project_writes_on_it_but_not_cells_of_an_unlinked_one() -> None:
    both = TeamEvent(CASE, MAINTAINER, Timestamp(1_760_000_003_000, 0), "impact",
                     impacts={"pip": _cell("affected")}, note="uv is linked, pip is not")  # fmt: skip
    uv_link = _event(COORDINATOR, 2, impacts={"uv": _cell("investigating")})

    (state,) = converge(
        [uv_link, both], roles=author_roles(_is_coordinator, lambda _e: frozenset({"pip", "uv"}))
    ).values()

    assert [text for _id, _author, text, _wall in state.notes] == ["uv is linked, pip is not"]
    assert state.ignored == {both.id: ignored_cells_reason(["pip"])}


@settings(max_examples=60, deadline=None)
@given(order=st.permutations([*NOTES.values(), STORY["early cell"], STORY["cell"]]))
def test_any_arrival_order_gives_the_same_verdicts_on_notes(order: list[TeamEvent]) -> None:
    events = sorted(order, key=TeamEvent.order_key)
    expected = converge(events, roles=author_roles(_is_coordinator, _maintains))[CASE].snapshot()
    assert converge(order, roles=author_roles(_is_coordinator, _maintains))[CASE].snapshot() == expected
    assert converge(order + order[:3], roles=author_roles(_is_coordinator, _maintains))[CASE].snapshot() == expected
