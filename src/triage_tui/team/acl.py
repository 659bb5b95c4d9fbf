"""The server access a team's members need (RFC 4314 rights per folder), and the doveadm commands that grant it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["coordinator", "maintainer"]

COORDINATOR_RIGHTS = "lrwsipekxta"
MAINTAINER_PROJECT_RIGHTS = "lrwsi"
# Append only, on the coordinators' folder and on every other project's: a maintainer's event goes to every reader's
# folder (a note on a pip+uv case reaches the uv maintainers too), yet without `l` and `r` they can neither list,
# SELECT nor read those folders.
MAINTAINER_APPEND_RIGHTS = "i"
COORDINATORS = "coordinators"

# Dovecot's names for the RFC 4314 letters, as `doveadm acl set` takes them.
RIGHT_NAMES = {
    "l": "lookup",
    "r": "read",
    "w": "write",
    "s": "write-seen",
    "t": "write-deleted",
    "i": "insert",
    "p": "post",
    "e": "expunge",
    "k": "create",
    "x": "delete",
    "a": "admin",
}

PROJECT = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# A plain account name: it goes into ACL files, IMAP commands and the admin's shell lines, so nothing else is let in
# (no "-" first: RFC 4314 reads "-name" as negative rights).
IMAP_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,63}")
# Identifiers that mean more than one account to Dovecot or RFC 4314: granting them would open the folder to everyone.
SPECIAL_IDENTIFIERS = frozenset({"anyone", "authenticated", "owner", "anonymous"})
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
PREFIX = re.compile(rf"{_SEGMENT}/")
MAILBOX = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,3}}")
NAME_SHOWN = 80  # characters of a member's name shown in a refusal


@dataclass(frozen=True)
class AclMember:
    """What the server's access depends on for one member (fed by the config today, by the roster later)."""

    name: str
    role: Role
    projects: tuple[str, ...] = ()
    imap_user: str | None = None


@dataclass(frozen=True)
class Grant:
    """`imap_user` holds exactly `rights` (RFC 4314 letters; empty: none) on `folder`."""

    folder: str
    imap_user: str
    rights: str


@dataclass(frozen=True)
class Refusal:
    """A member (or former account) left out of the plan, and why."""

    who: str
    reason: str


@dataclass(frozen=True)
class AclPlan:
    """Every team folder (and the reports mailbox) with who may do what there.

    `grants` are the rights to hold; `revokes` (rights "") take every right away from former members' accounts;
    `admin_user` is the account doveadm acts as (any account works for a public namespace; None when no member is
    valid)."""

    folders: tuple[str, ...]
    grants: tuple[Grant, ...]
    revokes: tuple[Grant, ...]
    refused: tuple[Refusal, ...]
    admin_user: str | None

    def rights_of(self, imap_user: str, folder: str) -> str:
        """The rights `imap_user` is to hold on `folder` ("" when none)."""
        for grant in self.grants:
            if grant.folder == folder and grant.imap_user == imap_user:
                return grant.rights
        return ""

    def on(self, folder: str) -> tuple[Grant, ...]:
        """The grants and revokes of one folder, grants first."""
        return tuple(g for g in (*self.grants, *self.revokes) if g.folder == folder)


def team_folders(prefix: str, projects: Iterable[str]) -> tuple[str, ...]:
    """`{prefix}coordinators` then `{prefix}{p}` for each project, sorted."""
    _check_prefix(prefix)
    for project in projects:
        if not valid_project(project):
            raise ValueError(f"project {_shown(project)} is not a plain project id")
    return (f"{prefix}{COORDINATORS}", *(f"{prefix}{p}" for p in sorted(set(projects))))


def plan_acl(
    members: Sequence[AclMember],
    prefix: str,
    *,
    reports_mailbox: str | None = None,
    projects: Iterable[str] = (),
    former_users: Iterable[str] = (),
) -> AclPlan:
    """The rights per folder: coordinators `lrwsipekxta` on every team folder and on `reports_mailbox`; maintainers
    `lrwsi` on their projects' folders, `i` (append only) on `{prefix}coordinators` and every other project's folder,
    nothing on `reports_mailbox`.

    Team folders are the coordinators' folder and one per project (the maintainers' plus `projects`). A member with
    no or a non-plain imap user, a bad project or an account already taken is refused with a reason and the rest are
    planned; a bad `prefix`, `reports_mailbox` or entry of `projects` raises ValueError (they are the team's own
    settings). `former_users` (removed members' accounts) lose every right on every folder."""
    refused: list[Refusal] = []
    accepted: list[tuple[AclMember, str]] = []
    owners: dict[str, str] = {}
    for member in members:
        reason = _member_problem(member, owners)
        if reason is not None:
            refused.append(Refusal(_shown(member.name), reason))
            continue
        assert member.imap_user is not None  # _member_problem refuses a member without one
        owners[member.imap_user.lower()] = member.name
        accepted.append((member, member.imap_user))
    maintained = {p for member, _ in accepted if member.role == "maintainer" for p in member.projects}
    folders = list(team_folders(prefix, [*maintained, *projects]))
    if reports_mailbox is not None:
        if not MAILBOX.fullmatch(reports_mailbox):
            raise ValueError(f"reports mailbox {_shown(reports_mailbox)} is not a plain mailbox name")
        if reports_mailbox in folders or reports_mailbox.startswith(prefix):
            raise ValueError(f"reports mailbox {reports_mailbox} is inside the team's folders ({prefix})")
        folders.append(reports_mailbox)
    grants = [
        Grant(folder, user, rights)
        for folder in folders
        for member, user in accepted
        if (rights := _rights(member, folder, prefix, reports_mailbox))
    ]
    revokes: list[Grant] = []
    for user in dict.fromkeys(former_users):
        if not valid_imap_user(user):
            refused.append(Refusal(_shown(user), "former imap user is not a plain account name; revoke it by hand"))
        elif user.lower() not in owners:
            revokes.extend(Grant(folder, user, "") for folder in folders)
    admin = next((u for m, u in accepted if m.role == "coordinator"), accepted[0][1] if accepted else None)
    return AclPlan(tuple(folders), tuple(grants), tuple(revokes), tuple(refused), admin)


