"""The server access the roster as it stands calls for: every present member's rights on the team's folders and the
reports mailbox (`acl.plan_acl`), and every right taken from removed members' accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from triage_tui.config import ImapSourceConfig
from triage_tui.team.acl import MAILBOX, AclMember, AclPlan, plan_acl
from triage_tui.team.roster import Roster

if TYPE_CHECKING:
    from triage_tui.config import Config


def roster_acl_plan(roster: Roster, config: Config) -> AclPlan:
    """The plan for `roster` under the config's `[team] prefix`, with the reports mailbox (`reports_mailbox`) and
    a folder for each of the config's projects. ValueError when the team has no prefix (one shared folder has no
    per-member access to plan)."""
    team = config.team
    if team is None or team.prefix is None:
        raise ValueError("the team has no [team] prefix: server access is planned for per-audience folders only")
    from triage_tui.team.transport import team_server

    me, my_account = config.identity.fingerprint.upper(), team_server(config).username
    present = [m for m in roster.members.values() if m.removed_at is None]
    members = [
        # A roster started before `team init` recorded accounts names none for its founder: this workstation's
        # own member logs in with the team server's username.
        AclMember(
            m.name,
            cast(Literal["coordinator", "maintainer"], m.role),
            m.projects,
            m.imap_user or (my_account if m.current_key.fingerprint == me else None),
        )
        for m in sorted(present, key=lambda m: (m.role != "coordinator", m.name, m.member_id))
    ]
    former = [m.imap_user for m in roster.members.values() if m.removed_at is not None and m.imap_user]
    return plan_acl(
        members, team.prefix, reports_mailbox=reports_mailbox(config), projects=config.projects, former_users=former
    )


def reports_mailbox(config: Config) -> str | None:
    """The mailbox reports are delivered to on the team's server: the first folder (not a personal INBOX, not a team
    folder) of an imap source on the same host and port as the team's server; None when there is none."""
    from triage_tui.team.transport import team_server

    team = config.team
    if team is None:
        return None
    server = team_server(config)
    for source in config.sources.values():
        if not isinstance(source, ImapSourceConfig) or (source.host, source.port) != (server.host, server.port):
            continue
        for folder in source.folders:
            if folder.upper() != "INBOX" and MAILBOX.fullmatch(folder) and not folder.startswith(team.prefix or "\0"):
                return folder
    return None
