"""Takes in received team events: each stored as applied or rejected with the reason, and the cases the applied ones
touch recomputed; an event that passed every check but still fails when applied is refused, not the whole pull."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.store import team_log_store as log
from triage_tui.store.key_pins import TEAM, KeySighting, accept_pin
from triage_tui.store.queries import stored_time
from triage_tui.store.team_case_store import cases_known_as
from triage_tui.store.team_log_store import ReceivedEvent
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.envelope import Opened, Rejection
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import EventFormatError, TeamEvent, decode
from triage_tui.team.hlc import HybridClock
from triage_tui.team.materialize import materialize_all
from triage_tui.team.refs import UNRESOLVED, ambiguous_ref, cases_holding, remember_ref, resolve_case
from triage_tui.team.roster_pins import pin_team_keys
from triage_tui.team.shared_case import create_shared_case
from triage_tui.untrusted import address_of

if TYPE_CHECKING:
    from triage_tui.team.roster import RosterHistory

SET_ASIDE = "set-aside"
"""The status of a received event while a case is rebuilt without it (never outlives `receive`'s transaction)."""


@dataclass(frozen=True)
class Received:
    """What `receive` did: the cases the applied events touched, and the events refused as they were applied."""

    touched: set[str]
    refused: Mapping[str, str]
    """Event id -> why: events that passed every check but could not be applied."""
    created: int = 0
    """Cases made here from the shares received (a maintainer's new cases)."""


def receive(
    connection: WriteConnection,
    opened: Sequence[Opened],
    now: datetime,
    clock: HybridClock | None = None,
    roster: RosterHistory | None = None,
) -> Received:
    """Store received events (applied, or rejected with the reason) and recompute the cases the applied ones
    touch. The caller judged them (`team_envelope.judge`, under `roster` once there is one: it also vouches for a
    member's rotated key, so their signing with it is no changed key).

    Each event's effects are tried in a savepoint: one that still fails when applied (decoding checked every
    field, so it should not) is rejected with the error and listed, and the others, and the caller's cursor,
    go on."""
    accepted = [item for item in opened if item.event is not None and item.rejection is None]
    touched: set[str] = set()
    refused: dict[str, str] = {}
    created_here = 0
    for item in accepted:
        # Shares first: a case must be here before the events about it can be placed on it.
        if item.event is not None and item.event.share is not None:
            share = item.event
            try:
                with connection.begin_nested():
                    created = create_shared_case(connection, share, now)
            except Exception as error:  # whatever the share holds, it must not stop the other events
                refused[share.id] = _refusal(error)
                continue
            if created is not None:
                touched.add(created)
                created_here += 1
    places: dict[tuple[str | None, str], str | None] = {}
    unplaceable: dict[tuple[str | None, str], str | None] = {}
    rows: list[ReceivedEvent] = []
    stamp = stored_time(now)
    # The refs the team knows here already, looked up together: only the others are resolved and remembered one
    # at a time (a sync may bring thousands of events).
    refs = {e.ref for i in opened if (e := i.event) and e.ref and e.roster is None}
    known = cases_known_as(connection, refs)
    held = cases_holding(connection, refs - known.keys())  # reports first seen here: still remembered below
    # Per event: its signer's sighting if it is applied (the roster vouches for its own keys: no case to flag on), and
    # whether it accepts a key; both kept in the order the events came, for those still standing once recomputed.
    sighted: list[tuple[str, tuple[str, str, str | None]]] = []
    keys: list[TeamEvent] = []
    for item in opened:
        event = item.event
        if event is None:
            continue  # nothing readable to keep beyond the envelope: the caller lists it
        slot = (event.ref, event.case_id)
        local: str | None
        if event.roster is not None:  # the roster's own: placed on no case (`roster_receipt` folds them)
            local = places[slot] = ROSTER_CASE
        else:
            local = places.get(slot, _UNPLACED)
            if local is _UNPLACED and event.ref in known and not str(event.ref).startswith("mid:"):
                local = places[slot] = known[str(event.ref)]  # `resolve_case`'s first answer, remembered already
            elif local is _UNPLACED:  # one lookup per case, not per event: a sync may bring thousands
                local = places[slot] = held[event.ref] if event.ref in held else resolve_case(connection, event)
                remember_ref(connection, event.ref, local)
                if local is None:
                    unplaceable[slot] = ambiguous_ref(connection, event)
        rejection = item.rejection
        if rejection is not None:
            status, reason = "rejected", f"{rejection}" + (f": {item.detail}" if item.detail else "")
        elif event.id in refused:
            status, reason = "rejected", refused[event.id]
        elif ambiguous := unplaceable.get(slot):
            status, reason = "rejected", ambiguous
            refused[event.id] = ambiguous  # placed nowhere: neither applied nor trusted for its key
        else:
            status, reason = "applied", None
        place = local or UNRESOLVED + event.case_id
        rows.append(ReceivedEvent(event.id, place, event.author, event.at.text(), event.kind, event.encode(),
                                  item.signed, "received", status, reason, item.signer, 1, stamp,
                                  event.ref, rejection.name if rejection else None))  # fmt: skip
        if rejection is None:
            if event.roster is None:
                sighted.append((event.id, (item.signer_uid, item.signer or "", local)))
            if event.key is not None:
                keys.append(event)
        if status == "applied":
            if local is not None and local != ROSTER_CASE:
                touched.add(local)
            if clock is not None:
                clock.observe(event.at)
    if rows:  # one statement for all: a sync may bring thousands of events
        log.insert_received(connection, rows)
    fresh = {i.event.id: i.event for i in accepted if i.event and i.event.id not in refused}
    # A duplicate-of left unresolved is tried again: the report it names may have come since (shared just now, or
    # synced from the mailbox).
    unresolved = log.unresolved_duplicates(connection)
    refused.update(_materialize_or_refuse(connection, touched | set(unresolved), now, fresh, roster))
    # Each sighting once, in the order first seen (a repeat pins and flags nothing more); each signer's user id
    # parsed once: a batch brings thousands of events from a few members.
    seen = dict.fromkeys(sighting for event_id, sighting in sighted if event_id not in refused)
    addresses = {uid: address_of(uid) for uid in {uid for uid, _signer, _place in seen}}
    sightings = dict.fromkeys(KeySighting(addresses[uid], signer, TEAM, place) for uid, signer, place in seen)
    pin_team_keys(connection, list(sightings), roster, now)
    for event in [event for event in keys if event.id not in refused]:
        key = event.key
        assert key is not None
        try:
            with connection.begin_nested():
                accept_pin(connection, key["address"], key["fingerprint"], event.author, now)
        except Exception as error:  # one acceptance that cannot be kept must not stop the others
            refused[event.id] = _refusal(error)
            _refuse(connection, {event.id: refused[event.id]})
    return Received(touched, refused, created_here)


_UNPLACED = "\0unplaced"
"""No case looked up yet for an event's (ref, case) (a case found may be None: the report is held by none here)."""


def _refusal(error: BaseException) -> str:
    """The reason kept and listed (under R) for an event that passed every check but failed when applied."""
    text = f"{type(error).__name__}: {error}"
    return f"{Rejection.NOT_APPLICABLE}: {text[:300]}"


def _refuse(connection: WriteConnection, reasons: Mapping[str, str]) -> None:
    """Mark the stored events `reasons` names rejected, each with its reason."""
    log.refuse(connection, [(reason, event_id) for event_id, reason in reasons.items()])


def _materialize_or_refuse(
    connection: WriteConnection,
    case_ids: set[str],
    now: datetime,
    known: Mapping[str, TeamEvent],
    roster: RosterHistory | None = None,
) -> dict[str, str]:
    """Recompute the cases (all together, as a rule); if that fails, each case on its own, refusing the events
    that make it fail. Returns the refused events' ids with why."""
    if _try_materialize(connection, case_ids, now, known, keep=True, roster=roster) is None:
        return {}
    refused: dict[str, str] = {}
    for case_id in sorted(case_ids):
        if _try_materialize(connection, {case_id}, now, known, keep=True, roster=roster) is None:
            continue
        refused.update(_rebuild_refusing(connection, case_id, now, known, roster))
    return refused


def _try_materialize(
    connection: WriteConnection,
    case_ids: set[str],
    now: datetime,
    known: Mapping[str, TeamEvent],
    *,
    keep: bool,
    roster: RosterHistory | None = None,
) -> str | None:
    """Materialize in a savepoint, kept if `keep` and it worked; None if it worked, else why it failed."""
    savepoint = connection.begin_nested()
    try:
        materialize_all(connection, case_ids, now, known=known, roster=roster)
    except Exception as error:  # anything an event's values can make go wrong: the caller refuses that event
        savepoint.rollback()
        return _refusal(error)
    if keep:
        savepoint.commit()
    else:
        savepoint.rollback()
    return None


def _rebuild_refusing(
    connection: WriteConnection,
    case_id: str,
    now: datetime,
    known: Mapping[str, TeamEvent],
    roster: RosterHistory | None = None,
) -> dict[str, str]:
    """Rebuild one case from its applied events taken back one at a time in the order they apply, refusing each
    that makes it fail: the events just received, or, if the case fails without them (events kept before they
    were checked this well), all of them. Kept events are recomputed without their schema checked again
    (`decode_kept`): one that no longer passes it is refused first, for what it breaks."""
    refused = _refuse_no_longer_events(connection, case_id)
    if refused and _try_materialize(connection, {case_id}, now, known, keep=True, roster=roster) is None:
        return refused
    log.set_status(connection, _in_order(connection, case_id, "applied", only=set(known)), SET_ASIDE)
    if _try_materialize(connection, {case_id}, now, known, keep=False, roster=roster) is not None:
        log.set_status(connection, _in_order(connection, case_id, "applied"), SET_ASIDE)
    for event_id in _in_order(connection, case_id, SET_ASIDE):
        log.set_status(connection, [event_id], "applied")
        failure = _try_materialize(connection, {case_id}, now, known, keep=False, roster=roster)
        if failure is not None:
            refused[event_id] = failure
            log.set_status(connection, [event_id], SET_ASIDE)
    _refuse(connection, refused)
    _try_materialize(connection, {case_id}, now, known, keep=True, roster=roster)
    return refused


def _refuse_no_longer_events(connection: WriteConnection, case_id: str) -> dict[str, str]:
    """Refuse the case's applied events whose bytes no longer decode with every check (kept before they were checked
    this well); their ids with why."""
    kept = log.bodies(connection, _in_order(connection, case_id, "applied"))
    refused: dict[str, str] = {}
    for event_id, body in kept.items():
        try:
            decode(body)
        except EventFormatError as error:
            refused[event_id] = _refusal(error)
    _refuse(connection, refused)
    return refused


def _in_order(connection: WriteConnection, case_id: str, status: str, only: set[str] | None = None) -> list[str]:
    """The case's events of `status` in the order they apply, those of `only` if given."""
    return [event_id for event_id in log.ids_in_order(connection, case_id, status) if only is None or event_id in only]
