"""Provides `triage-tui case CASE_ID ACTION ...`: every decision the screens make, taken on the same TriageService
(shared with the team when team sync is on) and printed as the event it wrote, as `show --json` lists it.

A refusal (the service's TriageError, or a value no screen would accept) is a CliError: one neutralised line on
stderr and exit 2, as an unknown case is for `show`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, TextIO, TypeVar

from triage_tui.cli.output import EXIT_OK, CliError, print_json
from triage_tui.config import Config
from triage_tui.store.store import Store

if TYPE_CHECKING:
    from triage_tui.services.triage import Event, TriageService

MAX_NOTE_BYTES = 64 * 1024
"""The longest note read from stdin (`note -`)."""
NONE = "none"
"""What clears an assignee or an embargo end."""

EnumT = TypeVar("EnumT")
Decide = Callable[["TriageService", Store, argparse.Namespace, Sequence[str], BinaryIO], "Event"]


def take_decision(
    store: Store,
    config: Config,
    args: argparse.Namespace,
    extras: Sequence[str],
    stdin: BinaryIO,
    out: TextIO,
) -> int:
    """Take the one decision `args` names on the workspace's TriageService and print the event it wrote."""
    from triage_tui.services.author import author_name
    from triage_tui.services.triage import TriageError, TriageService
    from triage_tui.team.sharing import sharer_for
    from triage_tui.untrusted import neutralise_line

    # As the app builds it: with team sync on, every decision is also a team event signed with the identity's key.
    service = TriageService(store, author_name(config), sharer=sharer_for(config))
    _require_case(store, args.case_id)
    refused = _role_refusal(store, config, args)
    if refused is not None:  # whose decision it is comes before whether the case can take it (a state's lifecycle)
        raise CliError(neutralise_line(f"the team's workstations would refuse this: {refused}"))
    try:
        event = DECISIONS[args.action](service, store, args, extras, stdin)
    except (TriageError, CliError) as error:  # what was typed is in the reason: shown neutralised, on one line
        raise CliError(neutralise_line(str(error))) from None
    written = _written(store, event.case_id, event.id)
    if getattr(args, "json", False):
        print_json(written, out)
    else:
        out.write(neutralise_line(f"{event.case_id}: #{event.id} {event.kind}: {_describe(event.payload)}") + "\n")
    return EXIT_OK


COORDINATORS_FIELDS: Mapping[str, tuple[str, ...]] = {
    "state": ("state",),
    "close": ("disposition", "state"),
    "assign": ("assignee",),
    "label": ("labels",),
    "embargo": ("embargo_until",),
    "cvss": ("cvss_vector",),
}
"""The case's fields each coordinator's action changes (as its team event names them); `duplicate-of` merges."""


def _require_case(store: Store, case_id: str) -> None:
    """Refuse (CliError) an id no case here has, the same way for every action: before whose decision it is, and
    before an action's own reason (undo's "nothing of yours to undo" would hide that the case is not there)."""
    from triage_tui.store.team_case_store import case_exists
    from triage_tui.untrusted import neutralise_line

    with store.read() as connection:
        if not case_exists(connection, case_id):
            raise CliError(neutralise_line(f"no case {case_id} here; `triage-tui cases` lists them"))


def _role_refusal(store: Store, config: Config, args: argparse.Namespace) -> str | None:
    """The team's rule that refuses this user the action, if it is a coordinator's decision and they are not one."""
    from triage_tui.team.own_rights import changes_refused, coordinators_only

    action = args.action
    if action not in COORDINATORS_FIELDS and action != "duplicate-of":
        return None
    fields = COORDINATORS_FIELDS.get(action, ())
    if action == "cvss" and str(getattr(args, "vector", "")).strip().startswith("CVSS:4.0/"):
        fields = ("cvss4_vector",)
    with store.read() as connection:
        if action == "duplicate-of":
            return coordinators_only(config, connection, merge=True)
        return changes_refused(config, connection, fields)


def _written(store: Store, case_id: str, event_id: int) -> dict[str, object]:
    """The event as `show --json` lists it in the case's `events`, with the case's id."""
    from triage_tui.services.case_json import iso
    from triage_tui.store.queries import get_case

    with store.read() as connection:
        detail = get_case(connection, case_id)
    found = [e for e in (detail.events if detail else ()) if e.id == event_id]
    if not found:
        raise CliError(f"event {event_id} on {case_id} was written but cannot be read back")
    event = found[0]
    return {
        "id": event.id,
        "case_id": case_id,
        "author": event.author,
        "at": iso(event.at),
        "kind": event.kind,
        "payload": event.payload,
    }


def _describe(payload: Mapping[str, object]) -> str:
    """The event's changes in one line: `state new → triage`, `pip unknown → affected`, a note's first line."""
    from triage_tui.change_words import change_pairs, change_words

    parts = [change_words(field, old, new) for field, (old, new) in change_pairs(payload).items()]
    if "project" in payload:
        parts.append(f"{payload['project']} {_status(payload.get('before'))} → {_status(payload.get('after'))}")
        if payload.get("before") is None and isinstance(payload.get("after"), dict):
            # A cell of an unlinked project links it: the case is shared with that project from now on.
            parts.append(f"{payload['project']} is now linked to the case, which is shared with its maintainers")
    lines = str(payload.get("text", "")).strip().splitlines()
    if lines:
        parts.append(lines[0][:60])
    if "undoes" in payload:
        parts.insert(0, f"of #{payload['undoes']}")
    return ", ".join(parts)


