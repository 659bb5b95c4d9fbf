"""Provides `triage-tui team init|members|remove|rotate-key|revoke` (`invite` and `join` in `team_onboard_command`):
the roster changed from the command line, each change a signed roster event waiting to be sent to every member (a
removal is sent at once, before the member's server rights go); a change the team would refuse exits 2 naming the
rule, and nothing is kept."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_OK, CliError, print_json
from triage_tui.cli.team_onboard_command import add_onboard_actions, run_invite
from triage_tui.config import Config
from triage_tui.store.store import Store
from triage_tui.team.hlc import Timestamp

if TYPE_CHECKING:
    import gnupg

    from triage_tui.team.events import TeamEvent
    from triage_tui.team.roster import Member
    from triage_tui.workspace import Workspace


def add_team_command(commands: argparse._SubParsersAction[argparse.ArgumentParser], home: Callable[..., None]) -> None:
    """The `team` sub-command and its actions."""
    team = commands.add_parser("team", help="the team's roster: members, roles and keys")
    home(team)
    actions = team.add_subparsers(dest="team_action", metavar="ACTION", required=True)
    home(actions.add_parser("init", help="a roster with you (a founding coordinator) as its first member"))
    members = actions.add_parser("members", help="list the roster's members")
    home(members)
    members.add_argument("--json", action="store_true", help="print a JSON list")
    remove = actions.add_parser("remove", help="remove the member whose current key is FPR")
    home(remove)
    remove.add_argument("fingerprint", metavar="FPR")
    remove.add_argument(
        "--no-server", action="store_true", help="do not connect: print the admin's commands taking their access away"
    )
    rotate = actions.add_parser(
        "rotate-key", help="rotate your own key to NEW_FPR (its secret key is here): roster, store key and config"
    )
    home(rotate)
    rotate.add_argument("new_fingerprint", metavar="NEW_FPR")
    rotate.add_argument(
        "--keep-identity",
        action="store_true",
        help="the roster only: leave the store's key and config.toml as they are",
    )
    revoke = actions.add_parser("revoke", help="refuse events signed by FPR at or after TIME (default: now)")
    home(revoke)
    revoke.add_argument("fingerprint", metavar="FPR")
    revoke.add_argument("--since", metavar="TIME", help="ISO 8601 date and time (UTC unless it names a zone)")
    add_onboard_actions(actions, home)


def run_team(store: Store, config: Config, workspace: Workspace, args: argparse.Namespace, out: TextIO) -> int:
    """Run one `team` action; RosterRefused becomes a one-line refusal (exit 2)."""
    from triage_tui.cli.team_rotate import run_rotate
    from triage_tui.team import roster_writes as writes
    from triage_tui.untrusted import neutralise_line

    if args.team_action == "members":
        return _members(store, config, args, out)
    if args.team_action == "invite":
        return run_invite(store, config, args, out)
    gpg = _gpg(config)
    if args.team_action == "rotate-key":
        return run_rotate(store, config, workspace, gpg, args, out)
    try:
        if args.team_action == "init":
            event = writes.init_roster(store, config, gpg)
        elif args.team_action == "remove":
            event = writes.remove_member(store, config, gpg, args.fingerprint)
        else:
            event = writes.revoke_key(store, config, gpg, args.fingerprint, _since(args.since))
    except writes.RosterRefused as error:
        raise CliError(neutralise_line(str(error))) from None
    out.write(_done(event) + "\n")
    own = _own_loss(event, config.identity.fingerprint.upper())
    if own:
        out.write(own + "\n")
    if args.team_action == "remove":
        from triage_tui.cli.team_remove import remove_access

        subject = writes.fingerprint_of(args.fingerprint)
        return remove_access(store, config, subject, event.id, no_server=args.no_server, out=out)
    if args.team_action == "revoke":
        out.write(_server_rights_kept(store, config, writes.fingerprint_of(args.fingerprint)) + "\n")
    return EXIT_OK


def _server_rights_kept(store: Store, config: Config, fingerprint: str) -> str:
    """What a revocation leaves on the server: every right, as it is (a key, not an account, is revoked)."""
    from triage_tui.team.roster_receipt import load_history
    from triage_tui.untrusted import neutralise_line

    assert config.team is not None
    with store.read() as connection:
        member = load_history(connection, config.team.coordinators).current.holder(fingerprint)
    user = member.imap_user if member is not None else None
    account = f"their account {neutralise_line(user)}" if user else "their server account"
    remedy = f"triage-tui team remove {fingerprint}, then invite their new key"
    return f"server rights unchanged: {account} keeps its access to the team's folders (to take it away: {remedy})"


def _gpg(config: Config) -> gnupg.GPG:
    from triage_tui.replies.compose_reply import open_gpg

    home = config.gnupg_home()
    return open_gpg(str(home) if home else None)


def _since(typed: str | None) -> datetime | None:
    if typed is None:
        return None
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        raise CliError(f"--since {typed[:60]!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _done(event: TeamEvent) -> str:
    change = event.roster or {}
    if event.kind == "member-add":
        member = change["member"]
        what = f"{member['role']} {member['fingerprint']} added"
    elif event.kind == "key-revoke":
        what = f"key {change['fingerprint']} revoked since {Timestamp.parse(str(change['since'])).iso()}"
    else:  # sent at once by `team remove` (`team_remove`), which says whether it went
        return f"roster: member {change['fingerprint']} removed"
    return f"roster: {what}; the change waits to be sent to every member (triage-tui sync)"


def _own_loss(event: TeamEvent, me: str) -> str | None:
    """What a change of one's own key or membership means for this workstation (another coordinator remains: the
    roster refuses the change otherwise)."""
    change = event.roster or {}
    if change.get("fingerprint") != me:
        return None
    if event.kind == "key-revoke":
        since = Timestamp.parse(str(change["since"])).iso()
        refused = "your events are refused (another coordinator invites your new key)"
        return f"{me} is your own key: from {since} you can no longer sign, {refused}"
    if event.kind == "member-remove":
        return "you removed yourself: this workstation can no longer sign the team's events once the change is sent"
    return None


def _members(store: Store, config: Config, args: argparse.Namespace, out: TextIO) -> int:
    from triage_tui.team.roster_writes import members
    from triage_tui.untrusted import neutralise_line

    with store.read() as connection:
        found = members(connection, config)
    if args.json:
        print_json([member.as_json() for member in found], out)
        return EXIT_OK
    if not found:
        out.write("no roster yet: a founding coordinator starts one with `triage-tui team init`\n")
    me = config.identity.fingerprint.upper()
    for member in found:
        projects = f" ({', '.join(member.projects)})" if member.projects else ""
        line = f"{member.role:<11} {member.current_key.fingerprint} {member.name} <{member.email}>{projects}"
        out.write(neutralise_line(line + _state(member, me)) + "\n")
    return EXIT_OK


def _state(member: Member, me: str) -> str:
    """What a member's line adds: removed or revoked (when, in ISO 8601 UTC), and this workstation's identity."""
    key = member.current_key
    if member.removed_at is not None:
        state = f" removed {member.removed_at.iso()}"
    elif key.revoked_since is not None:
        state = f" key revoked since {key.revoked_since.iso()}"
    else:
        state = ""
    if key.fingerprint == me:
        return state + " (you)"
    if any(k.fingerprint == me for k in member.keys):
        return state + " (you: your key here is a former key of this member, no longer valid)"
    return state
