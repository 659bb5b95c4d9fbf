"""Changes of the roster made here (`team init`, adding, removing, rotating and revoking keys): each a roster event
signed with this workstation's key, judged by the fold as every receiver will judge it, and recorded in one
transaction, waiting to be sent to every member like other team events."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.store.team_log_store import newest_applied_at
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import EventFormatError, TeamEvent
from triage_tui.team.hlc import HybridClock, Timestamp
from triage_tui.team.log import record_local
from triage_tui.team.roles import config_roles
from triage_tui.team.roster import COORDINATOR, MAINTAINER, Member, coordinator_left
from triage_tui.team.roster_keys import key_problem, sign_rotation
from triage_tui.team.roster_receipt import load_history, settle

if TYPE_CHECKING:
    import gnupg

    from triage_tui.config import Config
    from triage_tui.store.store import Store
    from triage_tui.store.team_runner import EitherConnection, WriteConnection

FINGERPRINT = re.compile(r"[0-9A-F]{40}")


class RosterRefused(Exception):
    """The roster change is not made: the message names the rule (the team would refuse it too)."""


def fingerprint_of(typed: str) -> str:
    """A fingerprint as typed (spaces, lower case allowed), normalised; RosterRefused if it is not one."""
    value = typed.replace(" ", "").upper()
    if not FINGERPRINT.fullmatch(value):
        raise RosterRefused(f"{typed[:100]!r} is not a 40-hex-digit key fingerprint")
    return value


def members(connection: EitherConnection, config: Config) -> list[Member]:
    """Every member of the roster as it stands, present or removed, coordinators first, by name."""
    founders = config.team.coordinators if config.team else ()
    history = load_history(connection, founders)
    return sorted(history.current.members.values(), key=lambda m: (m.role != COORDINATOR, m.name, m.member_id))


def init_roster(store: Store, config: Config, gpg: gnupg.GPG, now: datetime | None = None) -> TeamEvent:
    """The founding coordinator (this workstation's identity, named in `[team] coordinators`) adds themselves."""
    me = config.identity.fingerprint.upper()
    if config.team is None:
        raise RosterRefused("no [team] table in the config: join a team with an invitation (triage-tui team join FILE)")
    with store.read() as connection:
        history = load_history(connection, config.team.coordinators)
    if me not in config.team.coordinators:
        # A maintainer (or a coordinator a founder invited) never starts a roster: the team has one already.
        holder = history.current.holder(me) if history.exists else None
        if holder is not None:
            raise RosterRefused(f"you are on the team's roster already (as a {holder.role}): nothing to init")
        raise RosterRefused(
            "you are not a founding coordinator: join the team with the invitation a coordinator gives you"
            " (triage-tui team join FILE)"
        )
    if history.exists:
        raise RosterRefused("the team's roster is started already (see triage-tui team members)")
    armored = _exported(gpg, me)
    return add_member(
        store, config, gpg, armored=armored, name=config.identity.name, email=config.identity.email,
        role=COORDINATOR, projects=(), imap_user=_own_account(config), now=now,
    )  # fmt: skip


def _own_account(config: Config) -> str | None:
    """The account this workstation logs in to the team server with (the server's access is planned for it), when
    it is a plain account name."""
    from triage_tui.sources.base import SourceError
    from triage_tui.team.acl import valid_imap_user
    from triage_tui.team.transport import team_server

    try:
        user = team_server(config).username
    except SourceError:
        return None
    return user if valid_imap_user(user) else None


def add_member(
    store: Store,
    config: Config,
    gpg: gnupg.GPG,
    *,
    armored: str | None = None,
    fingerprint: str | None = None,
    name: str,
    email: str,
    role: str,
    projects: Sequence[str] = (),
    imap_user: str | None = None,
    now: datetime | None = None,
    then: Callable[[WriteConnection, TeamEvent], None] | None = None,
) -> TeamEvent:
    """Add a member from their armoured public key (`armored`), or from a key of the keyring (`fingerprint`);
    with the key of a present member, change their details. The key must hold exactly one primary key. `then` runs
    in the same transaction once the event is kept: whatever it raises takes the event back."""
    if armored is None:
        if fingerprint is None:
            raise RosterRefused("a member is added from their public key or its fingerprint")
        armored = _exported(gpg, fingerprint_of(fingerprint))
    scanned = [str(k.get("fingerprint", "")).upper() for k in gpg.scan_keys_mem(armored) if k.get("type") == "pub"]
    if len(scanned) != 1:
        raise RosterRefused(f"the key given holds {len(scanned)} public keys; a member's key is exactly one")
    key = scanned[0]
    if fingerprint is not None and fingerprint_of(fingerprint) != key:
        raise RosterRefused(f"the key given is {key}, not {fingerprint_of(fingerprint)}")
    problem = key_problem(gpg, armored, key)
    if problem is not None:
        raise RosterRefused(problem)
    if role not in (COORDINATOR, MAINTAINER):
        raise RosterRefused(f"role is {COORDINATOR} or {MAINTAINER}, not {role!r}")
    member: dict[str, Any] = {
        "name": name, "email": email, "role": role, "projects": sorted(set(projects)), "imap_user": imap_user,
        "fingerprint": key, "key": armored,
    }  # fmt: skip
    return _record(store, config, gpg, "member-add", {"member": member}, now, then)


def remove_member(store: Store, config: Config, gpg: gnupg.GPG, typed: str, now: datetime | None = None) -> TeamEvent:
    """Remove the member whose current key is `typed`: their keys stop being valid from now."""
    return _record(store, config, gpg, "member-remove", {"fingerprint": fingerprint_of(typed)}, now)


def revoke_key(
    store: Store, config: Config, gpg: gnupg.GPG, typed: str, since: datetime | None = None, now: datetime | None = None
) -> TeamEvent:
    """Revoke a member's key: events it signed at or after `since` (default: now) are refused everywhere."""
    fingerprint = fingerprint_of(typed)

    def change(at: Timestamp) -> dict[str, Any]:
        start = Timestamp(int(since.timestamp() * 1000), 0) if since is not None else at
        return {"fingerprint": fingerprint, "since": start.text()}

    return _record(store, config, gpg, "key-revoke", change, now)


def rotate_key(store: Store, config: Config, gpg: gnupg.GPG, typed: str, now: datetime | None = None) -> TeamEvent:
    """Rotate this workstation's own key to `typed` (its secret key is here): signed by the old key, proved by the
    new one. The workstation's own side (the store's key, the config's identity) is `cli/team_rotate.py`'s."""
    old, new = config.identity.fingerprint.upper(), fingerprint_of(typed)
    problem = rotation_problem(gpg, old, new)
    if problem is not None:
        raise RosterRefused(problem)
    armored = _exported(gpg, new)

    def change(at: Timestamp) -> dict[str, Any]:
        try:
            proof = sign_rotation(gpg, old, new, at)
        except ValueError as error:
            raise RosterRefused(str(error)) from None
        return {"old": old, "new": new, "key": armored, "proof": proof}

    return _record(store, config, gpg, "key-rotate", change, now)


def rotation_problem(gpg: gnupg.GPG, old: str, new: str) -> str | None:
    """Why `new` cannot become this workstation's key in place of `old`, or None: it must be a primary key (a
    subkey's fingerprint names a key nobody can encrypt a whole event to), other than the current one, usable to
    both sign and encrypt, with its secret key here (it signs the proof, then every event)."""
    if new == old:
        return f"{new} is your current key already: nothing to rotate"
    for key in gpg.list_keys():
        primary = str(key.get("fingerprint", "")).upper()
        if primary == new:
            capabilities = str(key.get("cap", ""))
            if "S" not in capabilities or "E" not in capabilities:
                return f"the key {new} cannot both sign and encrypt (its usable capabilities: {capabilities or 'none'})"
            secret = {str(k.get("fingerprint", "")).upper() for k in gpg.list_keys(secret=True, keys=[new])}
            if new not in secret:
                return f"the secret key of {new} is not in this workstation's keyring"
            return None
        subkeys = {str(sub[2]).upper() for sub in key.get("subkeys", []) if len(sub) > 2}
        if new in subkeys:
            return f"{new} is a subkey of the key {primary}: give that primary key's fingerprint"
    return f"no public key {new} in this workstation's keyring"


def _exported(gpg: gnupg.GPG, fingerprint: str) -> str:
    armored = str(gpg.export_keys(fingerprint) or "")
    if "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
        raise RosterRefused(f"no public key {fingerprint} in this workstation's keyring")
    return armored


def _record(
    store: Store,
    config: Config,
    gpg: gnupg.GPG,
    kind: str,
    change: dict[str, Any] | Any,
    now: datetime | None,
    then: Callable[[WriteConnection, TeamEvent], None] | None = None,
) -> TeamEvent:
    """Make the roster event, judge it against the roster with it (as every receiver will) and keep it, waiting to
    be sent, all in one transaction (with `then`, when given); RosterRefused naming the rule if the fold refuses
    it."""
    if config.team is None:
        raise RosterRefused("no [team] table in the config: team sync is off")
    founders: Iterable[str] = config.team.coordinators
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with store.write() as connection:
        before = load_history(connection, founders)
        clock = HybridClock()
        newest = newest_applied_at(connection)
        if newest:
            clock.observe(Timestamp.parse(newest))
        at = clock.now()
        body = change(at) if callable(change) else change
        event = TeamEvent(ROSTER_CASE, config.identity.fingerprint.upper(), at, kind, roster=body)
        try:
            record_local(connection, event, moment)
        except EventFormatError as error:
            raise RosterRefused(str(error)) from None
        history = load_history(connection, founders)
        if event.id in history.refused:
            raise RosterRefused(history.refused[event.id])  # the transaction is rolled back: nothing is kept
        if coordinator_left(before.current) and not coordinator_left(history.current):
            raise RosterRefused(_last_coordinator(event))  # no one could ever sign a decision again
        settle(connection, gpg, founders, config_roles(config), moment)
        if then is not None:
            then(connection, event)  # what goes with the change (an invitation): if it fails, nothing is kept
    return event


def _last_coordinator(event: TeamEvent) -> str:
    """Why a change that leaves no coordinator able to sign is refused (one line), saying so when the key or the
    member is the author's own."""
    change = event.roster or {}
    target = str(change.get("fingerprint") or "")
    own = target == event.author
    first = "add another coordinator first (triage-tui team invite --role coordinator)"
    if event.kind == "key-revoke":
        whose = "your own key and the last coordinator key" if own else "the last coordinator key"
        you = "you could no longer sign, and " if own else ""
        revoked = f"revoked, {you}no one could sign the team's decisions again"
        return f"refused: {target} is {whose}: {revoked}; {first}"
    if event.kind == "member-remove":
        whom = "you are" if own else f"the member {target} is"
        removed = "removed, no one could sign the team's decisions again"
        return f"refused: {whom} the last coordinator: {removed}; {first}"
    return f"refused: the change leaves no coordinator able to sign the team's decisions; {first}"
