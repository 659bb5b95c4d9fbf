"""Tests access on a real team IMAP server (Dovecot, acl plugin, one account per member): what each member's account
may select, STATUS and append (a maintainer appends to every team folder, reads only their projects'), that a
maintainer's own INBOX holds nothing of the team's, and that the ACL plan reaches the server both through SETACL and
through the doveadm commands printed for the admin."""

from __future__ import annotations

import os
import shlex

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from team_server_fixtures import connect, fresh_name, normal_rights
from triage_tui.demo.team_server import TeamServer
from triage_tui.team.acl import AclMember, AclPlan, acl_commands, creation_commands, plan_acl
from triage_tui.team.acl_apply import apply_acl, my_rights

MESSAGE = b"From: a@example.org\r\nSubject: sealed\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n"
FOLDERS = ("Team/coordinators", "Team/pip", "Team/uv", "Reports/security")


def _can_select(client: IMAPClient, folder: str) -> bool:
    try:
        client.select_folder(folder, readonly=True)
    except IMAPClientError:
        return False
    client.unselect_folder()
    return True


def _can_status(client: IMAPClient, folder: str) -> bool:
    try:
        client.folder_status(folder, [b"UIDNEXT", b"MESSAGES"])
    except IMAPClientError:
        return False
    return True


def _can_append(client: IMAPClient, folder: str) -> bool:
    try:
        client.append(folder, MESSAGE)
    except IMAPClientError:
        return False
    return True


@pytest.mark.parametrize(("user", "own", "other"), [("pipm", "Team/pip", "Team/uv"), ("uvm", "Team/uv", "Team/pip")])
def test_a_maintainer_reads_only_their_project_and_may_hand_to_the_coordinators_and_the_other_project_unread(
    team_server: TeamServer, user: str, own: str, other: str
) -> None:
    client = connect(team_server, user)
    try:
        for unread in ("Reports/security", "Team/coordinators", other):
            assert not _can_select(client, unread), unread
            assert not _can_status(client, unread), unread  # not even how many messages it holds
        assert not _can_append(client, "Reports/security")
        assert _can_append(client, "Team/coordinators")
        assert _can_append(client, other)  # an event on a case of both projects reaches the other's maintainers
        assert _can_select(client, own) and _can_append(client, own)
        listed = {name for _, _, name in client.list_folders()}
        assert listed == {"INBOX", "Team", own}  # the other folders are not even named
    finally:
        client.logout()


def test_a_maintainer_cannot_count_the_messages_of_a_folder_it_may_not_read(team_server: TeamServer) -> None:
    """Dovecot's mailbox list index (on by default) answers STATUS of a public folder unchecked once the folder has
    been still for a few seconds and another account's STATUS put it in the shared index; the server turns it off."""
    for path in (team_server.directory / "mail").rglob("*"):  # still for a minute, as a real team's folders are
        stat = path.stat()
        os.utime(path, (stat.st_atime - 60, stat.st_mtime - 60))
    coord = connect(team_server, "coord")
    try:
        assert all(_can_status(coord, folder) for folder in FOLDERS)
    finally:
        coord.logout()
    for user, other in (("pipm", "Team/uv"), ("uvm", "Team/pip")):
        client = connect(team_server, user)
        try:
            for folder in ("Reports/security", "Team/coordinators", other):
                assert not _can_status(client, folder), (user, folder)
        finally:
            client.logout()


def test_the_coordinator_reads_and_appends_everywhere(team_server: TeamServer) -> None:
    client = connect(team_server, "coord")
    try:
        for folder in FOLDERS:
            assert _can_append(client, folder), folder
            assert _can_select(client, folder), folder
            assert normal_rights(my_rights(client, folder) or "") == normal_rights("lrwsipekxta")
    finally:
        client.logout()


def test_a_maintainers_own_inbox_holds_nothing_of_the_team(team_server: TeamServer) -> None:
    team_server.doveadm("save", "-u", "coord", "-m", "Reports/security", stdin=MESSAGE)  # as the MTA delivers
    coord = connect(team_server, "coord")
    try:
        for folder in ("Team/coordinators", "Team/pip", "Team/uv"):
            coord.append(folder, MESSAGE)
    finally:
        coord.logout()

    pipm = connect(team_server, "pipm")
    try:
        assert pipm.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        assert pipm.search("ALL") == []
        assert pipm.select_folder("Team/pip", readonly=True)[b"EXISTS"] >= 1  # what was sent to pip did arrive
    finally:
        pipm.logout()


def test_a_wrong_password_is_refused(team_server: TeamServer) -> None:
    with pytest.raises(LoginError):
        connect(team_server, "pipm", team_server.password_of("uvm"))
    with pytest.raises(LoginError):
        connect(team_server, "pipm", team_server.password_of("pipm") + "x")


def _newcomer(server: TeamServer) -> tuple[AclMember, AclPlan]:
    """A new maintainer of a new project, with an account but no rights yet, and the plan that includes them."""
    project, user = fresh_name("proj"), fresh_name("maint")
    member = AclMember(f"Newcomer {user}", "maintainer", (project,), user)
    server.add_member(member, grant=False)
    plan = plan_acl([*server.members, member], "Team/", reports_mailbox="Reports/security", projects=server.projects)
    return member, plan


def _rights_seen(server: TeamServer, user: str, plan: AclPlan) -> dict[str, str]:
    client = connect(server, user)
    try:
        return {folder: normal_rights(my_rights(client, folder) or "") for folder in plan.folders}
    finally:
        client.logout()


def _planned(plan: AclPlan, user: str) -> dict[str, str]:
    return {folder: normal_rights(plan.rights_of(user, folder)) for folder in plan.folders}


