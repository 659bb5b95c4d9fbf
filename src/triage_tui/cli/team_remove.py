"""Provides what `triage-tui team remove` does after the roster event: the removal is sent first (a team sync), so it
reaches the removed member's folders while their account may still read them; then their account loses every right on
the team's folders and the reports mailbox, by DELETEACL where the coordinator's account holds the admin right (as
`team invite` sets rights), and only what is left is printed for the server's admin. While the removal waits to be
sent, nothing is taken away: the commands are printed, to run once it is sent (with `--no-server`: the removed
member's lines alone, as nothing else changes)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK
from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.store.store import Store
    from triage_tui.team.acl import AclPlan
    from triage_tui.team.roster import Roster


def remove_access(
    store: Store, config: Config, fingerprint: str, event_id: str, *, no_server: bool, out: TextIO
) -> int:
    """Send the removal (the roster event `event_id`), then take the removed member's rights away: exit 1 when lines
    are left for the admin (printed), else 0."""
    from triage_tui.team.roster_receipt import load_history

    if config.team is None or config.team.prefix is None:  # one shared folder: no per-member access to take away
        out.write("the removal waits to be sent to every member (triage-tui sync)\n")
        return EXIT_OK
    # Sent first: their account keeps its rights until the removal is in their folders (taken away first, their
    # workstation could never learn it).
    sent = not no_server and _sent(store, config, event_id, out)
    if sent:
        out.write("the removal was sent to every member, the removed member's folders included\n")
    else:
        kept = "" if no_server else "; their server access is kept until then"
        out.write(f"the removal waits to be sent (triage-tui sync){kept}\n")
    with store.read() as connection:
        roster = load_history(connection, config.team.coordinators).current
    member = roster.holder(fingerprint)
    user = member.imap_user if member is not None else None
    if user is None:
        out.write("the roster names no server account for them: the server's admin takes their access away\n")
        return EXIT_FAILED
    plan = _removal_plan(roster, config, user, out)
    if plan is None:
        return EXIT_FAILED
    if not sent:
        _print_lines(out, _lines(plan), after_sync=True)
        return EXIT_OK if no_server else EXIT_FAILED
    return _apply(config, plan, user, out)


def _sent(store: Store, config: Config, event_id: str, out: TextIO) -> bool:
    """Send what waits (a team sync, in the store's sync turn): whether the event `event_id` went out; why not, in
    one line, when it did not."""
    from triage_tui.sync.run import SyncBusy, sync_turn
    from triage_tui.team.log import unsent
    from triage_tui.team.transport import sync_team

    try:
        with sync_turn(store.path):
            result = sync_team(store, config)
    except SyncBusy as busy:
        out.write(f"the removal was not sent: {neutralise_line(str(busy))}\n")
        return False
    with store.read() as connection:
        waiting = {w.event.id for w in unsent(connection)}
    if event_id not in waiting:
        return True
    why = result.error or result.outcome.folders_line() or result.outcome.waiting_line() or "not sent"
    out.write(f"the removal was not sent: {neutralise_line(why)}\n")
    return False


def _removal_plan(roster: Roster, config: Config, user: str, out: TextIO) -> AclPlan | None:
    """The roster's plan narrowed to what the removal changes: every right of `user`'s account taken away."""
    from triage_tui.team.roster_acl import roster_acl_plan

    try:
        plan = roster_acl_plan(roster, config)
    except ValueError as error:
        out.write(f"server access not planned: {neutralise_line(str(error))}\n")
        return None
    revokes = tuple(g for g in plan.revokes if g.imap_user == user)
    if not revokes:
        out.write(f"the account {neutralise_line(user)} still belongs to a member: its rights are kept\n")
        return None
    return replace(plan, grants=(), revokes=revokes, refused=())


def _apply(config: Config, plan: AclPlan, user: str, out: TextIO) -> int:
    from triage_tui.sources.base import SourceError
    from triage_tui.sources.imap import ImapSource
    from triage_tui.team.acl_apply import apply_acl
    from triage_tui.team.transport import team_server

    try:
        with ImapSource(team_server(config)).session("team remove") as client:
            outcome = apply_acl(client, plan)
    except SourceError as error:
        out.write(f"server access not taken away: {neutralise_line(str(error))}\n")
        _print_lines(out, _lines(plan))
        return EXIT_FAILED
    if outcome.applied:
        out.write(f"server access of {neutralise_line(user)} taken away by DELETEACL on {', '.join(outcome.applied)}\n")
    for problem in outcome.problems:
        out.write(neutralise_line(problem) + "\n")
    left = [line for line in outcome.commands if not line.startswith("doveadm mailbox create")]
    if left:
        _print_lines(out, left)
        return EXIT_FAILED
    return EXIT_OK


def _lines(plan: AclPlan) -> list[str]:
    from triage_tui.team.acl import acl_commands

    return acl_commands(plan)


def _print_lines(out: TextIO, lines: list[str], *, after_sync: bool = False) -> None:
    once = " once the removal is sent" if after_sync else ""
    out.write(f"for the server's admin: take the removed member's rights away{once}:\n")
    out.writelines(f"  {line}\n" for line in lines)
