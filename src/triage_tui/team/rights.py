"""The rights rule (issue 17, item 4): what a coordinator and a maintainer may decide, checked on receipt on every
workstation alike and before a maintainer's own decision is recorded."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.team.events import TeamEvent
from triage_tui.team.roles import TeamRoles

CHANGES_RULE = "only coordinators change state, disposition, assignee, embargo, labels, scores, title or duplicates"


def rights_problem(event: TeamEvent, roles: TeamRoles, projects: Iterable[str]) -> str | None:
    """The rights rule (issue 17, item 4) for a case event by its author under `roles`, on a case with `projects`:
    coordinators decide everything; a maintainer sets their own projects' cells and adds notes, nothing else.
    None if the event is within its author's rights, else the rule it breaks."""
    author = event.author
    if author in roles.coordinators:
        return None
    if not roles.may_decide(author, list(projects)):
        return "its author is neither a coordinator nor a maintainer of the case's projects"
    if event.kind == "share":
        return "only a coordinator shares a case"
    if event.key is not None:
        return "only a coordinator accepts a changed key"
    if event.kind == "merge":
        return "only a coordinator merges cases"
    if event.changes:
        return f"a maintainer may not change {', '.join(sorted(event.changes))}: {CHANGES_RULE}"
    foreign = sorted(p for p in event.impacts if author not in roles.maintainers.get(p, frozenset()))
    if foreign:
        return f"a maintainer sets their own projects' cells only: not a maintainer of {', '.join(foreign)}"
    return None
