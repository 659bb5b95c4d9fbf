"""Tests that the shortcuts applying a team backlog takes give what the plain forms give: a received row's time made
from its second and milliseconds, and the clock bound compared as plain numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.store.queries import stored_time
from triage_tui.team.hlc import Timestamp, latest_acceptable, too_far_ahead
from triage_tui.team.materialize import _written

YEAR_2106_MS = 2**32 * 1000
LAST_MS_OF_9999 = 253_402_300_799_999


@given(st.integers(min_value=0, max_value=YEAR_2106_MS + 1000) | st.integers(min_value=0, max_value=LAST_MS_OF_9999))
def test_a_rows_time_is_what_the_moment_itself_gives(wall_ms: int) -> None:
    assert _written(wall_ms) == stored_time(datetime.fromtimestamp(wall_ms / 1000, UTC))


@given(
    st.integers(min_value=0, max_value=10**16 - 1),
    st.integers(min_value=0, max_value=10**8 - 1),
    st.floats(min_value=0, max_value=4e12, allow_nan=False),
)
def test_the_clock_bound_is_the_latest_acceptable_time(wall_ms: int, counter: int, wall: float) -> None:
    moment = Timestamp(wall_ms, counter)
    near = Timestamp(latest_acceptable(wall).wall_ms + wall_ms % 3 - 1, counter)

    assert too_far_ahead(moment, wall) == (moment > latest_acceptable(wall))
    assert too_far_ahead(near, wall) == (near > latest_acceptable(wall))
