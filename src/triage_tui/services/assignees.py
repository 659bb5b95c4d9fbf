"""Provides the rule an assignee is held to: a person's name, or `team:PROJECT` naming a project the store knows."""

from __future__ import annotations

from collections.abc import Sequence

TEAM_PREFIX = "team:"
"""How a project's team is named as an assignee (`team:pip`)."""


def assignee_problem(assignee: str, projects: Sequence[str]) -> str | None:
    """Why `assignee` (trimmed, not empty) cannot be assigned, given the store's `projects`, or None if it can."""
    if not assignee.lower().startswith(TEAM_PREFIX):
        return None  # a person: shown neutralised wherever it appears, whatever was typed
    project = assignee[len(TEAM_PREFIX) :].strip()
    if project in projects:
        return None
    known = ", ".join(f"{TEAM_PREFIX}{p}" for p in projects) or "none (the config lists no projects)"
    if not project:
        return f"team: names no project; the project teams are: {known}"
    return f"{assignee} names no project this workspace knows; the project teams are: {known}"
