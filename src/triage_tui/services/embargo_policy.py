"""Provides the embargo policy as pure functions: lint warnings for an embargo end, and a countdown to it.

The rules: the linux-distros list accepts an embargo of at most 14 days from when it is told; our own target is
disclosure within 90 days of receiving the report; and an embargo end in the past is overdue. All times are aware
datetimes (UTC); a naive one is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

DISTROS_MAX = timedelta(days=14)
"""The longest embargo the linux-distros list accepts, counted from now (when the list would be told)."""
DISCLOSURE_TARGET = timedelta(days=90)
"""Our target from receiving a report to disclosing it."""
EARLIEST_EMBARGO, LATEST_EMBARGO = datetime(2000, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)
"""The span of embargo ends any decision may hold, local or a team event: a real one (an end in the past is kept,
shown overdue), never a typo's year 1 or 9999, and none a stored time cannot hold once converted to UTC."""

EMBARGO_HORIZON = timedelta(days=730)
"""How far ahead a new embargo end may be set: two years. An end further off is a typo (9999-12-31), not a plan; an
embargo that long would break every disclosure policy we follow."""

TIME_FORMAT = "%Y-%m-%d %H:%M"
"""How the embargo end is typed and shown (always UTC)."""


def embargo_out_of_bounds(until: datetime) -> str | None:
    """Why `until` (aware) cannot be an embargo end, or None if it can."""
    # Compared before any conversion to UTC: converting year 1 (or 9999) with an offset overflows.
    if EARLIEST_EMBARGO <= until < LATEST_EMBARGO:
        return None
    typed = f"{until.year:04d}{until:-%m-%d %H:%M}"  # %Y writes year 1 as "1"
    return f"the embargo end {typed} is not between {EARLIEST_EMBARGO.year} and {LATEST_EMBARGO.year}"


def embargo_horizon_problem(until: datetime, now: datetime, received_at: datetime) -> str | None:
    """Why `until` (aware) cannot be a new embargo end decided at `now` for a report received at `received_at`: more
    than two years ahead, or before the report was received (the embargo would end before it began). An end in the
    past after the receipt is kept: it records an embargo that is over, shown overdue."""
    problem = embargo_out_of_bounds(until)
    if problem is not None:
        return problem
    received = received_at if received_at.tzinfo is not None else received_at.replace(tzinfo=UTC)
    typed = until.astimezone(UTC).strftime(TIME_FORMAT)
    limit = now.astimezone(UTC) + EMBARGO_HORIZON
    if until > limit:
        return (
            f"the embargo end {typed} UTC is more than 2 years ahead; "
            f"choose an end on or before {limit.strftime(TIME_FORMAT)} UTC"
        )
    if until < received:
        return (
            f"the embargo end {typed} UTC is before the report was received "
            f"({received.astimezone(UTC).strftime(TIME_FORMAT)} UTC); an embargo cannot end before it began"
        )
    return None


@dataclass(frozen=True)
class Lint:
    """One policy warning about an embargo end."""

    code: Literal["distros-max", "past-target", "past-due"]
    message: str


def _require_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime (UTC), got a naive {value.isoformat()}")


def _span(delta: timedelta) -> str:
    """A positive duration in its two largest units: "12d 4h", "3h 10m", "5m"."""
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _exact(delta: timedelta) -> str:
    """A positive duration to the minute: "14d 0h 1m"."""
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    return f"{days}d {rest // 60}h {rest % 60}m"


def countdown(until: datetime, now: datetime) -> str:
    """Time left until the embargo ends: "12d 4h", "3h 10m", "45m", "due now" (under a minute either side), or
    "overdue 2d" (the largest whole unit) once it has passed.

    Raises:
        ValueError: If either datetime is naive.
    """
    _require_aware(until=until, now=now)
    left = until - now
    if abs(left) < timedelta(minutes=1):
        return "due now"
    if left > timedelta(0):
        return _span(left)
    return "overdue " + _span(-left).split(" ")[0]


def embargo_lint(until: datetime, now: datetime, *, distros: bool = True, received_at: datetime) -> list[Lint]:
    """The policy warnings for an embargo ending at `until`.

    Args:
        until: The embargo end.
        now: The current time.
        distros: Whether the linux-distros list is (to be) told, so its 14-day maximum applies.
        received_at: When the report was received; the 90-day target counts from it.

    Returns:
        The warnings, in the order past due, 14-day maximum, 90-day target; empty when the end is fine. Exactly 14
        days ahead and exactly 90 days after receipt are within policy.

    Raises:
        ValueError: If any datetime is naive.
    """
    _require_aware(until=until, now=now, received_at=received_at)
    lints: list[Lint] = []
    if until <= now:
        late = now - until
        when = "just now" if late < timedelta(minutes=1) else _span(late).split(" ")[0] + " ago"
        lints.append(Lint("past-due", f"past due: the embargo ended {when}"))
    elif distros and until - now > DISTROS_MAX:
        lints.append(
            Lint("distros-max", f"ends in {_exact(until - now)}: the linux-distros list allows at most 14 days")
        )
    target = (received_at + DISCLOSURE_TARGET).astimezone(UTC)
    if until > target:
        lints.append(
            Lint(
                "past-target",
                f"past the 90-day target ({target.strftime('%Y-%m-%d %H:%M')} UTC) by {_span(until - target)}",
            )
        )
    return lints


def parse_utc(text: str) -> datetime:
    """Read `YYYY-MM-DD HH:MM` (or just `YYYY-MM-DD`, midnight) as a UTC time.

    Raises:
        ValueError: If the text is not in that form or not a real date.
    """
    text = " ".join(text.split())
    for form in (TIME_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not a time: {text!r}; type YYYY-MM-DD HH:MM (UTC)")
