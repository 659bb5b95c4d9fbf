"""What `team join` shows before it changes anything (who invites, with which key, to what role, on which server)
and how the joiner's answer is taken: `--yes`, or y/N typed on a terminal; never a guess from a pipe."""

from __future__ import annotations

from typing import TextIO

from triage_tui.team.invitation import grouped
from triage_tui.team.invitation_document import Invitation
from triage_tui.untrusted import neutralise_line

MAX_ANSWER_CHARS = 16
QUESTION = "Join this team? [y/N] "


class NotConfirmed(Exception):
    """The join cannot ask and was not told yes; the message is one line saying what to do."""


def confirmation_text(invitation: Invitation, known_as: tuple[str, str] | None = None) -> str:
    """The lines shown before joining, the inviter named as the invitation's roster knows them (`known_as`: name
    and email) when given. Every value from the invitation is neutralised (its shape check already refuses control
    and invisible characters) and the text is plain: shown on a screen it must go in as text, never as markup."""
    inviter, invitee, server = invitation.inviter, invitation.invitee, invitation.server
    name, email = known_as if known_as is not None else (inviter.name, inviter.email)
    if invitee.role == "maintainer":
        offer = f"maintainer of {', '.join(invitee.projects)}"
    else:
        offer = "coordinator (every project)"
    lines = [
        "You are invited to a triage-tui team.",
        f"  Invited by:   {_shown(name)} <{_shown(email)}>",
        f"  Their key:    {grouped(inviter.fingerprint)}",
        f"  Role offered: {_shown(offer)}",
        f"  You, as:      {_shown(invitee.name)} <{_shown(invitee.email)}>, key {grouped(invitee.fingerprint)}",
        f"  Server:       {_shown(server.host)} port {server.port} ({server.security}),"
        f" account {_shown(invitee.imap_user)}",
        f"  Folders:      {_shown(invitation.prefix)}…, {len(invitation.roster)} roster events",
        "Check the inviter's key with them by another channel (in person, by phone) before you join: anyone can",
        "write an invitation that names someone, only the inviter's real key makes it theirs.",
    ]
    return "\n".join(lines)


def confirm(text: str, *, yes: bool, stdin: TextIO, stdout: TextIO) -> bool:
    """Whether the joiner agrees: True at once with `yes` (after showing `text`); otherwise the question is asked on
    the terminal and only y or yes agrees. NotConfirmed when `stdin` is not a terminal and `yes` was not given (a
    pipe or a script cannot have checked the fingerprint)."""
    stdout.write(text + "\n")
    if yes:
        stdout.flush()
        return True
    if not stdin.isatty():
        raise NotConfirmed(
            "not joined: the inviter's key must be confirmed; run on a terminal, or add --yes once checked"
        )
    stdout.write(QUESTION)
    stdout.flush()
    answer = stdin.readline(MAX_ANSWER_CHARS).strip().lower()
    return answer in {"y", "yes"}


def _shown(value: str) -> str:
    return neutralise_line(value)
