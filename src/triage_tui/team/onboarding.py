"""Onboarding a member, as `team invite`/`team join` and `triage-tui demo --team` do it: the coordinator adds them to
the signed roster and seals an invitation carrying the team's settings and the roster so far; the invitee opens it,
confirms, gets a workspace config, takes in the roster (its keys imported by the roster code) and syncs once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO, cast

from triage_tui.config import load_config
from triage_tui.services.safe_write import check_new_file, write_new_file
from triage_tui.store import roster_store
from triage_tui.team.acl import AclPlan, acl_commands, creation_commands
from triage_tui.team.envelope import sign_event
from triage_tui.team.events import decode
from triage_tui.team.invitation import inviter_from_keyring, open_invitation, seal_invitation
from triage_tui.team.invitation_document import Invitation, InvitationError, Invitee, Server, check
from triage_tui.team.invitation_roster import checked_inviter
from triage_tui.team.join_config import join_settings, write_join_config
from triage_tui.team.join_prompt import confirm, confirmation_text
from triage_tui.team.recipients import RecipientError, unusable_recipients
from triage_tui.team.roles import config_roles
from triage_tui.team.roster import Member, Roster
from triage_tui.team.roster_acl import roster_acl_plan
from triage_tui.team.roster_keys import import_key
from triage_tui.team.roster_receipt import judge_received, load_history, settle
from triage_tui.team.roster_writes import RosterRefused, add_member, fingerprint_of
from triage_tui.team.transport import sync_team, team_server
from triage_tui.workspace import Workspace, resolve_workspace

if TYPE_CHECKING:
    import gnupg

    from triage_tui.config import Config
    from triage_tui.store.store import Store
    from triage_tui.store.team_runner import WriteConnection
    from triage_tui.team.events import TeamEvent
    from triage_tui.team.sync_outcome import TeamSyncResult

__all__ = ["InviteResult", "JoinResult", "invite", "join"]

_STAND_IN_EVENT = "-----BEGIN PGP MESSAGE-----\n\nx\n-----END PGP MESSAGE-----\n"
"""Stands in for the roster in the check made before anything is recorded (the shape check does not read it)."""


@dataclass(frozen=True)
class InviteResult:
    """What inviting did: the member-add event recorded, the invitation and its sealed bytes (for the invitee only),
    and the server access the whole roster now calls for (the admin's doveadm lines)."""

    event: TeamEvent
    invitation: Invitation
    sealed: bytes
    plan: AclPlan
    commands: tuple[str, ...]
    """`doveadm acl set`/`acl delete` lines for every folder of the plan."""
    creation: tuple[str, ...]
    """`doveadm mailbox create` lines for every folder of the plan (for those not on the server yet)."""


def invite(
    store: Store,
    config: Config,
    gpg: gnupg.GPG,
    *,
    key_armored: str | None = None,
    key_fingerprint: str | None = None,
    email: str,
    name: str | None = None,
    role: str,
    projects: Sequence[str] = (),
    imap_user: str,
    now: datetime | None = None,
    output: Path | None = None,
) -> InviteResult:
    """Add the invitee to the roster (a signed member-add, waiting to be sent) and seal their invitation: signed by
    this coordinator, encrypted to the invitee, carrying the founders, the prefix, the server and the signed form of
    every accepted roster event, the new one included; with `output`, the sealed invitation is written there (a new
    file). All or nothing: the member-add, the signatures kept and the file are one transaction, and what can be
    checked first is (RosterRefused or InvitationError; RecipientError when gpg cannot encrypt to the invitee;
    WriteError when `output` cannot be written), so a refusal leaves no member nobody was invited as."""
    team = config.team
    if team is None:
        raise RosterRefused("no [team] table in the config: team sync is off")
    if team.prefix is None:
        raise RosterRefused('invitations are for per-audience folders: set [team] prefix (e.g. "Team/")')
    unknown = sorted(set(projects) - set(config.projects))
    if unknown:
        known = ", ".join(sorted(config.projects)) or "none"
        raise RosterRefused(f"no project {', '.join(unknown)} in the config (its projects: {known})")
    me = config.identity.fingerprint.upper()
    armored = key_armored if key_armored is not None else _exported(gpg, fingerprint_of(key_fingerprint or ""))
    invitee_key = _one_key(gpg, armored, key_fingerprint)
    if output is not None:
        check_new_file(output)  # an invitation file is never replaced
    with store.read() as connection:
        roster = load_history(connection, team.coordinators).current
    problem = member_key_problem(roster, invitee_key)
    if problem is not None:
        raise RosterRefused(problem)
    invitee = Invitee(
        name=name if name is not None else _name_in_key(gpg, armored, email),
        email=email,
        role=cast(Literal["coordinator", "maintainer"], role),
        projects=tuple(sorted(set(projects))),
        imap_user=imap_user,
        fingerprint=invitee_key,
    )
    server = team_server(config)
    draft = Invitation(
        inviter=inviter_from_keyring(gpg, me, config.identity.name, config.identity.email),
        coordinators=team.coordinators,
        prefix=team.prefix,
        server=Server(host=server.host, port=server.port, security=server.security),
        invitee=invitee,
        roster=(_STAND_IN_EVENT,),
    )
    check(draft.document())  # what the invitee's check refuses is refused before the roster changes
    _plan(roster, config)  # the team's own settings, checked
    _check_encryptable(gpg, armored, invitee_key)
    made: list[InviteResult] = []
    written: list[Path] = []

    def seal_and_write(connection: WriteConnection, event: TeamEvent) -> None:
        """In the member-add's own transaction: whatever fails here takes the member-add back."""
        signed = _sign_unsigned(connection, gpg)
        plan = _plan(load_history(connection, team.coordinators).current, config)
        invitation = Invitation(
            draft.inviter,
            draft.coordinators,
            draft.prefix,
            draft.server,
            draft.invitee,
            tuple(s.decode() for s in signed),
        )
        sealed = seal_invitation(gpg, invitation)  # InvitationError, RecipientError: nothing is recorded
        if output is not None:
            written.append(write_new_file(output, sealed))  # the last step: only the commit comes after it
        made.append(
            InviteResult(event, invitation, sealed, plan, tuple(acl_commands(plan)), tuple(creation_commands(plan)))
        )

    try:
        add_member(
            store, config, gpg, armored=armored, name=invitee.name, email=email, role=role,
            projects=invitee.projects, imap_user=imap_user, now=now, then=seal_and_write,
        )  # fmt: skip
    except BaseException:
        for path in written:  # the commit failed after the file was written: no invitation for a change not kept
            path.unlink(missing_ok=True)
        raise
    return made[0]


def member_key_problem(roster: Roster, fingerprint: str) -> str | None:
    """Why `fingerprint` cannot be invited (one line naming the member it belongs to), or None: a present member's
    key (current or former) or a revoked key; a removed member's last key, unrevoked, may be invited again."""
    member = roster.holder(fingerprint)
    if member is None:
        return None
    key = next(k for k in member.keys if k.fingerprint == fingerprint)
    who = f"{member.name} <{member.email}> ({member.role})"
    if key.revoked_since is not None:
        return f"{fingerprint} is a revoked key of {who}: invite them with a new key"
    if member.current_key.fingerprint != fingerprint:
        return f"{fingerprint} is a former key of {who} (rotated away): it cannot be invited again"
    if member.removed_at is None:
        return f"{fingerprint} is the key of {who}, a member already: remove them first (triage-tui team remove)"
    return None


def _check_encryptable(gpg: gnupg.GPG, armored: str, fingerprint: str) -> None:
    """The invitee's key brought into the keyring (an import grants nothing) and checked as gpg will encrypt to it:
    RosterRefused or RecipientError (one line) before anything is recorded."""
    problem = import_key(gpg, armored, fingerprint)
    if problem is not None:
        raise RosterRefused(problem)
    unusable = unusable_recipients(gpg, [fingerprint])
    if unusable:
        raise RecipientError(unusable)


def _plan(roster: Roster, config: Config) -> AclPlan:
    try:
        return roster_acl_plan(roster, config)
    except ValueError as error:
        raise InvitationError(f"the team's server access cannot be planned: {error}") from None


def _sign_unsigned(connection: WriteConnection, gpg: gnupg.GPG) -> list[bytes]:
    """The signed form of every accepted roster event, in the roster's order; local ones not sent yet are signed
    now (by their author's key, which is this workstation's) and the signature kept."""
    found: list[tuple[TeamEvent, bytes]] = []
    for row in roster_store.accepted_roster(connection):
        event = decode(row.body)
        signed = row.signed
        if signed is None:
            try:
                signed = sign_event(gpg, event)
            except ValueError as error:
                raise InvitationError(f"the roster event {row.id} cannot be signed here: {error}") from None
            roster_store.keep_signed(connection, row.id, signed)
        found.append((event, signed))
    return [signed for _event, signed in sorted(found, key=lambda pair: pair[0].order_key())]


def _exported(gpg: gnupg.GPG, fingerprint: str) -> str:
    armored = str(gpg.export_keys(fingerprint, minimal=True) or "")
    if "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
        raise RosterRefused(f"no public key {fingerprint} in this workstation's keyring")
    return armored


def _one_key(gpg: gnupg.GPG, armored: str, typed: str | None) -> str:
    scanned = [str(k.get("fingerprint", "")).upper() for k in gpg.scan_keys_mem(armored) if k.get("type") == "pub"]
    if len(scanned) != 1:
        raise RosterRefused(f"the key given holds {len(scanned)} public keys; a member's key is exactly one")
    if typed is not None and fingerprint_of(typed) != scanned[0]:
        raise RosterRefused(f"the key given is {scanned[0]}, not {fingerprint_of(typed)}")
    return scanned[0]


def _name_in_key(gpg: gnupg.GPG, armored: str, email: str) -> str:
    """The name of the key's first user id ("Name <address>"), else the address's local part."""
    for key in gpg.scan_keys_mem(armored):
        for uid in key.get("uids") or []:
            name = str(uid).split("<", 1)[0].strip()
            if name and name.isprintable() and len(name) <= 128:
                return name
    return email.split("@", 1)[0]


@dataclass(frozen=True)
class JoinResult:
    """What joining did. `joined` False: the joiner said no and nothing was written."""

    joined: bool
    invitation: Invitation
    config_path: Path | None = None
    roster_applied: int = 0
    roster_refused: tuple[str, ...] = ()
    """Why each roster event of the invitation that the roster refused was refused."""
    member: Member | None = None
    """The joiner as the roster has them (None: the invitation's roster does not make them a member)."""
    sync: TeamSyncResult | None = None
    problems: tuple[str, ...] = field(default=())


def join(
    home: Workspace | Path | str | None,
    sealed_bytes: bytes,
    *,
    yes: bool,
    stdin: TextIO,
    stdout: TextIO,
    password_command: str | None = None,
    password_env: str | None = None,
    gnupg_home: Path | None = None,
    ca_file: Path | None = None,
    now: datetime | None = None,
) -> JoinResult:
    """Open the invitation with the joiner's key, show it and take their confirmation, write the workspace config
    (a new one, or `[team]` added), open (or create) the encrypted store, take in the roster's signed events as
    received roster events and sync the team once. InvitationError, NotConfirmed, TeamConfigError, WriteError,
    ConfigError or StoreError (one line each) when it cannot; nothing is written before the confirmation."""
    from triage_tui.services.store_key import let_pinentry_use_this_terminal, unlock_store
    from triage_tui.store.store import Store

    let_pinentry_use_this_terminal()  # the invitation is opened with the joiner's secret key: its passphrase is asked
    workspace = home if isinstance(home, Workspace) else resolve_workspace(home)
    existing = load_config(workspace.config_path) if workspace.config_path.exists() else None
    own = existing.identity.fingerprint.upper() if existing is not None else None
    keyring = gnupg_home or (existing.gnupg_home() if existing is not None else _env_gnupg_home())
    invitation = open_invitation(sealed_bytes, keyring, own_fingerprint=own)
    inviter = checked_inviter(invitation)  # before the prompt: a roster that does not hold up stops the join here
    known_as = (inviter.name, inviter.email)
    if not confirm(confirmation_text(invitation, known_as), yes=yes, stdin=stdin, stdout=stdout):
        return JoinResult(False, invitation)
    settings = join_settings(
        invitation, own or invitation.invitee.fingerprint, password_command=password_command,
        password_env=password_env, ca_file=ca_file,
        # The keyring the invitation was opened with, when the environment named it (GNUPGHOME) for a new workspace:
        # the workspace must find the key again later without that environment.
        gnupg_home=gnupg_home or (None if existing is not None else _env_gnupg_home()),
    )  # fmt: skip
    workspace.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = write_join_config(workspace.config_path, settings)
    config = load_config(path)
    unlock_store(workspace.database_path, config.identity.fingerprint, config.gnupg_home())
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with Store(workspace.database_path) as store:
        applied, refused, member = _take_roster(store, config, invitation.roster, moment)
        synced = sync_team(store, config)
    return JoinResult(True, invitation, path, applied, refused, member, synced)


def _take_roster(
    store: Store, config: Config, roster: Sequence[str], now: datetime
) -> tuple[int, tuple[str, ...], Member | None]:
    """The invitation's signed roster events taken in as received ones, judged like any (the keys they carry are
    imported by the roster code as they are checked), then the roster settled: (accepted, refusals, the joiner)."""
    from triage_tui.replies.compose_reply import open_gpg
    from triage_tui.team.envelope import open_signed
    from triage_tui.team.receive import receive

    assert config.team is not None  # written by the join just now
    founders = config.team.coordinators
    home = config.gnupg_home()
    gpg = open_gpg(str(home) if home else None)
    roles = config_roles(config)
    with store.write() as connection:
        history = load_history(connection, founders)
        judged = [judge_received(gpg, open_signed(gpg, text.encode("ascii")), roles, history) for text in roster]
        receive(connection, judged, now)
        settled = settle(connection, gpg, founders, roles, now, fresh=True)
    history = settled.history
    refusals = [f"{o.rejection}" + (f": {o.detail}" if o.detail else "") for o in judged if o.rejection is not None]
    refusals += [history.refused[o.event.id] for o in judged if o.event is not None and o.event.id in history.refused]
    me = config.identity.fingerprint.upper()
    member = history.current.holder(me)
    return len(history.accepted), tuple(refusals), member


def _env_gnupg_home() -> Path | None:
    env = os.environ.get("GNUPGHOME")
    return Path(env).expanduser() if env else None
