"""What one sync of a GitHub source reports: its tally as it goes, and its progress page by page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class GithubSyncOutcome:
    """What one sync of a GitHub source did; what synced before an error is kept."""

    source: str
    new_cases: int = 0
    updated: int = 0
    """Advisories already here that changed on GitHub."""
    conflicts: int = 0
    failures: int = 0
    """Advisories that could not be taken in, kept as intake failures."""
    pushed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def messages(self) -> int:
        """Advisories taken in: new cases and changes to known ones."""
        return self.new_cases + self.updated

    @property
    def error(self) -> str | None:
        """Every distinct error, in the order they came; None when there was none."""
        return "; ".join(dict.fromkeys(self.errors)) or None

    @property
    def ok(self) -> bool:
        """Whether every repository synced and every push due went out."""
        return self.error is None


@dataclass(frozen=True)
class GithubProgress:
    """How far a sync of a GitHub source has got, told after each list page taken in."""

    source: str
    repositories: int
    changed: int
    """Advisories taken in so far: new cases and changes to known ones."""


GithubProgressCallback = Callable[[GithubProgress], None]
