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
    """Errors of the whole source (offline, cancelled) or of one push, as they came."""
    repository_errors: list[tuple[str, str]] = field(default_factory=list)
    """(repository, error) for each repository whose pull failed, the error without the repository's name."""
    repositories: int = 0
    """How many repositories the source lists."""
    seconds: float = 0.0

    def repository_failed(self, repository: str, error: str) -> None:
        """Keep why `repository` could not be pulled (said once with every other repository it also failed)."""
        prefix = f"{repository}: "
        self.repository_errors.append((repository, error.removeprefix(prefix)))

    @property
    def messages(self) -> int:
        """Advisories taken in: new cases and changes to known ones."""
        return self.new_cases + self.updated

    @property
    def error(self) -> str | None:
        """Every distinct error once, in the order they came; None when there was none.

        A refused token fails every repository with the same sentence: it is said once, with how many
        repositories it stopped, not once per repository."""
        shared: dict[str, list[str]] = {}
        for repository, text in self.repository_errors:
            names = shared.setdefault(text, [])
            if repository not in names:
                names.append(repository)
        parts = [_said_once(text, names, self.repositories) for text, names in shared.items()]
        return "; ".join(dict.fromkeys([*parts, *self.errors])) or None

    @property
    def ok(self) -> bool:
        """Whether every repository synced and every push due went out."""
        return self.error is None


NAMED_REPOSITORIES = 3
"""How many repositories an error shared by several names before it only counts the rest."""


def _said_once(text: str, repositories: list[str], total: int) -> str:
    if len(repositories) == 1:
        return f"{repositories[0]}: {text}"
    if len(repositories) == total:
        return f"{text} (all {total} repositories)"
    named = ", ".join(repositories[:NAMED_REPOSITORIES])
    more = len(repositories) - NAMED_REPOSITORIES
    if more > 0:
        named += f" and {more} more"
    return f"{text} ({len(repositories)} repositories: {named})"


@dataclass(frozen=True)
class GithubProgress:
    """How far a sync of a GitHub source has got, told after each list page taken in."""

    source: str
    repositories: int
    changed: int
    """Advisories taken in so far: new cases and changes to known ones."""


GithubProgressCallback = Callable[[GithubProgress], None]
