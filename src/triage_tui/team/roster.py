"""The team's signed roster (DESIGN section 5): who is a member, with which role, projects and keys, folded from
roster events in their total order, so every workstation holding the same roster events has the same roster; and
the rights rule every case event is judged by on receipt (and a maintainer's own decisions before they are made)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.roles import TeamRoles

COORDINATOR, MAINTAINER = "coordinator", "maintainer"
__all__ = ["ROSTER_CASE", "Member", "MemberKey", "Roster", "RosterHistory", "coordinator_left", "first_change", "fold"]
BEGINNING = Timestamp(0, 0)
"""Before every event: `first_change` when every event may be judged otherwise."""


@dataclass(frozen=True)
class MemberKey:
    """One of a member's keys and when it speaks for them."""

    fingerprint: str
    armored: str
    valid_from: Timestamp
    valid_until: Timestamp | None = None
    revoked_since: Timestamp | None = None

    def valid_at(self, at: Timestamp) -> bool:
        """Whether an event signed by this key at `at` is the member's (from, until and revocation)."""
        if at < self.valid_from or (self.valid_until is not None and at >= self.valid_until):
            return False
        return self.revoked_since is None or at < self.revoked_since


@dataclass(frozen=True)
class Member:
    """A member of the team, identified by the key they were added with (`member_id`) whatever keys they rotate to."""

    member_id: str
    name: str
    email: str
    role: str
    projects: tuple[str, ...]
    imap_user: str | None
    keys: tuple[MemberKey, ...]
    removed_at: Timestamp | None = None

    @property
    def current_key(self) -> MemberKey:
        """The newest key (the one a rotation or the addition gave)."""
        return self.keys[-1]

    @property
    def active(self) -> bool:
        """Not removed, and the current key neither replaced nor revoked: events are encrypted to it."""
        key = self.current_key
        return self.removed_at is None and key.valid_until is None and key.revoked_since is None

    def as_json(self) -> dict[str, Any]:
        """The member as `team members --json` prints it, its times in ISO 8601 UTC."""
        return {
            "member_id": self.member_id,
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "projects": list(self.projects),
            "imap_user": self.imap_user,
            "removed_at": self.removed_at.iso() if self.removed_at else None,
            "keys": [
                {
                    "fingerprint": k.fingerprint,
                    "valid_from": k.valid_from.iso(),
                    "valid_until": k.valid_until.iso() if k.valid_until else None,
                    "revoked_since": k.revoked_since.iso() if k.revoked_since else None,
                }
                for k in self.keys
            ],
        }


@dataclass(frozen=True)
class Roster:
    """The members at one point of the fold (by member id)."""

    members: Mapping[str, Member] = field(default_factory=dict)

    def holder(self, fingerprint: str) -> Member | None:
        """The member one of whose keys (current or former) is `fingerprint`."""
        for member in self.members.values():
            if any(key.fingerprint == fingerprint for key in member.keys):
                return member
        return None

    def valid_member(self, fingerprint: str, at: Timestamp) -> Member | None:
        """The member `fingerprint` speaks for at `at`, or None (not a member's key, or not valid then)."""
        member = self.holder(fingerprint)
        if member is None:
            return None
        key = next(k for k in member.keys if k.fingerprint == fingerprint)
        return member if key.valid_at(at) else None

    def roles_valid_at(self, at: Timestamp) -> TeamRoles:
        """Every key valid at `at`, as the roles it holds."""
        coordinators: set[str] = set()
        maintainers: dict[str, set[str]] = {}
        for member in self.members.values():
            for key in member.keys:
                if key.valid_at(at):
                    _place(member, key.fingerprint, coordinators, maintainers)
        return TeamRoles(frozenset(coordinators), {p: frozenset(f) for p, f in maintainers.items()})

    def current_roles(self) -> TeamRoles:
        """Who events are encrypted to from now on: each active member's current key."""
        coordinators: set[str] = set()
        maintainers: dict[str, set[str]] = {}
        for member in self.members.values():
            if member.active:
                _place(member, member.current_key.fingerprint, coordinators, maintainers)
        return TeamRoles(frozenset(coordinators), {p: frozenset(f) for p, f in maintainers.items()})


def _place(member: Member, fingerprint: str, coordinators: set[str], maintainers: dict[str, set[str]]) -> None:
    if member.role == COORDINATOR:
        coordinators.add(fingerprint)
    else:
        for project in member.projects:
            maintainers.setdefault(project, set()).add(fingerprint)


