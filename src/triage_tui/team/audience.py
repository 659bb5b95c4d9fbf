"""Who reads each team event of a case, and what of it: the case's trust boundary reads the event; maintainers of a
project it unlinks, who had been sent the case, are told so (that and nothing else); a reader who cannot see a case
the event names (a duplicate-of another project's case) gets it without that name."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from triage_tui.team.envelope import TeamRoles
from triage_tui.team.events import CASE_FIELDS, TeamEvent


@dataclass(frozen=True)
class Delivery:
    """One form of an event and who it is encrypted to."""

    event: TeamEvent
    readers: tuple[str, ...]


def deliveries(
    event: TeamEvent, readers: Collection[str], readers_of: Callable[[str], Collection[str]], told: Collection[str] = ()
) -> list[Delivery]:
    """The forms of `event` to send and who each is encrypted to (the author not added): `readers` get it whole,
    except those who are not among `readers_of` a case it names, who get it without that name; `told` (see
    `told_of_unlink`) get only the unlink."""
    whole = set(readers)
    blind = {reader for other in named_cases(event) for reader in whole - set(readers_of(other))}
    forms: dict[str, tuple[TeamEvent, set[str]]] = {}
    for form, who in (
        (event, whole - blind),
        (_without_case_names(event), whole & blind),
        (_unlinks_only(event), set(told) - whole),
    ):
        if who and _tells_something(form):
            forms.setdefault(form.id, (form, set()))[1].update(who)
    return [Delivery(form, tuple(sorted(who))) for form, who in forms.values()]


def told_of_unlink(event: TeamEvent, roles: TeamRoles, sent_the_case: Collection[str]) -> set[str]:
    """The maintainers of the projects `event` unlinks who had been sent the case: they are told they lost it (a
    project linked and unlinked before anything was sent has nobody to tell, and nothing of the case reaches it)."""
    unlinked = [project for project, cell in event.impacts.items() if cell is None]
    losing = {fpr for project in unlinked for fpr in roles.maintainers.get(project, frozenset())}
    return losing & set(sent_the_case)


def named_cases(event: TeamEvent) -> set[str]:
    """The other cases the event names (old or new values of case fields): their refs (an event of an earlier
    version: their ids on its author's workstation)."""
    return {
        str(value)
        for name, pair in event.changes.items()
        if name in CASE_FIELDS
        for value in pair
        if value and str(value) not in (event.case_id, event.ref)
    }


def _without_case_names(event: TeamEvent) -> TeamEvent:
    changes = {name: pair for name, pair in event.changes.items() if name not in CASE_FIELDS}
    return event if changes == dict(event.changes) else replace(event, changes=changes)


def _unlinks_only(event: TeamEvent) -> TeamEvent:
    """The event as a notice to maintainers who lose the case: which projects are off it, and nothing else of the
    decision (they read nothing of the case from now on)."""
    unlinked = {project: None for project, cell in event.impacts.items() if cell is None}
    return replace(event, changes={}, impacts=unlinked, note=None)


def _tells_something(event: TeamEvent) -> bool:
    return bool(event.changes or event.impacts or event.note is not None or event.share or event.key or event.roster)
