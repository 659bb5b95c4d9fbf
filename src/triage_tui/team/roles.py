"""Who may decide what on the team: coordinators on every case, each project's maintainers on that project's cases
(from the roster, or from the config while there is none)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from triage_tui.config import Config


@dataclass(frozen=True)
class TeamRoles:
    """Who may decide what: coordinators on every case, each project's maintainers on the cases of that project
    (fingerprints, upper case)."""

    coordinators: frozenset[str]
    maintainers: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @cached_property
    def members(self) -> frozenset[str]:
        """Everyone holding a role: the coordinators and every project's maintainers."""
        return self.coordinators.union(*self.maintainers.values())

    @cached_property
    def maintained(self) -> Mapping[str, frozenset[str]]:
        """Each maintainer's projects (the inverse of `maintainers`), found once: a sync judges thousands of events."""
        found: dict[str, set[str]] = {}
        for project, members in self.maintainers.items():
            for member in members:
                found.setdefault(member, set()).add(project)
        return {member: frozenset(projects) for member, projects in found.items()}

    def readers(self, projects: Iterable[str]) -> list[str]:
        """Everyone an event of a case with `projects` is encrypted to: the trust boundary of the case."""
        found = set(self.coordinators)
        for project in projects:
            found |= self.maintainers.get(project, frozenset())
        return sorted(found)

    def may_decide(self, author: str, projects: Iterable[str]) -> bool:
        """Whether `author` holds a role on a case with `projects`."""
        if author in self.coordinators:
            return True
        return any(author in self.maintainers.get(project, frozenset()) for project in projects)


def config_roles(config: Config) -> TeamRoles:
    """The coordinators and each project's maintainers, from the config (what decides while there is no roster)."""
    coordinators = frozenset(config.team.coordinators) if config.team else frozenset({config.identity.fingerprint})
    return TeamRoles(
        coordinators=coordinators,
        maintainers={p.id: frozenset(p.maintainers) for p in config.projects.values()},
    )
