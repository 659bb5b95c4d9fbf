"""Who can read a repository advisory before it is published: what the coordinator confirms before a push."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage_tui.store.github_store import advisories_of_case
from triage_tui.store.store import Store
from triage_tui.untrusted import neutralise_line

MAX_READERS_NAMED = 20
"""Collaborators named one by one in a push confirmation; more are counted."""


@dataclass(frozen=True)
class PushTarget:
    """A repository advisory a case's draft would be pushed to, and who can read it on GitHub."""

    repository: str
    ghsa_id: str
    readers: tuple[str, ...]


def readers_of(repository: str, remote: Mapping[str, Any]) -> tuple[str, ...]:
    """Who can read a repository advisory before it is published, as its last synced state says: the repository's
    admins and security managers, whoever reported or opened it, and its collaborators (users and teams). Every
    name comes from GitHub and is neutralised."""
    found = [f"{neutralise_line(repository)}: admins and security managers"]
    author = remote.get("author")
    if isinstance(author, Mapping) and author.get("login"):
        role = "reported it" if remote.get("submission") is not None else "opened it"
        found.append(f"@{neutralise_line(str(author['login']))} ({role})")
    people: list[str] = []
    for user in remote.get("collaborating_users") or []:
        if isinstance(user, Mapping) and user.get("login"):
            people.append(f"@{neutralise_line(str(user['login']))} (collaborator)")
    for team in remote.get("collaborating_teams") or []:
        if isinstance(team, Mapping) and (team.get("slug") or team.get("name")):
            people.append(f"team {neutralise_line(str(team.get('slug') or team.get('name')))} (collaborator)")
    found.extend(people[:MAX_READERS_NAMED])
    if len(people) > MAX_READERS_NAMED:
        found.append(f"{len(people) - MAX_READERS_NAMED} more collaborators")
    return tuple(found)


def push_targets(store: Store, case_id: str) -> list[PushTarget]:
    """The advisories a push of the case's draft would update, each with who can read it: what the coordinator
    confirms before anything is queued."""
    with store.read() as connection:
        targets = advisories_of_case(connection, case_id)
    return [PushTarget(t.repository, t.ghsa_id, readers_of(t.repository, t.remote)) for t in targets]