def test_setacl_by_a_coordinator_holding_admin_takes_effect(team_server: TeamServer) -> None:
    member, plan = _newcomer(team_server)
    assert member.imap_user is not None
    project_folder = f"Team/{member.projects[0]}"
    team_server.doveadm("mailbox", "create", "-u", "coord", project_folder)  # the admin made the folder, no rights yet
    assert _rights_seen(team_server, member.imap_user, plan)[project_folder] == ""

    coord = connect(team_server, "coord")
    try:
        outcome = apply_acl(coord, plan)
    finally:
        coord.logout()

    assert outcome.applied == plan.folders
    assert outcome.commands == () and outcome.problems == ()
    assert _rights_seen(team_server, member.imap_user, plan) == _planned(plan, member.imap_user)
    newcomer = connect(team_server, member.imap_user)
    try:
        assert _can_select(newcomer, project_folder) and not _can_select(newcomer, "Team/coordinators")
    finally:
        newcomer.logout()


def test_without_the_admin_right_the_plan_comes_back_as_commands(team_server: TeamServer) -> None:
    member, plan = _newcomer(team_server)  # its project folder does not exist yet

    uvm = connect(team_server, "uvm")
    try:
        outcome = apply_acl(uvm, plan)
    finally:
        uvm.logout()

    assert outcome.applied == ()
    project_folder = f"Team/{member.projects[0]}"
    # uvm cannot see those two (missing or not theirs alike), so the admin is told to create them; uvm does see
    # Team/coordinators and Team/pip (MYRIGHTS "i") and Team/uv, but may not change their rights.
    expected = creation_commands(plan, [project_folder, "Reports/security"])
    assert list(outcome.commands[: len(expected)]) == expected
    assert set(outcome.commands[len(expected) :]) == set(acl_commands(plan))
    assert len(outcome.problems) == len(plan.folders)
    assert any(p.startswith("Team/uv: this account holds ") and "not the admin right" in p for p in outcome.problems)
    assert "Team/pip: this account holds i, not the admin right 'a'" in outcome.problems


def test_the_printed_doveadm_commands_give_the_planned_rights(team_server: TeamServer) -> None:
    member, plan = _newcomer(team_server)
    assert member.imap_user is not None
    project_folder = f"Team/{member.projects[0]}"

    for line in [*creation_commands(plan, [project_folder]), *acl_commands(plan)]:
        argv = shlex.split(line)
        assert argv[0] == "doveadm"
        team_server.doveadm(*argv[1:])  # as the server's admin runs them

    for user in ("coord", "pipm", "uvm", member.imap_user):
        assert _rights_seen(team_server, user, plan) == _planned(plan, user), user


def test_a_removed_member_loses_their_folder(team_server: TeamServer) -> None:
    project, user = fresh_name("proj"), fresh_name("maint")
    member = AclMember(f"Leaving {user}", "maintainer", (project,), user)
    team_server.add_project(project)
    team_server.add_member(member)
    leaving = connect(team_server, user)
    try:
        assert _can_select(leaving, f"Team/{project}")
        assert _can_append(leaving, "Team/pip")
    finally:
        leaving.logout()

    others = [m for m in team_server.members if m.imap_user != user]
    plan = plan_acl(others, "Team/", projects=team_server.projects, former_users=[user])
    coord = connect(team_server, "coord")
    try:
        outcome = apply_acl(coord, plan)
    finally:
        coord.logout()

    assert outcome.problems == ()
    leaving = connect(team_server, user)  # the account itself stays: it is the admin's to close
    try:
        assert not _can_select(leaving, f"Team/{project}")
        assert not _can_append(leaving, "Team/coordinators")
        assert not _can_append(leaving, "Team/pip")
    finally:
        leaving.logout()


def test_a_coordinator_may_create_missing_folders_when_asked_and_a_maintainer_may_not(team_server: TeamServer) -> None:
    member, plan = _newcomer(team_server)  # its project folder does not exist yet
    assert member.imap_user is not None
    project_folder = f"Team/{member.projects[0]}"

    uvm = connect(team_server, "uvm")
    try:
        refused = apply_acl(uvm, plan, create=True)
    finally:
        uvm.logout()
    assert project_folder not in refused.applied
    assert any(p.startswith(f"{project_folder}: missing, and CREATE refused") for p in refused.problems)
    assert creation_commands(plan, [project_folder])[0] in refused.commands

    coord = connect(team_server, "coord")
    try:
        not_asked = apply_acl(coord, plan)  # MYRIGHTS answers for a missing folder too: it must not count as there
        outcome = apply_acl(coord, plan, create=True)
    finally:
        coord.logout()
    assert not_asked.problems == (
        f"{project_folder}: not visible to this account (missing, or no lookup right): the admin creates it",
    )
    assert not_asked.commands == (*creation_commands(plan, [project_folder]), *acl_commands(plan, [project_folder]))
    assert outcome.applied == plan.folders and outcome.problems == ()
    assert _rights_seen(team_server, member.imap_user, plan) == _planned(plan, member.imap_user)
    assert _rights_seen(team_server, "pipm", plan) == _planned(plan, "pipm")
    assert _rights_seen(team_server, "pipm", plan)[project_folder] == "i"  # others may append to it, never read it


def test_a_project_id_with_a_dot_gets_a_folder_its_maintainer_reads(team_server: TeamServer) -> None:
    project, user = fresh_name("zope.iface"), fresh_name("maint")
    team_server.add_project(project)
    team_server.add_member(AclMember(f"Dotted {user}", "maintainer", (project,), user))

    client = connect(team_server, user)
    try:
        assert _can_append(client, f"Team/{project}") and _can_select(client, f"Team/{project}")
        assert not _can_select(client, "Team/pip")
    finally:
        client.logout()
