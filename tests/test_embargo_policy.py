"""Provides tests of the embargo policy: lint edges (14 days, 90-day target, past due), countdowns, naive times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from triage_tui.services.embargo_policy import countdown, embargo_lint

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
RECEIVED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def codes(until: datetime, *, now: datetime = NOW, received_at: datetime = RECEIVED, distros: bool = True) -> list[str]:
    return [lint.code for lint in embargo_lint(until, now, distros=distros, received_at=received_at)]


class TestDistrosMaximum:
    def test_exactly_14_days_is_within_policy(self) -> None:
        assert codes(NOW + timedelta(days=14)) == []

    def test_14_days_and_a_minute_warns(self) -> None:
        (lint,) = embargo_lint(NOW + timedelta(days=14, minutes=1), NOW, received_at=RECEIVED)
        assert lint.code == "distros-max"
        assert lint.message == "ends in 14d 0h 1m: the linux-distros list allows at most 14 days"

    def test_not_telling_the_distros_list_lifts_the_maximum(self) -> None:
        assert codes(NOW + timedelta(days=30), distros=False) == []


class TestNinetyDayTarget:
    def test_exactly_90_days_after_receipt_is_within_target(self) -> None:
        assert codes(RECEIVED + timedelta(days=90), distros=False) == []

    def test_a_minute_past_the_target_warns(self) -> None:
        (lint,) = embargo_lint(RECEIVED + timedelta(days=90, minutes=1), NOW, distros=False, received_at=RECEIVED)
        assert lint.code == "past-target"
        assert "2026-05-30 10:00 UTC" in lint.message
        assert lint.message.endswith("by 1m")

    def test_both_warnings_together(self) -> None:
        assert codes(RECEIVED + timedelta(days=120)) == ["distros-max", "past-target"]


class TestPastDue:
    def test_an_end_in_the_past_is_past_due(self) -> None:
        (lint,) = embargo_lint(NOW - timedelta(days=2, hours=3), NOW, received_at=RECEIVED)
        assert lint.code == "past-due"
        assert lint.message == "past due: the embargo ended 2d ago"

    def test_an_end_right_now_is_past_due(self) -> None:
        assert codes(NOW) == ["past-due"]
        assert embargo_lint(NOW, NOW, received_at=RECEIVED)[0].message == "past due: the embargo ended just now"

    def test_a_minute_ahead_is_not(self) -> None:
        assert codes(NOW + timedelta(minutes=1)) == []


class TestCountdown:
    @pytest.mark.parametrize(
        ("left", "text"),
        [
            (timedelta(days=12, hours=4, minutes=59), "12d 4h"),
            (timedelta(days=1), "1d 0h"),
            (timedelta(hours=3, minutes=10, seconds=59), "3h 10m"),
            (timedelta(minutes=45), "45m"),
            (timedelta(seconds=30), "due now"),
            (timedelta(0), "due now"),
            (-timedelta(seconds=59), "due now"),
            (-timedelta(minutes=5), "overdue 5m"),
            (-timedelta(hours=7, minutes=30), "overdue 7h"),
            (-timedelta(days=2, hours=23), "overdue 2d"),
        ],
    )
    def test_countdown(self, left: timedelta, text: str) -> None:
        assert countdown(NOW + left, NOW) == text

    def test_other_offsets_are_compared_as_instants(self) -> None:
        tokyo = timezone(timedelta(hours=9))
        assert countdown((NOW + timedelta(hours=2)).astimezone(tokyo), NOW) == "2h 0m"


class TestNaiveTimesRefused:
    def test_lint_refuses_naive_times(self) -> None:
        naive = datetime(2026, 3, 20, 12, 0)
        with pytest.raises(ValueError, match="until must be an aware datetime"):
            embargo_lint(naive, NOW, received_at=RECEIVED)
        with pytest.raises(ValueError, match="now"):
            embargo_lint(NOW, naive, received_at=RECEIVED)
        with pytest.raises(ValueError, match="received_at"):
            embargo_lint(NOW, NOW, received_at=naive)

    def test_countdown_refuses_naive_times(self) -> None:
        with pytest.raises(ValueError):
            countdown(datetime(2026, 3, 20, 12, 0), NOW)
