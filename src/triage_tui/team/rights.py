"""The rights rule (issue 17, item 4): what a coordinator and a maintainer may decide, checked on receipt on every
workstation alike and before a maintainer's own decision is recorded."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.team.events import TeamEvent
from triage_tui.team.roles import TeamRoles

CHANGES_RULE = "only coordinators change state, disposition, assignee, embargo, labels, scores, title or duplicates"
LINKS_RULE = "only coordinators link or unlink projects"
MERGE_RULE = "only a coordinator merges cases"
NO_ROLE_RULE = "its author is neither a coordinator nor a maintainer"
LINKED_RULE = "a maintainer's cell counts only on a case a coordinator linked to that project"
"""Why a maintainer's cell of a project a coordinator had not linked to the case is ignored: "linked" is the case's
state at the cell's place in the total order (`convergence.CaseState.apply`), not the event alone, so this rule is
applied as cases are materialized, never by `rights_problem`."""


UNLINKED_CASE_RULE = "not a maintainer of any project linked to this case by a coordinator"
"""Why a maintainer's event (a note, a cell) on a case none of their projects is linked to by a coordinator (at its
place in the total order) is ignored whole: a case id is easily guessed, and what such an event says must not reach
the case's timeline, search or readers. Applied as cases are materialized, like `LINKED_RULE`."""
IGNORED_EVENT_REASON = f"beyond its author's rights: {UNLINKED_CASE_RULE}"
"""How such an event is listed under R (worded as refusals for a rights rule are): every such reason starts so
(`ignored_event_reason`), which is how the events ignored whole are told from those only some cells of are."""


def unlinked_case_rule(cells: Iterable[str]) -> str:
    """The rule a maintainer's event on a case none of their projects is linked to by a coordinator breaks, naming
    the projects of its cells (`cells`, if any) as `unlinked_cells_rule` does."""
    names = sorted(cells)
    return f"{UNLINKED_CASE_RULE} ({unlinked_cells_rule(names)})" if names else UNLINKED_CASE_RULE


def ignored_event_reason(cells: Iterable[str]) -> str:
    """Why a received maintainer's event (with cells of `cells`) is ignored whole, as listed under R."""
    return f"beyond its author's rights: {unlinked_case_rule(cells)}"


def unlinked_cells_rule(projects: Iterable[str]) -> str:
    """The rule a maintainer's cells of `projects` (none linked to the case by a coordinator) break, naming them: what
    a maintainer's own workstation refuses the decision by."""
    names = sorted(projects)
    verb = "is" if len(names) == 1 else "are"
    return f"{', '.join(names)} {verb} not linked to this case by a coordinator: {LINKED_RULE}"


def ignored_cells_reason(projects: Iterable[str]) -> str:
    """Why a received maintainer's cells of `projects` are ignored, as listed under R (worded as refusals for a rights
    rule are)."""
    return f"beyond its author's rights: {unlinked_cells_rule(projects)}"


def changes_rule(fields: Iterable[str]) -> str:
    """The rule a maintainer's change of the case's `fields` breaks, naming them."""
    return f"a maintainer may not change {', '.join(sorted(fields))}: {CHANGES_RULE}"


def rights_problem(event: TeamEvent, roles: TeamRoles) -> str | None:
    """The rights rule (issue 17, item 4) for a case event by its author under `roles` (the roster's at the event's
    time, or the config's while there is none): coordinators decide everything; a maintainer sets (never clears)
    the cells of the projects they maintain and adds notes, nothing else. None if the event is within its author's
    rights, else the rule it breaks.

    Judged from the event and the roles alone, never from the case as a workstation holds it (its projects differ
    from one workstation to the next and move as links come and go), so every workstation gives one verdict."""
    author = event.author
    if author in roles.coordinators:
        return None
    maintained = roles.maintained.get(author, frozenset())
    if not maintained:
        return NO_ROLE_RULE
    if event.kind == "share" or event.share is not None:
        return "only a coordinator shares a case"
    if event.key is not None:
        return "only a coordinator accepts a changed key"
    if event.kind == "merge":
        return MERGE_RULE
    if event.changes:
        return changes_rule(event.changes)
    unlinked = sorted(project for project, cell in event.impacts.items() if cell is None)
    if unlinked:
        return f"{LINKS_RULE}: a maintainer may not unlink {', '.join(unlinked)}"
    foreign = sorted(set(event.impacts) - maintained)
    return foreign_cells_rule(foreign) if foreign else None


def foreign_cells_rule(projects: Iterable[str]) -> str:
    """Why a maintainer may not set the cells of `projects`, which they do not maintain."""
    return f"a maintainer sets their own projects' cells only: not a maintainer of {', '.join(sorted(projects))}"
