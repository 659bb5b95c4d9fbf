"""Provides what `triage-tui team remove` does on the server: the removed member's account loses every right on the
team's folders and the reports mailbox, by DELETEACL where the coordinator's account holds the admin right (as
`team invite` sets rights), and only what is left is printed for the server's admin (with `--no-server`: the removed
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


def remove_access(store: Store, config: Config, fingerprint: str, *, no_server: bool, out: TextIO) -> int:
    """Take the removed member's rights away: exit 1 when lines are left for the admin (printed), else 0."""
    from triage_tui.team.roster_receipt import load_history

    if config.team is None or config.team.prefix is None:
        return EXIT_OK  # one shared folder: no per-member access to take away
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
    if no_server:
        _print_lines(out, _lines(plan))
        return EXIT_OK
    return _apply(config, plan, user, out)


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


def _print_lines(out: TextIO, lines: list[str]) -> None:
    out.write("for the server's admin: take the removed member's rights away:\n")
    out.writelines(f"  {line}\n" for line in lines)
