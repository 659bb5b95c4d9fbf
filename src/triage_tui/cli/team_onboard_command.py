"""Provides `triage-tui team invite` (the member added to the roster, their invitation file written, the server's
access set by SETACL where the coordinator's account may, else printed for the admin) and `team join` (a new
member's workspace from the invitation, the roster taken in, a first sync)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK, CliError
from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    import gnupg

    from triage_tui.config import Config
    from triage_tui.store.store import Store
    from triage_tui.team.onboarding import InviteResult
    from triage_tui.team.sync_outcome import TeamSyncResult
    from triage_tui.workspace import Workspace

MAX_KEY_FILE_BYTES = 64 * 1024 * 4 // 3 + 4096
"""An armoured public key the roster takes (at most 64 KiB of key) with its armour; a bigger file is not read."""


def add_onboard_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], home: Callable[..., None]
) -> None:
    """`team invite` and `team join`."""
    invite = actions.add_parser("invite", help="add a member to the roster and write their invitation file")
    home(invite)
    invite.add_argument("--role", required=True, choices=("coordinator", "maintainer"))
    invite.add_argument("--project", action="append", default=[], metavar="P", help="a maintainer's project (again)")
    invite.add_argument("--key", required=True, metavar="FILE|FPR", help="their public key file, or its fingerprint")
    invite.add_argument("--email", required=True, metavar="ADDR")
    invite.add_argument("--imap-user", required=True, metavar="USER", help="their own account on the team server")
    invite.add_argument("--name", metavar="NAME", help="default: the name of the key's user id")
    invite.add_argument("--output", metavar="FILE", type=Path, help="default: invitation-USER.asc (never replaced)")
    invite.add_argument("--no-server", action="store_true", help="do not connect: print the admin's ACL commands")
    join = actions.add_parser("join", help="join a team from the invitation file a coordinator gave you")
    home(join)
    join.add_argument("invitation", metavar="FILE", type=Path)
    join.add_argument("--yes", action="store_true", help="the inviter's key is checked: do not ask")
    password = join.add_mutually_exclusive_group(required=True)
    password.add_argument("--password-command", metavar="CMD", help="prints your team server password")
    password.add_argument("--password-env", metavar="VAR", help="environment variable holding it")
    join.add_argument("--gnupg-home", metavar="DIR", type=Path, help="GnuPG home holding your key")
    join.add_argument("--ca-file", metavar="FILE", type=Path, help="CA certificate of the team server")


def run_invite(store: Store, config: Config, args: argparse.Namespace, out: TextIO) -> int:
    """`team invite`: exit 2 naming the problem when nothing was recorded, 1 when the server's access could not be
    set (the invitation is written and the admin's commands printed all the same)."""
    from triage_tui.services.safe_write import WriteError
    from triage_tui.team.invitation_document import InvitationError
    from triage_tui.team.onboarding import invite
    from triage_tui.team.recipients import RecipientError
    from triage_tui.team.roster_writes import RosterRefused

    output = args.output or Path(f"invitation-{_plain(args.imap_user)}.asc")
    armored, fingerprint = _key(args.key)
    gpg = _gpg(config)
    try:
        result = invite(
            store, config, gpg, key_armored=armored, key_fingerprint=fingerprint, email=args.email, name=args.name,
            role=args.role, projects=args.project, imap_user=args.imap_user, output=output,
        )  # fmt: skip
    except WriteError as error:
        raise CliError(f"{neutralise_line(str(error))}; nothing was recorded (give another --output)") from None
    except (RosterRefused, InvitationError, RecipientError) as error:
        raise CliError(neutralise_line(str(error))) from None
    written = output.expanduser()
    out.write(f"invitation for {neutralise_line(result.invitation.invitee.name)} written to {written}\n")
    out.write("the roster change waits to be sent to every member (triage-tui sync)\n")
    for refusal in result.plan.refused:
        out.write(neutralise_line(f"no server access planned for {refusal.who}: {refusal.reason}") + "\n")
    if args.no_server:
        _print_commands(out, [*result.creation, *result.commands], creation=len(result.creation))
        return EXIT_OK
    return _apply(config, result, out)


def _apply(config: Config, result: InviteResult, out: TextIO) -> int:
    """Set the plan's rights by SETACL where this account holds `a`; print the admin's lines for the rest."""
    from triage_tui.sources.base import SourceError
    from triage_tui.sources.imap import ImapSource
    from triage_tui.team.acl_apply import apply_acl
    from triage_tui.team.transport import team_server

    try:
        with ImapSource(team_server(config)).session("team invite") as client:
            outcome = apply_acl(client, result.plan, create=True)
    except SourceError as error:
        out.write(f"server access not set: {neutralise_line(str(error))}\n")
        _print_commands(out, [*result.creation, *result.commands], creation=len(result.creation))
        return EXIT_FAILED
    if outcome.applied:
        out.write(f"server access set by SETACL on {', '.join(outcome.applied)}\n")
    for problem in outcome.problems:
        out.write(neutralise_line(problem) + "\n")
    if outcome.commands:
        creation = sum(1 for line in outcome.commands if line.startswith("doveadm mailbox create"))
        _print_commands(out, list(outcome.commands), creation=creation)
        return EXIT_FAILED
    return EXIT_OK


def _print_commands(out: TextIO, lines: list[str], *, creation: int) -> None:
    if creation:
        out.write("for the server's admin: create the folders not there yet:\n")
        out.writelines(f"  {line}\n" for line in lines[:creation])
    out.write("for the server's admin: set the team's rights:\n")
    out.writelines(f"  {line}\n" for line in lines[creation:])


def _plain(user: str) -> str:
    from triage_tui.team.acl import valid_imap_user

    if not valid_imap_user(user):
        raise CliError(f"--imap-user {user[:64]!r} is not a plain account name")
    return user


def _key(typed: str) -> tuple[str | None, str | None]:
    """(armoured key, None) when `typed` names a file, else (None, the fingerprint typed)."""
    path = Path(typed)
    if not path.is_file():
        if "/" in typed or typed.endswith((".asc", ".gpg", ".pub")):
            raise CliError(f"--key {typed[:100]!r}: no such file (give a key file or a fingerprint)")
        return None, typed
    from triage_tui.services.safe_read import ReadRefused, read_bounded

    try:
        data = read_bounded(path, MAX_KEY_FILE_BYTES)
    except ReadRefused as error:
        if error.kind == "too-big":
            raise CliError(
                f"the key file {path} is over {MAX_KEY_FILE_BYTES} bytes; a member's key is smaller"
            ) from None
        raise CliError(f"cannot read the key file {path}: {error.reason}") from None
    text = data.decode("ascii", "replace")
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in text:
        raise CliError(f"the key file {path} holds no ASCII-armoured public key (gpg --armor --export)")
    return text, None


def _gpg(config: Config) -> gnupg.GPG:
    from triage_tui.replies.compose_reply import open_gpg

    home = config.gnupg_home()
    return open_gpg(str(home) if home else None)


def run_join(workspace: Workspace, args: argparse.Namespace, out: TextIO, stdin: TextIO | None = None) -> int:
    """`team join`: exit 2 when not joined (refused, or not confirmed), 1 when joined but the first sync failed."""
    from triage_tui.config import ConfigError
    from triage_tui.config.team_writing import TeamConfigError
    from triage_tui.services.safe_write import WriteError
    from triage_tui.team.invitation import read_sealed
    from triage_tui.team.invitation_document import InvitationError
    from triage_tui.team.join_prompt import NotConfirmed
    from triage_tui.team.onboarding import join

    try:
        sealed = read_sealed(args.invitation)
        result = join(
            workspace, sealed, yes=args.yes, stdin=stdin or sys.stdin, stdout=out,
            password_command=args.password_command, password_env=args.password_env,
            gnupg_home=args.gnupg_home.expanduser().resolve() if args.gnupg_home else None,
            ca_file=args.ca_file.expanduser().resolve() if args.ca_file else None,
        )  # fmt: skip
    except (InvitationError, NotConfirmed, TeamConfigError, WriteError) as error:
        raise CliError(neutralise_line(str(error))) from None
    except ConfigError as error:
        raise CliError(f"the workspace's config: {neutralise_line(str(error))}") from None
    if not result.joined:
        raise CliError("not joined: nothing was written")
    invitee = result.invitation.invitee
    role = f"maintainer of {', '.join(invitee.projects)}" if invitee.role == "maintainer" else "coordinator"
    out.write(f"joined as {role}; config written to {result.config_path}\n")
    out.write(f"roster: {result.roster_applied} events taken in\n")
    for refusal in result.roster_refused:
        out.write(f"roster event refused: {neutralise_line(refusal)}\n")
    if result.member is None:
        out.write("the invitation's roster does not make you a member: ask the inviter to send a new one\n")
    return _report_sync(result.sync, out)


def _report_sync(synced: TeamSyncResult | None, out: TextIO) -> int:
    if synced is None:
        return EXIT_OK
    if synced.error is not None:
        out.write(f"first team sync failed: {neutralise_line(synced.error)}\n")
        return EXIT_FAILED
    outcome = synced.outcome
    out.write(f"first team sync: {outcome.applied} events applied, {outcome.sent} sent\n")
    for line in (outcome.identity, outcome.folders_line(), outcome.waiting_line()):
        if line:
            out.write(neutralise_line(line) + "\n")
    return EXIT_OK
