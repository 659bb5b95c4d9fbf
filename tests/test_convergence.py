"""Tests that team events converge: any permutation and duplication of one event set gives the same case state
(property-based, with hypothesis), with last-writer-wins scalars, merged sets, appended notes and concurrent
changes kept as conflicts; and that events have one canonical form and id."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.team.convergence import CaseState, converge
from triage_tui.team.events import EventFormatError, TeamEvent, decode
from triage_tui.team.hlc import HybridClock, Timestamp

AUTHORS = ["A" * 40, "B" * 40, "C" * 40]
CASES = ["PSC-2026-0001", "PSC-2026-0002"]
STATES = ["new", "triage", "accepted", "fixing"]
LABELS = ["tarfile", "wheel", "ci", "regression"]

timestamps = st.builds(Timestamp, st.integers(1_700_000_000_000, 1_700_000_000_050), st.integers(0, 3))
label_sets = st.lists(st.sampled_from(LABELS), unique=True, max_size=3)
events = st.builds(
    TeamEvent,
    case_id=st.sampled_from(CASES),
    author=st.sampled_from(AUTHORS),
    at=timestamps,
    kind=st.sampled_from(["state", "labels", "impact", "note", "assign"]),
    changes=st.one_of(
        st.just({}),
        st.builds(lambda old, new: {"state": (old, new)}, st.sampled_from(STATES), st.sampled_from(STATES)),
        st.builds(lambda old, new: {"labels": (old, new)}, label_sets, label_sets),
        st.builds(lambda new: {"assignee": (None, new)}, st.sampled_from(["alex", "sam", "team:pip"])),
    ),
    impacts=st.one_of(
        st.just({}),
        st.builds(
            lambda project, cell: {project: cell},
            st.sampled_from(["pip", "uv"]),
            st.sampled_from(
                [
                    {"status": "affected"},
                    {"status": "fixed", "fixed_version": "24.1"},
                    {"status": "not-affected", "justification": "component_not_present"},
                ]
            ),
        ),
    ),
    note=st.one_of(st.none(), st.text(max_size=20)),
)


def snapshots(states: Mapping[str, CaseState]) -> dict[str, dict[str, Any]]:
    return {case: state.snapshot() for case, state in sorted(states.items())}


@settings(max_examples=300, deadline=None)
@given(st.lists(events, min_size=1, max_size=25), st.randoms(use_true_random=False), st.data())
def test_any_order_and_duplication_of_the_same_events_gives_the_same_state(batch, rng, data) -> None:  # type: ignore[no-untyped-def]
    expected = snapshots(converge(batch))
    shuffled = list(batch)
    rng.shuffle(shuffled)
    duplicated = shuffled + data.draw(st.lists(st.sampled_from(batch), max_size=10))
    rng.shuffle(duplicated)
    assert snapshots(converge(duplicated)) == expected
    # Two workstations that each received half first, then the other half, agree too.
    half = len(duplicated) // 2
    assert snapshots(converge(duplicated[half:] + duplicated[:half])) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(events, min_size=1, max_size=20))
def test_every_event_round_trips_through_its_canonical_bytes(batch) -> None:  # type: ignore[no-untyped-def]
    for event in batch:
        again = decode(event.encode())
        assert again == event and again.id == event.id


def at(ms: int, counter: int = 0) -> Timestamp:
    return Timestamp(1_700_000_000_000 + ms, counter)


def test_the_last_writer_wins_and_a_concurrent_change_is_a_conflict() -> None:
    first = TeamEvent("PSC-2026-0001", AUTHORS[0], at(1), "state", {"state": ("new", "triage")})
    # B had not seen A's change: from "new" too, to another value.
    second = TeamEvent("PSC-2026-0001", AUTHORS[1], at(2), "state", {"state": ("new", "accepted")})
    (state,) = converge([second, first]).values()
    assert state.fields["state"] == "accepted"
    (conflict,) = state.conflicts
    assert (conflict.field, conflict.kept, conflict.overwritten) == ("state", "accepted", "triage")
    # C saw B's change: no conflict.
    third = TeamEvent("PSC-2026-0001", AUTHORS[2], at(3), "state", {"state": ("accepted", "fixing")})
    (state,) = converge([third, first, second]).values()
    assert state.fields["state"] == "fixing" and len(state.conflicts) == 1


def test_concurrent_label_additions_both_stay_and_notes_append_in_order() -> None:
    base = TeamEvent("PSC-2026-0001", AUTHORS[0], at(1), "labels", {"labels": ([], ["tarfile"])})
    pip = TeamEvent("PSC-2026-0001", AUTHORS[1], at(5), "labels", {"labels": (["tarfile"], ["tarfile", "wheel"])})
    uv = TeamEvent("PSC-2026-0001", AUTHORS[2], at(5), "labels", {"labels": (["tarfile"], ["tarfile", "ci"])})
    late_note = TeamEvent("PSC-2026-0001", AUTHORS[0], at(9), "note", note="second")
    early_note = TeamEvent("PSC-2026-0001", AUTHORS[1], at(3), "note", note="first")
    (state,) = converge([late_note, uv, pip, early_note, base]).values()
    assert state.sets["labels"] == {"tarfile", "wheel", "ci"}
    assert [text for _id, _author, text, _at in state.notes] == ["first", "second"]


def test_the_clock_never_goes_back_and_comes_after_what_it_saw() -> None:
    wall = [1000.0]
    clock = HybridClock(lambda: wall[0])
    first = clock.now()
    wall[0] = 999.0  # the laptop's clock jumped back
    second = clock.now()
    assert second > first
    clock.observe(Timestamp(5_000_000, 7))  # an event from a workstation whose clock runs ahead
    assert clock.now() > Timestamp(5_000_000, 7)
    assert Timestamp.parse(first.text()) == first


def _event_bytes(**fields: object) -> bytes:
    """Canonical bytes of an event of valid author, case, time and kind, with `fields` added or replaced."""
    body: dict[str, object] = {
        "at": "0001700000000001-00000000",
        "author": "A" * 40,
        "case": "PSC-2026-0001",
        "kind": "state",
    }
    body.update(fields)
    body["format"] = "triage-tui-event/1"
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "not JSON"),
        (b"[]", "not a triage-tui-event/1 event"),
        (b'{"format": "triage-tui-event/1"}', "'case' is a required property"),
        (_event_bytes(at="x"), "at: 'x' does not match"),
        (_event_bytes(author="A"), "author: 'A' does not match"),
        (_event_bytes(case="PSC-99999999999999999999-1"), "case: .* does not match"),
        (_event_bytes(changes={"secret": [1, 2]}), "'secret' was unexpected"),
        # A case named by its report is the event's ref again; an earlier version's Message-ID form never names one.
        (_event_bytes(case="hash:" + "a" * 64), "is the event's ref too"),
        (_event_bytes(case="hash:" + "a" * 64, ref="hash:" + "b" * 64), "is the event's ref too"),
        (_event_bytes(case="mid:<x@example.org>", ref="mid:<x@example.org>"), "case: .* does not match"),
        (_event_bytes().replace(b"{", b"{ ", 1), "not in canonical form"),
        (_event_bytes(changes={"state": ["new", "pwned"]}), "changes.state.1: 'pwned' is not one of"),
        # Values that once passed decoding and then failed when applied, stopping every later sync.
        (_event_bytes(changes={"state": ["new", None]}), "changes.state.1: None is not one of"),
        (_event_bytes(changes={"title": ["t", None]}), "changes.title.1: None is not of type 'string'"),
        (_event_bytes(changes={"labels": [[], None]}), "changes.labels.1: None is not of type 'array'"),
        (_event_bytes(changes={"assignee": [None, 5]}), "changes.assignee.1"),
        (_event_bytes(changes={"duplicate_of": [None, "x"]}), "changes.duplicate_of.1"),
        (_event_bytes(changes={"cvss_vector": [None, "\x1b]52;c;cHduZWQ=\x07"]}), "changes.cvss_vector.1"),
        (_event_bytes(kind="embargo", changes={"embargo_until": [None, "soon"]}), "not a date and time"),
        (
            _event_bytes(kind="embargo", changes={"embargo_until": [None, "0001-01-01T00:00:00+05:00"]}),
            "is not between 2000 and 9000",
        ),
        (_event_bytes(note="x" * (300 * 1024)), "bytes; an event is at most"),
        (_event_bytes(kind="impact", impacts={"pip": {"ranges": 5, "status": "affected"}}), "impacts.pip"),
        (_event_bytes(kind="impact", impacts={"pip": {"status": None}}), "impacts.pip"),
        (_event_bytes(kind="share", share={"title": "t", "messages": [{"body": 5}]}), "share.messages.0.body"),
    ],
)
def test_bytes_that_are_not_an_event_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(EventFormatError, match=message):
        decode(data)


def test_ids_differ_when_anything_differs() -> None:
    base = TeamEvent("PSC-2026-0001", AUTHORS[0], at(1), "state", {"state": ("new", "triage")})
    rng = random.Random(1)
    variants = {
        TeamEvent("PSC-2026-0002", base.author, base.at, base.kind, base.changes).id,
        TeamEvent(base.case_id, AUTHORS[1], base.at, base.kind, base.changes).id,
        TeamEvent(base.case_id, base.author, at(2), base.kind, base.changes).id,
        TeamEvent(base.case_id, base.author, base.at, base.kind, {"state": ("new", rng.choice(["accepted"]))}).id,
    }
    assert base.id not in variants and len(variants) == 4


@pytest.mark.parametrize("ref", ["ghsa:GHSA-abcd-efgh-ijkl", "hash:" + "0" * 64, "mid:<1@example.org>"])
def test_every_form_of_a_report_reference_round_trips(ref: str) -> None:
    """Every form a workstation writes (a GitHub advisory's case names its GHSA id) is one every reader accepts."""
    event = TeamEvent("PSC-2026-0001", "A" * 40, Timestamp(1), "state", {"state": ("new", "triage")}, ref=ref)
    assert decode(event.encode()) == event


def test_an_event_naming_its_case_by_its_report_alone_decodes_as_that_report() -> None:
    ref = "hash:" + "c" * 64
    event = decode(_event_bytes(case=ref, ref=ref))
    assert (event.case_id, event.ref) == (ref, ref)
