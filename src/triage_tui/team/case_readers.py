"""Which projects read a case (whose maintainers a coordinator's workstation shares it with, whose folders its events
go to): in a team with a roster, those a coordinator's team event has linked to it (`link_rule`); in the lab (no
roster, roles from the config), every project linked to it here, as before."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.store.roster_store import ROSTER_CASE
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team.link_rule import linked_by_coordinators_of, stored_roster
from triage_tui.team.refs import case_projects, named_case

# Why never the case's links here alone: intake links a report to the projects its text seems to name (a guess the
# matrix shows as such), and a coordinator's workstation keeps those links on its own matrix. No coordinator decided
# that such a project is affected, so its maintainers must not be sent a report that may not be theirs; the team's
# own events (the same on every workstation holding the case) say which projects a coordinator linked, by the rule
# that makes a maintainer's cells count.


def reader_projects(connection: EitherConnection, case_ids: Iterable[str]) -> dict[str, list[str]]:
    """The projects whose maintainers read each case, sorted (nothing read when no case is asked for); none for the
    roster's reserved case (its events go to every member)."""
    asked = set(case_ids)
    found: dict[str, list[str]] = {case_id: [] for case_id in asked}
    wanted = sorted(asked - {ROSTER_CASE})
    if not wanted:
        return found
    linked = linked_by_coordinators_of(connection, wanted, stored_roster(connection))
    if linked is None:  # the lab: no roster decides who linked what
        found.update(case_projects(connection, wanted))
    else:
        found.update((case_id, sorted(linked[case_id])) for case_id in wanted)
    return found


def named_reader_projects(connection: EitherConnection, names: Iterable[str]) -> dict[str, list[str]]:
    """`reader_projects` of each other case events name (`named_case`), by that name: whose maintainers may read the
    name; none for a case not held here (then only the coordinators may)."""
    held = {name: named_case(connection, name) for name in set(names)}
    projects = reader_projects(connection, {case for case in held.values() if case is not None})
    return {name: projects[case] if case is not None else [] for name, case in held.items()}
