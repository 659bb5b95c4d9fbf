"""Which report a case is to the team, and which case here a report is: events name cases by their report (a
content hash or a GitHub advisory), since each workstation numbers its cases on its own."""

from __future__ import annotations

from collections.abc import Iterable

from triage_tui.store import team_case_store as cases
from triage_tui.store.roster_store import holds_roster
from triage_tui.store.team_runner import EitherConnection, WriteConnection
from triage_tui.team.event_schema import REF_KINDS
from triage_tui.team.events import TeamEvent

UNRESOLVED = "?"
"""Prefix of a received event's case while no case here is that report: never a case id, so it touches nothing."""


def case_ref(connection: EitherConnection, case_id: str) -> str | None:
    """What the case is to the team (see `TeamEvent.ref`): the ref it is known by in `team_cases` (so a case shared
    before keeps its ref), else the GitHub advisory it is, else its first message's content hash; None for a case
    with no message (its events fall back to its id). `connection` is a reader's or the writer's.

    A Message-ID is its sender's choice, so a case is never named by one any more; one it was named by before is
    kept only while that Message-ID is its own (the first stored message carrying it is the case's): a later mail
    reusing it made a case of its own, which is named by its content hash instead."""
    known = cases.known_ref(connection, case_id)
    if known is not None and _legacy_owner(connection, known) in (None, case_id):
        return known
    # The earliest message by its date, so workstations that stored a reply before its parent still agree; only
    # the reporter or the team can reply into a case, and either form is a hash nobody can aim at another case.
    first = cases.first_message(connection, case_id)
    if first is None:
        return None
    return f"ghsa:{first.ghsa_id}" if first.ghsa_id else f"hash:{first.content_hash}"


def _legacy_owner(connection: EitherConnection, ref: str) -> str | None:
    """For a `mid:` ref (earlier versions'), the case holding the first stored message with that Message-ID (its
    sender's choice: a later mail may carry it too); None for any other ref, or when no message here has it."""
    kind, _, value = ref.partition(":")
    if kind != "mid":
        return None
    return cases.first_case_with_message_id(connection, value)


def ambiguous_ref(connection: EitherConnection, event: TeamEvent) -> str | None:
    """Why an event cannot be placed on any case here, when its ref names none for sure: a `mid:` ref (from an
    earlier version) whose Message-ID several cases here carry, or no ref at all for an id that names a case shared
    with this workstation and numbered here (`_renumbered`). None when the ref is not so."""
    if event.ref is None and event.roster is None and _renumbered(connection, event.case_id):
        # Each workstation of a team numbers the cases shared with it on its own: the author's id of this one is
        # another, so the id alone would place the event on different cases on different workstations.
        return "names its case by id alone, which is another case's on each workstation of a team"
    holders = _ambiguous_mid(connection, event.ref) if event.ref is not None else 0
    if not holders:
        return None
    return (
        f"names its report by a Message-ID that {holders} cases here carry (the sender of a mail chooses it, so "
        "it cannot tell them apart); its author's workstation must be updated to name reports by content hash"
    )


def _renumbered(connection: EitherConnection, case_id: str) -> bool:
    """Whether the case of that id here was numbered here, not by the event's author: a shared case, once this store
    holds a roster."""
    return cases.numbered_by_share(connection, case_id) and holds_roster(connection)


def _ambiguous_mid(connection: EitherConnection, ref: str) -> int:
    """How many cases here carry the Message-ID of `ref`, an earlier version's `mid:` ref, when several do (the ref
    then tells none of them apart); 0 for any other ref, or when one case or none carries it."""
    if not ref.startswith("mid:"):
        return 0
    holders = cases.cases_with_message_id(connection, ref.removeprefix("mid:"))
    return holders if holders > 1 else 0


def resolve_case(connection: EitherConnection, event: TeamEvent) -> str | None:
    """The case here an event is about: the one its `ref` names (`case_holding`), else for an event without a ref
    the case of the same id; None while no case here is that report, or when an earlier version's `mid:` ref is
    `ambiguous_ref`."""
    if ambiguous_ref(connection, event) is not None:
        return None
    if event.ref is None:
        return event.case_id
        return None
    return case_holding(connection, event.ref)


def resolve_cases(
    connection: EitherConnection, events: Iterable[TeamEvent]
) -> dict[tuple[str | None, str], str | None]:
    """`resolve_case` for many events, by (ref, case id): the refs the team knows here looked up together, the
    others (new here, or an earlier version's `mid:` refs) one at a time."""
    slots = {(event.ref, event.case_id): event for event in events}
    known = cases_holding(connection, [ref for ref, _case in slots if ref])
    return {
        slot: known[event.ref] if event.ref in known else resolve_case(connection, event)
        for slot, event in slots.items()
    }


def cases_holding(connection: EitherConnection, refs: Iterable[str]) -> dict[str, str]:
    """`case_holding` for the refs a case here is found for by looking them up together: those the team knows here,
    then the content hashes of reports first seen here (a sync may bring hundreds); an earlier version's `mid:`
    refs, and refs found no case this way, are left out (the caller takes them one at a time)."""
    wanted = {ref for ref in refs if not ref.startswith("mid:")}
    found = cases.cases_known_as(connection, wanted)
    hashes = [ref.removeprefix("hash:") for ref in wanted - found.keys() if ref.startswith("hash:")]
    found.update((f"hash:{content}", case) for content, case in cases.cases_of_contents(connection, hashes).items())
    return found


def case_holding(connection: EitherConnection, ref: str) -> str | None:
    """The case here that is the report `ref` names (shared here before, or held here: the advisory or the message
    with that content hash); None if no case here is. An earlier version's `mid:` ref is the caller's to check
    for `ambiguous_ref` first."""
    known = cases.case_known_as(connection, ref)
    if known is not None:
        return known
    kind, _, value = ref.partition(":")
    if kind == "ghsa":
        return cases.case_of_advisory(connection, value)
    if kind == "hash":
        # A content hash is one message's bytes: the case holding it is that report, whatever ref it is known by.
        return cases.case_of_content(connection, value)
    return cases.unshared_case_with_message_id(connection, value)


def named_case(connection: EitherConnection, value: str, *, own: bool = False) -> str | None:
    """The case here that another case's name in an event (see `with_report_refs`) means: the one holding the
    report its ref names, else None (the report is not held here). A bare case id (an earlier version's events)
    is its author's number, which elsewhere may be another report, so it means none, unless the event is `own`
    (made on this workstation: the number is this workstation's)."""
    if not value.startswith(REF_KINDS):
        return value if own and cases.case_exists(connection, value) else None
    remembered = cases.case_known_as(connection, value)
    if remembered is not None:  # the case known by that ref here (a case shared under a `mid:` ref included)
        return remembered
    if _ambiguous_mid(connection, value):
        return None  # a Message-ID several cases here carry tells none of them apart
    return case_holding(connection, value)


def remember_ref(connection: WriteConnection, ref: str | None, case_id: str | None) -> None:
    """Keep that the case is the report `ref` names, when both are known."""
    if ref is not None and case_id is not None:
        cases.remember_ref(connection, ref, case_id)


def case_projects(connection: EitherConnection, case_ids: Iterable[str]) -> dict[str, list[str]]:
    """The projects linked to each case (its stored impact cells): what roles are judged against."""
    return cases.linked_projects_of(connection, case_ids)
