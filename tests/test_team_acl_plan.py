"""Tests the team's ACL plan: the exact rights per folder from the members, hostile names refused with a reason (never
pasted into a command), and the doveadm lines the server's admin runs."""

from __future__ import annotations

import shlex

import pytest

from triage_tui.team.acl import (
    AclMember,
    acl_commands,
    acl_file,
    creation_commands,
    namespace_root_acl,
    plan_acl,
    right_names,
)

COORD = AclMember("Casey", "coordinator", (), "coord")
PIPM = AclMember("Pip M", "maintainer", ("pip",), "pipm")
UVM = AclMember("Uv M", "maintainer", ("uv",), "uvm")
BOTH = AclMember("Both M", "maintainer", ("pip", "uv"), "bothm")


def test_coordinators_get_everything_maintainers_read_their_projects_and_only_append_to_the_other_team_folders() -> (
    None
):
    plan = plan_acl([COORD, PIPM, UVM, BOTH], "Team/", reports_mailbox="Reports/security")

    assert plan.folders == ("Team/coordinators", "Team/pip", "Team/uv", "Reports/security")
    table = {(g.folder, g.imap_user): g.rights for g in plan.grants}
    assert table == {
        ("Team/coordinators", "coord"): "lrwsipekxta",
        ("Team/coordinators", "pipm"): "i",
        ("Team/coordinators", "uvm"): "i",
        ("Team/coordinators", "bothm"): "i",
        ("Team/pip", "coord"): "lrwsipekxta",
        ("Team/pip", "pipm"): "lrwsi",
        ("Team/pip", "uvm"): "i",  # a uv maintainer's note on a pip+uv case reaches pip's maintainers
        ("Team/pip", "bothm"): "lrwsi",
        ("Team/uv", "coord"): "lrwsipekxta",
        ("Team/uv", "pipm"): "i",
        ("Team/uv", "uvm"): "lrwsi",
        ("Team/uv", "bothm"): "lrwsi",
        ("Reports/security", "coord"): "lrwsipekxta",
    }
    assert plan.rights_of("pipm", "Team/uv") == "i"
    assert plan.rights_of("pipm", "Reports/security") == ""
    assert plan.refused == () and plan.revokes == ()
    assert plan.admin_user == "coord"


def test_projects_without_maintainers_still_get_a_folder_for_the_coordinators() -> None:
    plan = plan_acl([COORD], "Team/", projects=["numpy", "pip"])

    assert plan.folders == ("Team/coordinators", "Team/numpy", "Team/pip")
    assert {g.folder for g in plan.grants if g.imap_user == "coord"} == set(plan.folders)


def test_a_maintainer_may_append_to_every_team_folder_not_theirs_but_never_look_it_up_or_read_it() -> None:
    plan = plan_acl([COORD, PIPM, UVM, BOTH], "Team/", reports_mailbox="Reports/security", projects=["numpy"])

    for user, own in (("pipm", {"Team/pip"}), ("uvm", {"Team/uv"}), ("bothm", {"Team/pip", "Team/uv"})):
        for folder in plan.folders:
            rights = plan.rights_of(user, folder)
            if folder == "Reports/security":
                assert rights == "", (user, folder)
            elif folder in own:
                assert rights == "lrwsi", (user, folder)
            else:  # the coordinators' folder and other projects', a project nobody maintains included
                assert rights == "i", (user, folder)


@pytest.mark.parametrize(
    ("imap_user", "reason"),
    [
        ("pipm; rm -rf ~", "not a plain account name"),
        ("pipm\nuser=evil lrwsipekxta", "not a plain account name"),
        ("$(reboot)", "not a plain account name"),
        ("-pipm", "not a plain account name"),  # RFC 4314 negative rights
        ("anyone", "not a plain account name"),  # every account, even unauthenticated
        ("Authenticated", "not a plain account name"),
        ("owner", "not a plain account name"),
        ("x" * 65, "not a plain account name"),
        ("", "not a plain account name"),
        (None, "has no imap user"),
    ],
)
def test_a_hostile_imap_user_is_refused_with_a_reason_and_the_rest_are_planned(
    imap_user: str | None, reason: str
) -> None:
    bad = AclMember("Mallory \x1b[31m", "maintainer", ("pip",), imap_user)

    plan = plan_acl([COORD, bad, PIPM], "Team/")

    assert len(plan.refused) == 1
    assert reason in plan.refused[0].reason
    assert "\x1b" not in plan.refused[0].who  # the name is shown escaped
    assert {g.imap_user for g in plan.grants} == {"coord", "pipm"}
    lines = "\n".join(acl_commands(plan) + creation_commands(plan))
    assert "rm -rf" not in lines and "reboot" not in lines and "evil" not in lines and "anyone" not in lines


