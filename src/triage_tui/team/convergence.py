"""Applies team events to case state so that every workstation holding the same events shows the same state,
whatever order they arrived in: duplicates are dropped, the rest applied in one total order (hybrid-clock time,
author, id) with a rule per field (last writer wins for scalars, sets merge, notes append). Concurrent changes of
one field are kept as conflicts for the timeline."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from triage_tui.team.events import SCALAR_FIELDS, SET_FIELDS, TeamEvent
from triage_tui.team.rights import ignored_cells_reason, ignored_event_reason


@dataclass(frozen=True)
class Conflict:
    """Two decisions on one field made without seeing each other: the later one (in the total order) stands."""

    field: str
    kept: object
    kept_event: str
    overwritten: object
    overwritten_event: str


class Decision(NamedTuple):
    """A decision an event made, as the case's timeline shows it: a change of fields, a key acceptance, or one
    project's cell set (`cell`: its project, the cell the events left before it, and the new one)."""

    key: str
    """The event's id (a cell: the id, "/" and the project): one row per key on the timeline."""
    author: str
    kind: str
    changes: dict[str, list[object]]
    extra: dict[str, object]
    wall_ms: int


@dataclass
class CaseState:
    """What the events of one case say."""

    fields: dict[str, object] = field(default_factory=dict)
    sets: dict[str, set[str]] = field(default_factory=dict)
    impacts: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """Each project's cell as the last event left it; None: the project was unlinked."""
    notes: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(event id, author, text, the event's wall-clock milliseconds), in order."""
    unlinks: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(event id, author, project, wall-clock milliseconds) of each project unlinked from the case, in order."""
    conflicts: list[Conflict] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    """Changes of fields, key acceptances and cells set, in order (notes and unlinks are kept above)."""
    cell_set: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    """Who set each project's cell as it stands, when (wall-clock milliseconds) and by which event."""
    touched: dict[str, set[str]] = field(default_factory=dict)
    """Members some event added or removed, per set field: members it never names (a label set before team sync was
    on) are the workstation's own and stay."""
    applied: list[str] = field(default_factory=list)
    """Event ids in the order they were applied."""
    linked: set[str] = field(default_factory=set)
    """Projects a coordinator has linked to the case by this point of the total order (a coordinator's cell, or
    share naming it) and not unlinked since: only on these does a maintainer's cell count, and only on a case linked
    to one of their projects does any event of theirs."""
    ignored: dict[str, str] = field(default_factory=dict)
    """Event id -> why its cells were ignored: a maintainer's cells of projects no coordinator had linked to the case
    at that event's place in the total order (`ignored_cells_reason`), or why all of it was: none of its author's
    projects was linked then (`ignored_event_reason`); listed under R on every workstation alike."""
    _set_by: dict[str, str] = field(default_factory=dict, repr=False)
    """Which event last set each scalar field (for naming conflicts)."""

    def snapshot(self) -> dict[str, object]:
        """Everything a screen shows, as plain data (what convergence tests compare)."""
        return {
            "fields": dict(sorted(self.fields.items())),
            "sets": {name: sorted(values) for name, values in sorted(self.sets.items())},
            "impacts": dict(sorted(self.impacts.items())),
            "notes": list(self.notes),
            "unlinks": list(self.unlinks),
            "conflicts": [(c.field, c.kept, c.kept_event, c.overwritten, c.overwritten_event) for c in self.conflicts],
            "decisions": [tuple(d) for d in self.decisions],
            "cell_set": dict(sorted(self.cell_set.items())),
            "ignored": dict(sorted(self.ignored.items())),
        }

    def copy(self) -> CaseState:
        """A copy that applying events to does not change this one (each container copied; the values in them are
        never changed in place)."""
        return CaseState(
            dict(self.fields), {n: set(v) for n, v in self.sets.items()}, dict(self.impacts), list(self.notes),
            list(self.unlinks), list(self.conflicts), list(self.decisions), dict(self.cell_set),
            {n: set(v) for n, v in self.touched.items()}, list(self.applied), set(self.linked), dict(self.ignored),
            dict(self._set_by),
        )  # fmt: skip

    def set_by(self, name: str) -> str | None:
        """The event whose value of the scalar field `name` stands (None if no event set it)."""
        return self._set_by.get(name)

    def apply(self, event: TeamEvent, coordinator: bool = True, maintains: frozenset[str] | None = None) -> None:
        """One event, in its place in the total order; `coordinator`: whether its author was a coordinator at its
        time (False: a maintainer, whose cells count only on projects a coordinator has linked by then; an earlier
        cell stays ignored when a coordinator links the project later, so the verdict depends on the order alone).
        `maintains`: a maintainer's projects at its time (None: not known, as with no roster): their event counts
        only if a coordinator has linked one of them by then, else it is ignored whole (its note too)."""
        if not coordinator and maintains is not None and maintains.isdisjoint(self.linked):
            self.ignored[event.id] = ignored_event_reason(p for p, cell in event.impacts.items() if cell is not None)
            self.applied.append(event.id)  # applied (its signature and rights were good), and ignored here
            return
        if coordinator and event.share is not None:
            self.linked.update(str(project) for project in event.share.get("projects") or [])
        wall = event.at.wall_ms
        # Each part looked at only when the event has it: most events are a note or a cell (a sync applies thousands).
        if event.changes or event.key is not None:
            ordered = sorted(event.changes.items())
            for name, (old, new) in ordered:
                if name in SCALAR_FIELDS:
                    self._scalar(event, name, old, new)
                elif name in SET_FIELDS:
                    self._set(name, old, new)
            changes = {name: [old, new] for name, (old, new) in ordered}
            extra: dict[str, object] = dict(event.key) if event.key is not None else {}
            self.decisions.append(Decision(event.id, event.author, event.kind, changes, extra, wall))
        if event.impacts:
            self._impacts(event, coordinator, wall)
        if event.note is not None:
            self.notes.append((event.id, event.author, event.note, wall))
        self.applied.append(event.id)

    def _impacts(self, event: TeamEvent, coordinator: bool, wall: int) -> None:
        # Most events set one cell: sorted only when there are more.
        cells = sorted(event.impacts.items()) if len(event.impacts) > 1 else list(event.impacts.items())
        linked = self.linked
        unlinked = [p for p, cell in cells if cell is not None and p not in linked]
        if not coordinator and unlinked:
            self.ignored[event.id] = ignored_cells_reason(unlinked)
        for project, cell in cells:
            if not coordinator and project in unlinked:
                continue  # not this maintainer's to link: the project stays off the case (nothing shared with it)
            if coordinator:
                (linked.add if cell is not None else linked.discard)(project)
            before = self.impacts.get(project)
            if cell is None:
                self.impacts[project] = None
                self.unlinks.append((event.id, event.author, project, wall))
                self.cell_set.pop(project, None)
            else:
                # One copy for both: the cells kept are never changed in place (`copy`).
                after = self.impacts[project] = dict(cell)
                self.cell_set[project] = (event.author, wall, event.id)
                cell_change: dict[str, object] = {"project": project, "before": before, "after": after}
                self.decisions.append(Decision(f"{event.id}/{project}", event.author, "impact", {}, cell_change, wall))

    def _scalar(self, event: TeamEvent, name: str, old: object, new: object) -> None:
        current = self.fields.get(name)
        if name in self._set_by and old != current and new != current:
            # The author changed the field from a value it no longer had: they had not seen the change before.
            self.conflicts.append(Conflict(name, new, event.id, current, self._set_by[name]))
        self.fields[name] = new
        self._set_by[name] = event.id

    def _set(self, name: str, old: object, new: object) -> None:
        before, after = _members(old), _members(new)
        values = self.sets.setdefault(name, set())
        values |= after - before
        values -= before - after
        self.touched.setdefault(name, set()).update(after ^ before)


def _members(value: object) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return set()


AuthorRoles = Callable[[TeamEvent], tuple[bool, frozenset[str] | None]]
"""What `CaseState.apply` is told of an event's author at its time: whether a coordinator, and if not, the projects
they maintained then (None: not known, as with no roster)."""


def converge(
    events: Iterable[TeamEvent],
    case_of: Callable[[TeamEvent], str] | None = None,
    roles: AuthorRoles | None = None,
) -> dict[str, CaseState]:
    """The state of every case the events touch; the same for any order or duplication of the same events.

    `case_of` names the case an event is about here (default: its own `case_id`), since two workstations may call
    one report by different ids. `roles`: its author's roles at each event's time (default: every author is a
    coordinator, as with no roster)."""
    unique = {event.id: event for event in events}
    states: dict[str, CaseState] = {}
    # `TeamEvent.order_key` as plain values (a Timestamp orders by its wall time, then its counter): thousands of
    # events are sorted each time cases are recomputed, and comparing the dataclasses costs most of it.
    for event in sorted(unique.values(), key=lambda e: (e.at.wall_ms, e.at.counter, e.author, e.id)):
        state = states.setdefault(case_of(event) if case_of else event.case_id, CaseState())
        if roles is None:
            state.apply(event)
        else:
            state.apply(event, *roles(event))
    return states


def author_roles(
    coordinator: Callable[[TeamEvent], bool], maintains: Callable[[TeamEvent], frozenset[str]] | None = None
) -> AuthorRoles:
    """The roles of two tests: whether an event's author was a coordinator at its time, and a maintainer's projects
    then (None: not known, so only their cells are judged)."""

    def roles(event: TeamEvent) -> tuple[bool, frozenset[str] | None]:
        if coordinator(event):
            return True, None
        return False, maintains(event) if maintains is not None else None

    return roles
