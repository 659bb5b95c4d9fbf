"""Team events: a triage decision as coordinators and maintainers exchange it (DESIGN section 5). Canonical JSON, so
the same decision has the same bytes and id everywhere; the id is the hash of those bytes, so a duplicate is the
same event, not a second one."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from triage_tui import untrusted_json
from triage_tui.domain import KEY_ACCEPTED
from triage_tui.services.embargo_policy import EARLIEST_EMBARGO, LATEST_EMBARGO, embargo_out_of_bounds
from triage_tui.team.event_schema import REF_KINDS, ROSTER_CASE, ROSTER_KINDS, schema_problem
from triage_tui.team.hlc import Timestamp
from triage_tui.untrusted_json import UntrustedJsonError

"""The kind of event by which a coordinator accepts a changed signing key for everyone who reads the case."""
FORMAT = "triage-tui-event/1"
SCALAR_FIELDS = frozenset(
    {
        "state",
        "disposition",
        "disposition_reason",
        "assignee",
        "embargo_until",
        "cvss_vector",
        "cvss4_vector",
        "duplicate_of",
        "title",
    }
)
"""Case fields that hold one value: the last writer (in the events' total order) wins."""
CASE_FIELDS = frozenset({"duplicate_of"})
"""Scalar fields whose values name another case: by its `ref` (the report it is, the same on every workstation),
since a case id is only its author's number for it (`team_log.with_report_refs`, `team_log.named_case`)."""
SET_FIELDS = frozenset({"labels"})
"""Case fields that hold a set: each event adds and removes what it changed, so concurrent additions both stay."""
MAX_EVENT_BYTES = 256 * 1024


_T = TypeVar("_T")


class _Kept(Generic[_T]):
    """A value made from an event once and kept on it (an event never changes once made): `cached_property` without
    the lock Python 3.11's takes on each first read, which a sync pays for thousands of events; two threads reading
    it at once make the same value."""

    def __init__(self, make: Callable[[Any], _T]) -> None:
        self._make = make
        self._name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _Kept[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _Kept[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._make(instance)
        return value


class EventFormatError(ValueError):
    """Bytes that are not a team event; the message says what is wrong (the event is kept and listed)."""


@dataclass(frozen=True)
class TeamEvent:
    """One decision on one case, by one author (their key's fingerprint), at one hybrid-clock time.

    `changes` maps each scalar or set field to `[old, new]` as the author saw it (`old` is what makes concurrent
    changes of one field recognisable); `impacts` maps a project to its whole new cell (None: the project is
    unlinked from the case); `note` appends a note.
    """

    case_id: str
    """The case: its author's id for it, or in a team with a roster its `ref` again (`team_log.team_named`), so that
    nothing sent carries the author's case numbers; the reserved ROSTER_CASE for roster events."""
    author: str
    at: Timestamp
    kind: str
    changes: Mapping[str, tuple[object, object]] = field(default_factory=dict)
    impacts: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    note: str | None = None
    share: Mapping[str, Any] | None = None
    """The case itself (title, reporter, its messages' text), for people it is shared with from now on."""
    key: Mapping[str, str] | None = None
    """A coordinator's acceptance of a changed signing key: `address` is pinned to `fingerprint` from now on."""
    ref: str | None = None
    """What the case is on every workstation (`case_id` is only the author's name for it): the GitHub advisory it
    is (`ghsa:GHSA-…`), else the SHA-256 of its first message's bytes (`hash:…`). Case numbers are given by each
    workstation in the order its reports arrive, so two may call one report by different ids. Neither form can be
    chosen by whoever sent the report; `mid:<Message-ID>`, which can, is the form of earlier versions, still read
    for cases shared before (see `team_log.resolve_case`)."""
    roster: Mapping[str, Any] | None = None
    """A change of the team's roster (kinds ROSTER_KINDS, case ROSTER_CASE): see `team.roster`."""

    def body(self) -> dict[str, object]:
        """The event as canonical JSON data."""
        data: dict[str, object] = {
            "format": FORMAT,
            "case": self.case_id,
            "author": self.author,
            "at": self.at.text(),
            "kind": self.kind,
        }
        if self.changes:
            data["changes"] = {name: [old, new] for name, (old, new) in sorted(self.changes.items())}
        if self.impacts:
            data["impacts"] = {
                project: dict(cell) if cell is not None else None for project, cell in sorted(self.impacts.items())
            }
        if self.note is not None:
            data["note"] = self.note
        if self.share is not None:
            data["share"] = dict(self.share)
        if self.key is not None:
            data["key"] = dict(self.key)
        if self.ref is not None:
            data["ref"] = self.ref
        if self.roster is not None:
            data["roster"] = dict(self.roster)
        return data

    def encode(self) -> bytes:
        """Canonical bytes: sorted keys, no spaces, UTF-8 (what is signed and hashed)."""
        return self._canonical

    # Cached: an event is never changed once made (`dataclasses.replace` makes a new one), and sorting, grouping and
    # de-duplicating thousands of events asks for these many times over.
    @_Kept
    def _canonical(self) -> bytes:
        return json.dumps(self.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @_Kept
    def id(self) -> str:
        """The SHA-256 of the canonical bytes."""
        return hashlib.sha256(self.encode()).hexdigest()

    def order_key(self) -> tuple[Timestamp, str, str]:
        """The total order every workstation applies events in: time, then author, then id."""
        return (self.at, self.author, self.id)


DECODED_MEMO_BYTES = 16 * 1024 * 1024
"""How many bytes of events `decode` remembers (the most recently decoded first kept)."""
_decoded: OrderedDict[bytes, tuple[TeamEvent, bool]] = OrderedDict()
"""Bytes -> the event, and whether it was checked against the schema (one decoded from this store's own kept events
by `decode_kept` was not, and is never handed to `decode` unchecked)."""
_decoded_bytes = 0
_decoded_lock = threading.Lock()


def decode(data: bytes) -> TeamEvent:
    """The event in `data`; EventFormatError saying why if it is not one.

    Bytes that decoded before give the same event again without being checked twice: decoding depends on the bytes
    alone (only the canonical form of an event decodes, and no check depends on the time), and a team log's
    events are decoded again each time their cases are recomputed or the roster changes (a sync of thousands of
    events would spend most of its time checking the same bytes against the schema). Only events that passed
    every check are remembered, at most DECODED_MEMO_BYTES of them."""
    return _remembered_decode(data, trusted=False)


def _remembered_decode(data: bytes, *, trusted: bool) -> TeamEvent:
    global _decoded_bytes  # the memo is the process's, shared by every store and thread
    key = bytes(data)
    with _decoded_lock:
        known = _decoded.get(key)
        if known is not None and (trusted or known[1]):
            _decoded.move_to_end(key)
            return known[0]
    event = _decode_checked(key, trusted=trusted)
    with _decoded_lock:
        if key not in _decoded:
            _decoded_bytes += len(key)
        if key not in _decoded or not trusted:
            _decoded[key] = (event, not trusted)
        while _decoded_bytes > DECODED_MEMO_BYTES:
            _decoded_bytes -= len(_decoded.popitem(last=False)[0])
    return event


def decode_kept(data: bytes) -> TeamEvent:
    """An event this store kept as applied: it passed every check of `decode` when it came (or was made here), so
    its bytes are not checked against the schema, nor for their canonical form, again (that took nine tenths of
    decoding, and recomputing a case in a new process decodes its whole history). Its values are still checked as
    the event is built; EventFormatError if it is not one."""
    return _remembered_decode(data, trusted=True)


def _decode_checked(data: bytes, *, trusted: bool = False) -> TeamEvent:
    if len(data) > MAX_EVENT_BYTES:
        raise EventFormatError(f"{len(data)} bytes; an event is at most {MAX_EVENT_BYTES}")
    try:
        # Kept bytes passed the bounds of untrusted JSON when they came: parsed plainly (the bounds cost half of it).
        body = json.loads(data) if trusted else untrusted_json.loads(data)
    except (UntrustedJsonError, ValueError) as error:
        raise EventFormatError(f"not JSON ({error})") from None
    if not isinstance(body, Mapping) or body.get("format") != FORMAT:
        raise EventFormatError(f"not a {FORMAT} event")
    problem = None if trusted else schema_problem(body)
    if problem is not None:
        raise EventFormatError(problem)
    try:
        changes = body.get("changes") or {}
        impacts = body.get("impacts") or {}
        if not isinstance(changes, Mapping) or not isinstance(impacts, Mapping):
            raise EventFormatError("changes and impacts must be objects")
        unknown = set(changes) - SCALAR_FIELDS - SET_FIELDS
        if unknown:
            raise EventFormatError(f"unknown fields: {', '.join(sorted(map(str, unknown)))}")
        note = body.get("note")
        share = body.get("share")
        if share is not None and not isinstance(share, Mapping):
            raise EventFormatError("share must be an object")
        event = TeamEvent(
            case_id=_text(body, "case"),
            author=_text(body, "author"),
            at=Timestamp.parse(_text(body, "at")),
            kind=_text(body, "kind"),
            changes={str(k): _pair(v, str(k)) for k, v in changes.items()},
            impacts={
                str(p): dict(c) if isinstance(c, Mapping) else None
                for p, c in impacts.items()
                if c is None or isinstance(c, Mapping)
            },
            note=note if isinstance(note, str) else None,
            share=dict(share) if share is not None else None,
            key=_key_acceptance(body.get("key")),
            ref=_ref(body.get("ref")),
            roster=_roster(body),
        )
    except (TypeError, ValueError) as error:
        if isinstance(error, EventFormatError):
            raise
        raise EventFormatError(str(error)) from None
    if trusted:
        # Kept as it was encoded: its bytes are its canonical form, so its id is their hash (not encoded again).
        event.__dict__["_canonical"] = data
    elif event.encode() != data:
        raise EventFormatError("not in canonical form (re-encoded, its bytes and so its id would differ)")
    if event.case_id.startswith(REF_KINDS) and event.case_id != event.ref:
        raise EventFormatError("a case named by its report (ghsa: or hash:) is the event's ref too")
    if event.share is not None and event.kind != "share":
        raise EventFormatError("only a share event carries a case")
    if (event.key is not None) != (event.kind == KEY_ACCEPTED):
        raise EventFormatError(f"a {KEY_ACCEPTED} event, and only it, carries a key")
    if (event.roster is not None) != (event.kind in ROSTER_KINDS) or (event.case_id == ROSTER_CASE) != (
        event.kind in ROSTER_KINDS
    ):
        raise EventFormatError(f"a roster event (one of {', '.join(sorted(ROSTER_KINDS))}), and only it, is about "
                               f"the case {ROSTER_CASE!r} and carries a roster change")  # fmt: skip
    try:
        _check_values(event)
    except ValueError as error:
        if isinstance(error, EventFormatError):
            raise
        raise EventFormatError(str(error)) from None
    return event


def _check_values(event: TeamEvent) -> None:
    """What the declared shape (team_event_schema) cannot say: an embargo is a zoned time the store can hold, and
    each impact cell follows the matrix's rules, so applying the event can never fail half-way."""
    from triage_tui.impact import ImpactCell, ImpactError

    for value in event.changes.get("embargo_until", ()):
        if value is not None:
            _embargo_time(value)
    for project, cell in event.impacts.items():
        if cell is None:
            continue  # the project unlinked from the case
        try:
            ImpactCell.from_json(dict(cell))
        except ImpactError as error:
            raise EventFormatError(f"impacts.{project}: {error}") from None


def _embargo_time(value: object) -> datetime:
    """An event's embargo end: a zoned ISO time within the span every workstation accepts, else EventFormatError."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EventFormatError(f"changes.embargo_until: {value!r} is not a date and time") from None
    if moment.tzinfo is None:
        raise EventFormatError("changes.embargo_until needs a time zone (UTC)")
    if embargo_out_of_bounds(moment) is not None:
        raise EventFormatError(
            f"changes.embargo_until: {value!r} is not between {EARLIEST_EMBARGO.year} and {LATEST_EMBARGO.year}"
        )
    return moment


ROSTER_FIELDS = {
    "member-add": frozenset({"member"}),
    "member-remove": frozenset({"fingerprint"}),
    "key-rotate": frozenset({"old", "new", "key", "proof"}),
    "key-revoke": frozenset({"fingerprint", "since"}),
}
"""What each roster kind holds, exactly (the declared shape bounds each field's size and form)."""


def _roster(body: Mapping[str, Any]) -> dict[str, Any] | None:
    value, kind = body.get("roster"), body.get("kind")
    if value is None:
        return None
    if not isinstance(value, Mapping) or kind not in ROSTER_FIELDS or set(value) != ROSTER_FIELDS[str(kind)]:
        wanted = ", ".join(sorted(ROSTER_FIELDS.get(str(kind), ())))
        raise EventFormatError(f"roster: a {kind} event holds exactly: {wanted or 'no roster change'}")
    if kind == "key-rotate" and value["old"] == value["new"]:
        raise EventFormatError("roster: a key rotation names two different keys")
    if kind == "member-add":
        member = value["member"]
        if member["role"] == "coordinator" and member["projects"]:
            raise EventFormatError("roster.member: a coordinator reads every project; projects are a maintainer's")
    return dict(value)


def _ref(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(REF_KINDS) or len(value) > 1000:
        raise EventFormatError("ref is ghsa:<GHSA id>, hash:<sha256> or (from earlier versions) mid:<Message-ID>")
    return value


def _key_acceptance(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"address", "fingerprint"}:
        raise EventFormatError("key holds an address and a fingerprint")
    address, fingerprint = value["address"], value["fingerprint"]
    if not isinstance(address, str) or "@" not in address or len(address) > 320 or address != address.lower():
        raise EventFormatError("key.address is a lower-case mail address")
    if not isinstance(fingerprint, str) or not re.fullmatch(r"[0-9A-F]{40}", fingerprint):
        raise EventFormatError("key.fingerprint is 40 upper-case hex digits")
    return {"address": address, "fingerprint": fingerprint}


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise EventFormatError(f"{key} is missing or not text")
    return value


def _pair(value: object, name: str) -> tuple[object, object]:
    if not isinstance(value, list) or len(value) != 2:
        raise EventFormatError(f"changes.{name} is not [old, new]")
    return value[0], value[1]
