"""Provides the store's times: how they are stored (naive UTC text, as SQLAlchemy writes them) and read back."""

from __future__ import annotations

from datetime import UTC, datetime

EPOCH = datetime.min.replace(tzinfo=UTC)
"""Stands for a stored time that is missing or unreadable."""


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time from outside (an API, another workstation) as an aware UTC datetime; None if it is not
    one. A time without an offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across midnight into UTC
        return None


def parse_time(value: str | None) -> datetime | None:
    """A stored timestamp (naive UTC text, as SQLAlchemy writes it) as an aware datetime."""
    if not value:
        return None
    try:
        # The stored form has no offset; parsing it with one is 5x faster than adding the zone after (three per
        # row of every page read).
        parsed = datetime.fromisoformat(value + "+00:00")
    except ValueError:  # it had an offset already, or is in another form
        parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stored_time(moment: datetime) -> str:
    """A time in the form the store keeps (naive UTC text, as SQLAlchemy writes it), for comparing in SQL."""
    if moment.tzinfo is not UTC:  # already UTC (most are: a sync stores thousands): written as it stands
        moment = moment.astimezone(UTC)
    # SQLAlchemy's own form (the year always four digits, microseconds always there); isoformat writes it in half
    # the time strftime takes.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")
