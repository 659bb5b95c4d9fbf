"""Provides the plain records the sync hands to the store; importing them costs nothing (no SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from triage_tui.intake.records import IntakeFailure, ParsedMessage


@dataclass(frozen=True)
class IncomingItem:
    """One item from a source with its intake result."""

    source: str
    source_key: str
    result: ParsedMessage | IntakeFailure
    case_id: str | None = None
    """The case the source itself says the item belongs to (an edit of a GitHub advisory: that advisory's case)."""
    own_case: bool = False
    """A report that is a case of its own whatever it names or references (a GitHub advisory, an imported record)."""


@dataclass(frozen=True)
class TeamSenders:
    """Who may add a message to any case by replying to it: the team's mail addresses and signing keys.

    Anyone else's reply joins a case only if they are its reporter; a reply from a stranger is a report of its own.
    """

    addresses: frozenset[str] = frozenset()
    fingerprints: frozenset[str] = frozenset()
    """Keys that speak for the team whenever a mail was sent (the config's, while there is no roster)."""
    windows: Mapping[str, tuple[KeyWindow, ...]] = field(default_factory=dict)
    """Keys that speak for the team only within their windows (the roster's: from, until, revoked since)."""

    def speaks_for_team(self, fingerprint: str, sent_at: datetime | None) -> bool:
        """Whether a good signature by `fingerprint` on a mail sent at `sent_at` is a team member's; a mail that
        says no time counts as sent now (only a key valid with no end yet speaks for it)."""
        if fingerprint in self.fingerprints:
            return True
        return any(window.holds(sent_at) for window in self.windows.get(fingerprint, ()))


@dataclass(frozen=True)
class KeyWindow:
    """When a member's key speaks for them: from `start` until `end` (None: still), UTC."""

    start: datetime
    end: datetime | None = None

    def holds(self, at: datetime | None) -> bool:
        """Whether `at` (None: now) falls within the window."""
        if at is None:
            return self.end is None
        moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class CursorUpdate:
    """A source cursor saved in the same transaction as the items it covers."""

    source: str
    scope: str
    cursor: Mapping[str, Any]


@dataclass(frozen=True)
class GoneItems:
    """Keys a source no longer holds."""

    source: str
    keys: Sequence[str]


@dataclass
class StoreResult:
    """What one batch added."""

    new_cases: list[str] = field(default_factory=list)
    messages: int = 0
    failures: int = 0
    skipped: int = 0
