"""Bounds on JSON from outside beyond imports (issue 15, item 8): a team event nested deep or holding a 5,000-digit
number is refused with its reason, as any other malformed event, instead of raising out of the team pull."""

from __future__ import annotations

import pytest

from triage_tui.team.events import EventFormatError, decode


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "JSON nested deeper than 64 levels"),
        (b'{"format": ' + b"9" * 5_000 + b"}", "a JSON number of 5000 characters (at most 100)"),
        (b'{"format": NaN}', "not valid JSON"),
    ],
)
def test_a_hostile_team_event_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(EventFormatError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        decode(data)
