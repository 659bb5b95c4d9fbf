"""Checks the roster an invitation carries before the joiner is asked anything: folded in a throw-away keyring (the
joiner's own is not touched), it must make the signer a coordinator valid now and the joiner a member with the role
and projects offered; else the join stops in one line, having written nothing and connected nowhere."""

from __future__ import annotations

from collections.abc import Sequence

import gnupg

from triage_tui.intake.scratch import private_folder
from triage_tui.team.envelope import Opened, TeamRoles, open_signed
from triage_tui.team.invitation import grouped
from triage_tui.team.invitation_document import Invitation, InvitationError
from triage_tui.team.roster import COORDINATOR, Member, Roster, fold
from triage_tui.team.roster_receipt import judge_received

NO_ROLES = TeamRoles(frozenset())
"""Roster events are judged by the fold, never by a config's roles."""


def carried_roster(invitation: Invitation) -> Roster:
    """The roster the invitation's signed roster events fold to (each verified, its key material checked)."""
    with private_folder("invroster") as home:
        # No agent: verifying and importing public keys needs none, and a scratch home must leave no process behind.
        gpg = gnupg.GPG(gnupghome=str(home), options=["--no-autostart"])
        judged = _judged(gpg, invitation.roster)
        judged = _judged(gpg, invitation.roster)  # again: an event may be signed by a key a later one carries
    accepted = [o.event for o in judged if o.rejection is None and o.event is not None]
    return fold(accepted, invitation.coordinators).current


def _judged(gpg: gnupg.GPG, roster: Sequence[str]) -> list[Opened]:
    empty = fold([], ())
    return [judge_received(gpg, open_signed(gpg, text.encode("ascii")), NO_ROLES, empty) for text in roster]


def checked_inviter(invitation: Invitation) -> Member:
    """The inviter as the carried roster knows them, once it makes them a coordinator whose key is current and the
    joiner a member with the role and projects offered; InvitationError (one line) otherwise."""
    roster = carried_roster(invitation)
    signer = invitation.inviter.fingerprint
    inviter = roster.holder(signer)
    if inviter is None or inviter.role != COORDINATOR or not _current(inviter, signer):
        raise InvitationError(
            f"refused: the invitation's roster does not make its signer ({grouped(signer)}) a coordinator now;"
            " nothing was written"
        )
    invitee = invitation.invitee
    joiner = roster.holder(invitee.fingerprint)
    if joiner is None or not _current(joiner, invitee.fingerprint):
        raise InvitationError("refused: the invitation's roster does not make you a member; nothing was written")
    if joiner.role != invitee.role or sorted(joiner.projects) != sorted(invitee.projects):
        has = joiner.role + (f" of {', '.join(joiner.projects)}" if joiner.projects else "")
        raise InvitationError(
            f"refused: the invitation's roster makes you {has}, not what it offers; nothing was written"
        )
    return inviter


def _current(member: Member, fingerprint: str) -> bool:
    """The member is present and `fingerprint` is their current, unrevoked key."""
    return member.active and member.current_key.fingerprint == fingerprint
