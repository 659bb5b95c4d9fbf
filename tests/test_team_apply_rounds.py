"""Tests of what keeps taking in team events fast under the roster without changing any answer: a case's state
carried over from one round to the next (`case_states`) is what replaying all its events gives, whatever order
and rounds they came in and whichever events stopped applying meanwhile; an event's bytes are checked against the
schema once per process, and bytes that are not an event are refused every time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_convergence import events, snapshots
from triage_tui.team import event_schema
from triage_tui.team import events as event_module
from triage_tui.team.case_states import Head, case_states
from triage_tui.team.convergence import CaseState, converge
from triage_tui.team.events import EventFormatError, TeamEvent, decode, decode_kept
from triage_tui.team.hlc import Timestamp


def states_of(applied: Sequence[TeamEvent]) -> dict[str, CaseState]:
    """`case_states` over the applied events, grouped by case as the store gives them."""
    heads: dict[str, list[Head]] = {}
    for event in applied:
        heads.setdefault(event.case_id, []).append(Head(event.at.text(), event.author, event.id))
    by_id = {event.id: event for event in applied}
    return case_states(heads, lambda ids: {i: by_id[i] for i in ids})


@settings(max_examples=300, deadline=None)
@given(st.lists(events, min_size=1, max_size=30), st.data())
def test_a_state_carried_over_rounds_is_the_state_of_all_its_events(batch: list[TeamEvent], data: Any) -> None:
    rounds = data.draw(st.lists(st.integers(1, 8), min_size=1, max_size=6))
    applied: list[TeamEvent] = []
    handed_out: list[tuple[dict[str, CaseState], dict[str, dict[str, Any]]]] = []
    start = 0
    for size in rounds:
        applied += batch[start : start + size]
        start += size
        if applied and data.draw(st.booleans()):  # an event taken back (refused once the roster changed)
            applied.remove(data.draw(st.sampled_from(applied)))
        states = states_of(applied)
        assert snapshots(states) == snapshots(converge(applied))
        handed_out.append((states, snapshots(states)))
    for states, seen in handed_out:  # a later round never changed a state handed out before
        assert snapshots(states) == seen


def test_an_event_older_than_the_remembered_state_is_replayed_in_its_place() -> None:
    author, case = "A" * 40, "PSC-2026-0099"
    late = TeamEvent(case, author, Timestamp(1_700_000_000_010, 0), "state", {"state": ("new", "fixing")})
    early = TeamEvent(case, author, Timestamp(1_700_000_000_005, 0), "state", {"state": ("new", "triage")})
    assert states_of([late])[case].fields["state"] == "fixing"
    both = states_of([late, early])[case]  # the early one came second: it applies first, the late one stands
    assert both.fields["state"] == "fixing" and both.applied == [early.id, late.id]
    assert snapshots({case: both}) == snapshots(converge([early, late]))


def test_an_events_bytes_are_checked_against_the_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[object] = []

    def counted(body: object) -> str | None:
        checked.append(body)
        return event_schema.schema_problem(body)

    monkeypatch.setattr(event_module, "schema_problem", counted)
    event = TeamEvent("PSC-2026-0001", "A" * 40, Timestamp(1_700_000_000_001, 7), "note", note="checked once")
    first, second = decode(event.encode()), decode(event.encode())
    assert first == second == event and len(checked) == 1


def test_bytes_that_are_not_an_event_are_refused_every_time_and_never_remembered() -> None:
    event = TeamEvent("PSC-2026-0001", "A" * 40, Timestamp(1_700_000_000_001, 8), "note", note="canonical")
    assert decode(event.encode()) == event
    spaced = event.encode().replace(b'"kind":', b'"kind": ')  # the same event, not in its canonical form
    bad_author = event.encode().replace(b"A" * 40, b"a" * 40)
    for data in (spaced, bad_author, spaced, bad_author):
        with pytest.raises(EventFormatError):
            decode(data)


def test_the_decoded_events_kept_stay_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_module, "DECODED_MEMO_BYTES", 4096)
    for n in range(40):
        decode(
            TeamEvent("PSC-2026-0001", "B" * 40, Timestamp(1_700_000_000_100 + n, 0), "note", note="x" * 200).encode()
        )
    assert event_module._decoded_bytes <= 4096
    assert sum(len(key) for key in event_module._decoded) == event_module._decoded_bytes


def test_an_event_decoded_as_kept_is_never_handed_out_unchecked() -> None:
    # Bytes the schema refuses (a lower-case author) that still build an event: read back as kept by this store,
    # they decode (their checks were made when they came); decoded from outside, they are refused, before and
    # after, so the memo shared by both never lets the unchecked form through.
    event = TeamEvent("PSC-2026-0001", "A" * 40, Timestamp(1_700_000_000_001, 9), "note", note="kept")
    lowered = event.encode().replace(b"A" * 40, b"a" * 40)
    with pytest.raises(EventFormatError):
        decode(lowered)
    kept = decode_kept(lowered)
    assert kept.author == "a" * 40 and kept.id == hashlib.sha256(lowered).hexdigest()
    with pytest.raises(EventFormatError):
        decode(lowered)
    assert decode_kept(event.encode()) == decode(event.encode()) == event