def valid_imap_user(user: str) -> bool:
    """A plain account name that means exactly one account."""
    return IMAP_USER.fullmatch(user) is not None and user.lower() not in SPECIAL_IDENTIFIERS


def valid_project(project: str) -> bool:
    return PROJECT.fullmatch(project) is not None and project != COORDINATORS


def right_names(rights: str) -> list[str]:
    """`lrwsi` as doveadm's names: lookup read write write-seen insert."""
    return [RIGHT_NAMES[letter] for letter in rights]


def namespace_root_acl(plan: AclPlan) -> str:
    """The `dovecot-acl` file the admin puts in the root directory of the team's public namespace (and of the reports
    one) before anything else: the coordinators may create folders there, and a new folder starts with these rights
    (doveadm honours the ACLs too, so `creation_commands` need it)."""
    coordinators = dict.fromkeys(g.imap_user for g in plan.grants if g.rights == COORDINATOR_RIGHTS)
    return "".join(f"user={user} {COORDINATOR_RIGHTS}\n" for user in coordinators)


def creation_commands(plan: AclPlan, folders: Iterable[str] | None = None) -> list[str]:
    """`doveadm mailbox create` lines for `folders` (default: every folder of the plan), run as a coordinator's account:
    they work once `namespace_root_acl` is in place."""
    if plan.admin_user is None:
        return []
    chosen = plan.folders if folders is None else tuple(f for f in plan.folders if f in set(folders))
    return [_line("doveadm", "mailbox", "create", "-u", plan.admin_user, folder) for folder in chosen]


def acl_commands(plan: AclPlan, folders: Iterable[str] | None = None) -> list[str]:
    """The admin's `doveadm acl set` (and `acl delete` for former accounts) lines for `folders` (default: all)."""
    if plan.admin_user is None:
        return []
    chosen = plan.folders if folders is None else tuple(f for f in plan.folders if f in set(folders))
    lines = []
    for folder in chosen:
        for grant in plan.on(folder):
            who = f"user={grant.imap_user}"
            if grant.rights:
                lines.append(
                    _line("doveadm", "acl", "set", "-u", plan.admin_user, folder, who, *right_names(grant.rights))
                )
            else:
                lines.append(_line("doveadm", "acl", "delete", "-u", plan.admin_user, folder, who))
    return lines


def acl_file(plan: AclPlan, folder: str) -> str:
    """The text of a Dovecot `dovecot-acl` file giving `folder`'s grants (one `user=NAME RIGHTS` a line)."""
    return "".join(f"user={g.imap_user} {g.rights}\n" for g in plan.on(folder) if g.rights)


def _member_problem(member: AclMember, owners: dict[str, str]) -> str | None:
    if member.role not in ("coordinator", "maintainer"):
        return f"role {_shown(str(member.role))} is neither coordinator nor maintainer"
    if member.imap_user is None:
        return "has no imap user, so no server account to grant rights to"
    if not valid_imap_user(member.imap_user):
        return f"imap user {_shown(member.imap_user)} is not a plain account name"
    if member.role == "maintainer":
        for project in member.projects:
            if not valid_project(project):
                return f"project {_shown(project)} is not a plain project id"
    taken = owners.get(member.imap_user.lower())
    if taken is not None:
        return f"imap user {member.imap_user} is already the account of {_shown(taken)}"
    return None


def _rights(member: AclMember, folder: str, prefix: str, reports_mailbox: str | None) -> str:
    if member.role == "coordinator":
        return COORDINATOR_RIGHTS
    if folder == reports_mailbox:
        return ""
    # Every other folder is a team folder (`plan_acl` keeps the reports mailbox outside the prefix).
    return MAINTAINER_PROJECT_RIGHTS if folder.removeprefix(prefix) in member.projects else MAINTAINER_APPEND_RIGHTS


def _check_prefix(prefix: str) -> None:
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"team folder prefix {_shown(prefix)} is not one plain name followed by '/'")


def _line(*argv: str) -> str:
    return " ".join(shlex.quote(arg) for arg in argv)


def _shown(text: str) -> str:
    """Outside text for a message: at most NAME_SHOWN characters, quoted, with every control character escaped."""
    cut = text[:NAME_SHOWN] + ("…" if len(text) > NAME_SHOWN else "")
    return repr(cut)
