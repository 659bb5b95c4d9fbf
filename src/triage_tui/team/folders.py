"""Plans which folders of the team server this workstation reads and which folders each event goes to: with a
`[team] prefix`, one folder per audience (`{prefix}coordinators`, `{prefix}{project}`); without, the one `folder`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from triage_tui.config import TeamConfig
from triage_tui.team.envelope import TeamRoles

COORDINATORS = "coordinators"
"""The coordinators' folder below the prefix (never a project id, which the roster refuses it as)."""


@dataclass(frozen=True)
class FolderPlan:
    """The team's folders as this workstation (the key `me`) sees them under `roles`."""

    roles: TeamRoles
    me: str
    prefix: str | None
    """None: every event goes to and comes from the one `folder` (the lab's shared-account layout)."""
    folder: str

    @classmethod
    def of(cls, team: TeamConfig, roles: TeamRoles, me: str) -> FolderPlan:
        return cls(roles, me.upper(), team.prefix, team.folder)

    @property
    def per_audience(self) -> bool:
        return self.prefix is not None

    def coordinators_folder(self) -> str:
        return f"{self.prefix}{COORDINATORS}" if self.prefix is not None else self.folder

    def project_folder(self, project: str) -> str:
        return f"{self.prefix}{project}" if self.prefix is not None else self.folder

    def reads(self) -> tuple[str, ...]:
        """The folders this workstation pulls: a coordinator's own and every project's; a maintainer's projects'
        only (the server refuses them the rest, so asking would only fail)."""
        if self.prefix is None:
            return (self.folder,)
        if self.me in self.roles.coordinators:
            return (self.coordinators_folder(), *(self.project_folder(p) for p in sorted(self.roles.maintainers)))
        mine = sorted(p for p, fprs in self.roles.maintainers.items() if self.me in fprs)
        return tuple(self.project_folder(p) for p in mine)

    def delivery_folders(self, readers: Collection[str], projects: Collection[str]) -> tuple[str, ...]:
        """Where an envelope encrypted to `readers` goes: the coordinators' folder if a coordinator reads it, and
        the folder of each of `projects` (the case's, and those the event unlinks) whose maintainers read it."""
        if self.prefix is None:
            return (self.folder,)
        who = set(readers)
        found = [self.coordinators_folder()] if who & self.roles.coordinators else []
        for project in sorted(set(projects)):
            if who & self.roles.maintainers.get(project, frozenset()):
                found.append(self.project_folder(project))
        return tuple(found)

    def every_folder(self, also: Collection[str] = ()) -> tuple[str, ...]:
        """Every folder of the team (roster events go to every member), and those of the projects `also` (a removed
        or revoked member's, who has no place in the roles any more but is told)."""
        if self.prefix is None:
            return (self.folder,)
        projects = sorted({*self.roles.maintainers, *also})
        return (self.coordinators_folder(), *(self.project_folder(p) for p in projects))