def test_a_bad_project_or_role_or_a_taken_account_refuses_that_member_only() -> None:
    members = [
        COORD,
        AclMember("Dots", "maintainer", ("../../etc",), "dots"),
        AclMember("Sneaky", "maintainer", ("coordinators",), "sneaky"),
        AclMember("Upper", "maintainer", ("Pip",), "upper"),
        AclMember("Root", "admin", (), "rootish"),  # type: ignore[arg-type]  # outside data is not typed
        AclMember("Twin", "maintainer", ("uv",), "COORD"),  # the coordinator's account, other case
        PIPM,
    ]

    plan = plan_acl(members, "Team/")

    assert [r.who for r in plan.refused] == ["'Dots'", "'Sneaky'", "'Upper'", "'Root'", "'Twin'"]
    assert "already the account of 'Casey'" in plan.refused[-1].reason
    assert plan.folders == ("Team/coordinators", "Team/pip")
    assert {g.imap_user for g in plan.grants} == {"coord", "pipm"}


@pytest.mark.parametrize("prefix", ["", "Team", "/Team/", "Team/sub/", "Te am/", "Team/;", "../"])
def test_a_bad_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        plan_acl([COORD], prefix)


@pytest.mark.parametrize("mailbox", ["Team/reports", "Team/coordinators", "Reports/../x", "INBOX; rm", "/abs", ""])
def test_a_bad_reports_mailbox_is_refused(mailbox: str) -> None:
    with pytest.raises(ValueError, match="reports mailbox"):
        plan_acl([COORD], "Team/", reports_mailbox=mailbox)


def test_the_admin_commands_say_exactly_the_plan_in_doveadm_words() -> None:
    plan = plan_acl([COORD, PIPM, UVM], "Team/", reports_mailbox="Reports/security")

    assert creation_commands(plan) == [
        "doveadm mailbox create -u coord Team/coordinators",
        "doveadm mailbox create -u coord Team/pip",
        "doveadm mailbox create -u coord Team/uv",
        "doveadm mailbox create -u coord Reports/security",
    ]
    everything = " ".join(right_names("lrwsipekxta"))
    own = "lookup read write write-seen insert"
    assert acl_commands(plan) == [
        f"doveadm acl set -u coord Team/coordinators user=coord {everything}",
        "doveadm acl set -u coord Team/coordinators user=pipm insert",
        "doveadm acl set -u coord Team/coordinators user=uvm insert",
        f"doveadm acl set -u coord Team/pip user=coord {everything}",
        f"doveadm acl set -u coord Team/pip user=pipm {own}",
        "doveadm acl set -u coord Team/pip user=uvm insert",
        f"doveadm acl set -u coord Team/uv user=coord {everything}",
        "doveadm acl set -u coord Team/uv user=pipm insert",
        f"doveadm acl set -u coord Team/uv user=uvm {own}",
        f"doveadm acl set -u coord Reports/security user=coord {everything}",
    ]
    assert acl_commands(plan, ["Team/pip"]) == acl_commands(plan)[3:6]
    for line in acl_commands(plan):
        assert shlex.join(shlex.split(line)) == line  # one shell word per argument, nothing to expand


def test_former_members_lose_every_right_unless_still_a_member() -> None:
    plan = plan_acl([COORD, PIPM], "Team/", former_users=["gone", "pipm", "bad;name"])

    assert [(g.folder, g.imap_user, g.rights) for g in plan.revokes] == [
        ("Team/coordinators", "gone", ""),
        ("Team/pip", "gone", ""),
    ]
    assert "doveadm acl delete -u coord Team/pip user=gone" in acl_commands(plan)
    assert [r.who for r in plan.refused] == ["'bad;name'"]


def test_the_acl_file_of_a_folder_lists_its_grants() -> None:
    plan = plan_acl([COORD, PIPM, UVM], "Team/")

    assert acl_file(plan, "Team/pip") == "user=coord lrwsipekxta\nuser=pipm lrwsi\nuser=uvm i\n"
    assert acl_file(plan, "Team/uv") == "user=coord lrwsipekxta\nuser=pipm i\nuser=uvm lrwsi\n"
    assert acl_file(plan, "Team/coordinators") == "user=coord lrwsipekxta\nuser=pipm i\nuser=uvm i\n"


def test_with_no_valid_member_there_is_nothing_to_run() -> None:
    plan = plan_acl([AclMember("x", "coordinator", (), None)], "Team/")

    assert plan.admin_user is None
    assert acl_commands(plan) == [] and creation_commands(plan) == []


def test_the_namespace_root_lets_only_the_coordinators_create_folders() -> None:
    second = AclMember("Robin", "coordinator", (), "robin")

    plan = plan_acl([COORD, PIPM, second, UVM], "Team/")

    assert namespace_root_acl(plan) == "user=coord lrwsipekxta\nuser=robin lrwsipekxta\n"