@dataclass(frozen=True)
class RosterHistory:
    """The fold of every roster event: the roster after each accepted one (`roster_at`), and why each refused one
    was refused. Revocations count from their `since`, which may be before the revoking event: a key found
    compromised is revoked for what it signed since, whenever the revocation is made."""

    times: tuple[Timestamp, ...] = ()
    snapshots: tuple[Roster, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    """Roster event id -> the rule it broke, as judged against the roster folded before it."""
    accepted: tuple[str, ...] = ()
    """Accepted roster event ids, in the order they were folded."""

    @property
    def exists(self) -> bool:
        """Whether the roster decides (at least one accepted roster event); else roles come from the config."""
        return bool(self.accepted)

    @property
    def current(self) -> Roster:
        return self.snapshots[-1] if self.snapshots else Roster()

    def roster_at(self, at: Timestamp) -> Roster:
        """The roster in force at `at`: after every accepted roster event at or before it."""
        index = bisect_right(self.times, at) - 1
        return self.snapshots[index] if index >= 0 else Roster()

    def revoked_since(self, fingerprint: str) -> Timestamp | None:
        """Since when `fingerprint` is revoked (by any accepted revocation, however late it came), or None."""
        # Every key's, found once (a sync judges thousands of events; a member's lookup scans the roster).
        revoked: dict[str, Timestamp | None] | None = self.__dict__.get("_revoked")
        if revoked is None:
            revoked = {}
            for key in (key for member in self.current.members.values() for key in member.keys):
                revoked.setdefault(key.fingerprint, key.revoked_since)  # the first holder's, as `holder` finds
            self.__dict__["_revoked"] = revoked
        return revoked.get(fingerprint)

    def roles_at(self, at: Timestamp) -> TeamRoles:
        """The roles of the keys valid at `at`, revoked keys left out (cached per snapshot: a sync judges thousands
        of events against a handful of rosters)."""
        # Searched as plain numbers (comparing Timestamps costs more than the rest of a lookup), found once.
        plain: list[tuple[int, int]] | None = self.__dict__.get("_plain_times")
        if plain is None:
            plain = self.__dict__["_plain_times"] = [(t.wall_ms, t.counter) for t in self.times]
        index = bisect_right(plain, (at.wall_ms, at.counter)) - 1
        if index < 0:
            return TeamRoles(frozenset())
        cache: dict[int, TeamRoles] = self.__dict__.setdefault("_roles", {})
        if index not in cache:
            # Keys valid at the snapshot's own time are those valid until the next roster event; revocations are
            # taken from the final fold (`revoked_since`) by the caller.
            unrevoked = _without_revocations(self.snapshots[index])
            cache[index] = unrevoked.roles_valid_at(self.times[index])
        return cache[index]


def first_change(before: RosterHistory, after: RosterHistory) -> Timestamp | None:
    """The earliest time from which an event may be judged otherwise under `after` than under `before` (None: at no
    time): every event before it finds the same roster in force (the snapshots agree up to there) and the same
    revocations. A change between a roster and none (the config deciding) changes every time (`BEGINNING`)."""
    if before.exists != after.exists:
        return BEGINNING
    changes: list[Timestamp] = []
    for index in range(max(len(before.times), len(after.times))):
        old = (before.times[index], before.snapshots[index]) if index < len(before.times) else None
        new = (after.times[index], after.snapshots[index]) if index < len(after.times) else None
        if old != new:
            changes.extend(step[0] for step in (old, new) if step is not None)
            break
    # Revocations count from their `since`, whenever the revoking event came: taken from the final folds.
    keys = {k.fingerprint for h in (before, after) for m in h.current.members.values() for k in m.keys}
    for fingerprint in keys:
        was, now = before.revoked_since(fingerprint), after.revoked_since(fingerprint)
        if was != now:
            changes.extend(since for since in (was, now) if since is not None)
    return min(changes, default=None)


def _without_revocations(roster: Roster) -> Roster:
    members = {
        mid: replace(m, keys=tuple(replace(k, revoked_since=None) for k in m.keys)) for mid, m in roster.members.items()
    }
    return Roster(members)


def fold(events: Iterable[TeamEvent], founders: Iterable[str]) -> RosterHistory:
    """The roster history of `events` (roster events whose signature, key and proof were checked), each judged in
    `TeamEvent.order_key()` order against the roster folded before it: the same for any order they arrived in.
    `founders`: the founding coordinators' fingerprints (from the local config)."""
    founding = {f.upper() for f in founders}
    unique = {event.id: event for event in events if event.roster is not None}
    roster = Roster()
    times: list[Timestamp] = []
    snapshots: list[Roster] = []
    refused: dict[str, str] = {}
    accepted: list[str] = []
    for event in sorted(unique.values(), key=TeamEvent.order_key):
        outcome = _step(roster, event, founding)
        if isinstance(outcome, str):
            refused[event.id] = outcome
            continue
        roster = outcome
        accepted.append(event.id)
        times.append(event.at)
        snapshots.append(roster)
    return RosterHistory(tuple(times), tuple(snapshots), refused, tuple(accepted))


def _step(roster: Roster, event: TeamEvent, founders: set[str]) -> Roster | str:
    """The roster after `event`, or the rule it breaks."""
    change = event.roster or {}
    author = roster.valid_member(event.author, event.at)
    if event.kind == "key-rotate":
        old, new = str(change["old"]), str(change["new"])
        if event.author != old or author is None or author.current_key.fingerprint != old:
            return "a key rotation is signed by the member's current key, valid at its time"
        if roster.holder(new) is not None:
            return f"the new key {new} is already a member's"
        keys = (*author.keys[:-1], replace(author.current_key, valid_until=event.at))
        rotated = (*keys, MemberKey(new, str(change["key"]), event.at))
        return _with(roster, replace(author, keys=rotated))
    if event.kind == "member-add":
        spec: Mapping[str, Any] = change["member"]
        founding = (
            event.author in founders and spec["fingerprint"] == event.author and spec["role"] == COORDINATOR
        ) and roster.holder(event.author) is None
        if not founding and (author is None or author.role != COORDINATOR):
            return "only a coordinator (valid at the event's time) adds a member"
        return _added(roster, event, spec)
    if author is None or author.role != COORDINATOR:
        return f"only a coordinator (valid at the event's time) may {_ACTS.get(event.kind, 'change the roster')}"
    target = roster.holder(str(change["fingerprint"]))
    if target is None:
        return f"{change['fingerprint']} is no member's key"
    if event.kind == "member-remove":
        if target.removed_at is not None or target.current_key.fingerprint != change["fingerprint"]:
            return "a removal names a present member's current key"
        keys = tuple(replace(k, valid_until=k.valid_until or event.at) for k in target.keys)
        return _with(roster, replace(target, keys=keys, removed_at=event.at))
    since = Timestamp.parse(str(change["since"]))
    keys = tuple(
        replace(k, revoked_since=min(since, k.revoked_since or since)) if k.fingerprint == change["fingerprint"] else k
        for k in target.keys
    )
    return _with(roster, replace(target, keys=keys))


_ACTS = {"member-remove": "remove a member", "key-revoke": "revoke a key"}
"""What each roster event does, as the rule's message says it."""


def coordinator_left(roster: Roster) -> bool:
    """Whether a coordinator remains who can sign from now on: present, their current key neither replaced nor
    revoked (a revocation from a later time counts: from then the team could never decide again)."""
    return any(member.role == COORDINATOR and member.active for member in roster.members.values())


def _added(roster: Roster, event: TeamEvent, spec: Mapping[str, Any]) -> Roster | str:
    """A member added, re-added after a removal, or (the same key, present) their details changed."""
    fingerprint = str(spec["fingerprint"])
    details = {
        "name": str(spec["name"]),
        "email": str(spec["email"]),
        "role": str(spec["role"]),
        "projects": tuple(sorted(str(p) for p in spec["projects"])),
        "imap_user": spec["imap_user"],
    }
    holder = roster.holder(fingerprint)
    if holder is None:
        return _with(roster, Member(fingerprint, keys=(MemberKey(fingerprint, str(spec["key"]), event.at),), **details))
    if holder.removed_at is None:
        if holder.current_key.fingerprint != fingerprint:
            return f"{fingerprint} is a former key of a member: it cannot be added again"
        return _with(roster, replace(holder, **details))
    if holder.keys[-1].fingerprint != fingerprint:
        return f"{fingerprint} is a former key of a removed member"
    key = MemberKey(fingerprint, str(spec["key"]), event.at)
    return _with(roster, replace(holder, keys=(*holder.keys, key), removed_at=None, **details))


def _with(roster: Roster, member: Member) -> Roster:
    return Roster({**roster.members, member.member_id: member})
