"""Puts an ACL plan on the server over IMAP (SETACL) where the coordinator's account holds the admin right, and says
which doveadm commands the server's admin still has to run for the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
from imapclient.response_parser import parse_response

from triage_tui.team.acl import AclPlan, acl_commands, creation_commands

PROBLEM_SHOWN = 200  # characters of a server's answer quoted in a problem line
RIGHTS_MAX = 40  # characters of a MYRIGHTS answer: every RFC 4314 right and a few server extensions


@dataclass(frozen=True)
class AclOutcome:
    """`applied`: folders whose rights were set over IMAP; `commands`: the admin's doveadm lines for the others
    (creation first for folders the account cannot see); `problems`: one line per folder that was not applied."""

    applied: tuple[str, ...]
    commands: tuple[str, ...]
    problems: tuple[str, ...]


def my_rights(client: Any, folder: str) -> str | None:
    """The logged-in account's rights on `folder` (MYRIGHTS), or None when the server says no (a folder that does not
    exist and one the account may not look up answer alike)."""
    try:
        data = client._command_and_check("myrights", client._normalise_folder(folder), unpack=True)
    except IMAPClientAbortError:
        raise
    except IMAPClientError:
        return None
    parsed: tuple[object, ...] = tuple(parse_response([data])) if isinstance(data, bytes) else ()
    if len(parsed) != 2 or not isinstance(parsed[1], bytes | str):
        return None
    rights = parsed[1].decode("ascii", "replace") if isinstance(parsed[1], bytes) else parsed[1]
    # RFC 4314 rights are a few letters and digits; anything else from the server is not taken as rights.
    return rights if len(rights) <= RIGHTS_MAX and rights.isascii() and (rights.isalnum() or not rights) else None


def apply_acl(client: Any, plan: AclPlan, *, create: bool = False) -> AclOutcome:
    """For each folder of `plan`: SETACL every grant (and delete former accounts' rights) when the logged-in account's
    MYRIGHTS there include `a`; otherwise the folder's doveadm lines are returned to print. With `create` (`team
    init`, `team invite`; never the transport), a folder the account cannot see is first CREATEd, which works for a
    coordinator holding `k` on the namespace root (the new folder starts with the root's rights). A folder that fails
    half way is reported and its lines returned too (running them again is harmless). The connection is the
    caller's."""
    applied: list[str] = []
    missing: list[str] = []
    not_admin: list[str] = []
    problems: list[str] = []
    for folder in plan.folders:
        rights = my_rights(client, folder)
        if rights is not None and "l" in rights and not client.folder_exists(folder):
            # Dovecot answers MYRIGHTS for a folder that does not exist yet with the rights it would start with.
            rights = None
        if rights is None and create:
            rights, problem = _create(client, folder)
            if problem is not None:
                missing.append(folder)
                problems.append(problem)
                continue
        if rights is None:
            missing.append(folder)
            problems.append(
                f"{folder}: not visible to this account (missing, or no lookup right): the admin creates it"
            )
            continue
        if "a" not in rights:
            not_admin.append(folder)
            problems.append(f"{folder}: this account holds {rights or 'no rights'}, not the admin right 'a'")
            continue
        problem = _set_rights(client, plan, folder)
        if problem is not None:
            not_admin.append(folder)
            problems.append(problem)
            continue
        applied.append(folder)
    commands = [*creation_commands(plan, missing), *acl_commands(plan, [*missing, *not_admin])]
    return AclOutcome(tuple(applied), tuple(commands), tuple(problems))


def _create(client: Any, folder: str) -> tuple[str | None, str | None]:
    """CREATEs `folder`: (its rights now, None), or (None, the problem line)."""
    try:
        client.create_folder(folder)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as error:
        return None, f"{folder}: missing, and CREATE refused: {str(error)[:PROBLEM_SHOWN]!r}: the admin creates it"
    rights = my_rights(client, folder)
    if rights is None:
        return None, f"{folder}: created, but this account cannot look it up: the admin sets its rights"
    return rights, None


def _set_rights(client: Any, plan: AclPlan, folder: str) -> str | None:
    """SETACL (DELETEACL for a revoke) for each grant on `folder`; the problem line when the server refuses one."""
    try:
        for grant in plan.on(folder):
            if grant.rights:
                client.setacl(folder, grant.imap_user, grant.rights)
            else:  # SETACL with no rights would leave an empty entry behind
                client._command_and_check("deleteacl", client._normalise_folder(folder), grant.imap_user)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as error:
        return f"{folder}: SETACL refused: {str(error)[:PROBLEM_SHOWN]!r}"
    return None