def _status(cell: object) -> object:
    return cell.get("status") if isinstance(cell, dict) else "unlinked"


def _one_of(kind: Callable[[str], EnumT], value: str, what: str, choices: Sequence[object]) -> EnumT:
    try:
        return kind(value)
    except ValueError:
        raise CliError(f"not {what}: {value!r}; one of: {', '.join(str(c) for c in choices)}") from None


# ---- one function per action ---------------------------------------------------------------------------------------


def _state(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    from triage_tui.domain import CaseState

    return service.transition(args.case_id, _one_of(CaseState, args.state, "a state", list(CaseState)))


def _close(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    from triage_tui.domain import Disposition

    choices = [d for d in Disposition if d is not Disposition.DUPLICATE]
    disposition = _one_of(Disposition, args.disposition, "a disposition", choices)
    return service.close(args.case_id, disposition, args.reason)


def _assign(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    assignee = args.assignee.strip()
    return service.assign(args.case_id, None if assignee in ("", NONE) else assignee)


def _label(service: TriageService, store: Store, args: argparse.Namespace, extras: Sequence[str], _: object) -> Event:
    from triage_tui.store.duplicate_reads import case_extras

    added: set[str] = set()
    removed: set[str] = set()
    for change in [*args.changes, *extras]:
        sign, label = change[:1], change[1:].strip().lower()
        if sign not in ("+", "-") or not label or label.startswith("-"):
            raise CliError(f"a label change is +LABEL (add) or -LABEL (remove), not {change!r}")
        (added if sign == "+" else removed).add(label)
    if not added and not removed:
        raise CliError("name the labels to change: +LABEL adds one, -LABEL removes one")
    both = sorted(added & removed)
    if both:
        raise CliError(f"{', '.join(both)}: both added and removed")
    with store.read() as connection:
        extras_of_case = case_extras(connection, args.case_id)
    current = {label.strip().lower() for label in extras_of_case.labels} if extras_of_case else set()
    return service.set_labels(args.case_id, sorted((current | added) - removed))


def _note(
    service: TriageService, _store: Store, args: argparse.Namespace, _extras: Sequence[str], stdin: BinaryIO
) -> Event:
    text = args.text
    if text == "-":
        data = stdin.read(MAX_NOTE_BYTES + 1)
        if len(data) > MAX_NOTE_BYTES:
            raise CliError(f"the note on stdin is longer than {MAX_NOTE_BYTES // 1024} KiB; nothing was saved")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CliError("the note on stdin is not UTF-8 text; nothing was saved") from None
    return service.add_note(args.case_id, text)


def _embargo(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    from triage_tui.services.embargo_policy import parse_utc

    until: datetime | None = None
    given = " ".join(args.until).strip()
    if len(args.until) > 2:
        raise CliError(f"an embargo end is a date and at most a time, not {given!r}")
    if given != NONE:
        try:
            until = parse_utc(given)
        except ValueError as error:
            raise CliError(str(error)) from None
    return service.set_embargo(args.case_id, until)


def _cvss(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    # The calculator stores the vector of the version it built; one vector is that version's.
    return service.set_severity(args.case_id, args.vector.strip())


def _duplicate(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    return service.mark_duplicate(args.case_id, args.of.strip())


def _cell(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    from triage_tui.domain import ImpactStatus, VexJustification
    from triage_tui.impact import ImpactCell, parse_ranges

    status = _one_of(ImpactStatus, args.status, "a status", list(ImpactStatus))
    justification = (
        _one_of(VexJustification, args.justification, "a justification", list(VexJustification))
        if args.justification
        else None
    )
    cell = ImpactCell(
        status=status,
        ranges=parse_ranges(args.ranges),
        fixed_version=args.fixed or "",
        justification=justification,
        notes=args.notes,
    )
    return service.set_impact(args.case_id, args.project, cell)


def _unlink(service: TriageService, _store: Store, args: argparse.Namespace, *_: object) -> Event:
    return service.remove_project(args.case_id, args.project)


def _undo(service: TriageService, store: Store, args: argparse.Namespace, *_: object) -> Event:
    """Undo the author's last decision (the screen's u); the event returned is the undo that was written."""
    from triage_tui.services.triage import Event
    from triage_tui.store.queries import get_case

    undone = service.undo_last(args.case_id)
    with store.read() as connection:
        detail = get_case(connection, undone.case_id)
    undos = [e for e in (detail.events if detail else ()) if e.kind == "undo" and e.payload.get("undoes") == undone.id]
    if not undos:
        raise CliError(f"#{undone.id} on {undone.case_id} was undone but its undo cannot be read back")
    undo = max(undos, key=lambda e: e.id)
    return Event(undo.id, undone.case_id, undo.author, undo.at, undo.kind, undo.payload)


DECISIONS: Mapping[str, Decide] = {
    "state": _state,
    "close": _close,
    "assign": _assign,
    "label": _label,
    "note": _note,
    "embargo": _embargo,
    "cvss": _cvss,
    "duplicate-of": _duplicate,
    "cell": _cell,
    "unlink": _unlink,
    "undo": _undo,
}
"""Each action of `case`, as the screen that makes the decision calls the service."""
