"""Tests that `triage-tui team join` folds the roster an invitation carries before it asks anything: a signer the
roster does not make a coordinator now, a roster that does not make the joiner a member, or one that gives them
another role or projects than offered, each exit 2 in one line with nothing written (no workspace, no config, no
store) and no connection made; and that the prompt names the inviter as the roster knows them."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from pathlib import Path

import pytest

from gpg_fixtures import Keyring
from invitation_fixtures import InviteWorld, invite_world, make_invitation
from test_case_cli import cli
from triage_tui.team.envelope import sign_event
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.invitation import seal_invitation
from triage_tui.team.invitation_document import Invitation, Inviter
from triage_tui.team.invitation_roster import checked_inviter
from triage_tui.team.join_prompt import confirm, confirmation_text

__all__ = ["invite_world"]


def member_add(author: Keyring, member: Keyring, name: str, role: str, projects: tuple[str, ...], n: int) -> str:
    """A real signed roster event: `author` adds `member`."""
    spec = {
        "name": name, "email": member.email, "role": role, "projects": sorted(projects), "imap_user": None,
        "fingerprint": member.fingerprint, "key": str(member.gpg.export_keys(member.fingerprint, minimal=True)),
    }  # fmt: skip
    at = Timestamp(int(time.time() * 1000) - 60_000 + n, 0)
    event = TeamEvent(ROSTER_CASE, author.fingerprint, at, "member-add", roster={"member": spec})
    return sign_event(author.gpg, event).decode("ascii")


def founded(world: InviteWorld) -> str:
    return member_add(world.coordinator, world.coordinator, "Casey Roster", "coordinator", (), 0)


def invitation_with(world: InviteWorld, roster: tuple[str, ...], signer: Keyring | None = None) -> Invitation:
    invitation = replace(make_invitation(world), roster=roster)
    if signer is None:
        return invitation
    key = str(signer.gpg.export_keys(signer.fingerprint, minimal=True))
    return replace(invitation, inviter=Inviter("Coco Ordinator", signer.email, signer.fingerprint, key))


def join(world: InviteWorld, tmp_path: Path, invitation: Invitation, signer: Keyring) -> tuple[int, str, str]:
    handed = tmp_path / "invitation.asc"
    handed.write_bytes(seal_invitation(signer.gpg, invitation))
    workspace = tmp_path / "workspace"
    done = cli(workspace, "team", "join", str(handed), "--yes", "--password-env", "NO_SUCH_PASSWORD",
               "--gnupg-home", str(world.invitee.home))  # fmt: skip
    assert not workspace.exists()  # nothing written: no workspace, config or store
    return done.returncode, done.stdout, done.stderr


def test_a_roster_that_does_not_make_the_joiner_a_member_stops_the_join(
    invite_world: InviteWorld, tmp_path: Path
) -> None:
    world = invite_world
    rc, out, err = join(world, tmp_path, invitation_with(world, (founded(world),)), world.coordinator)
    assert rc == 2 and err.count("\n") == 1, out + err
    assert "the invitation's roster does not make you a member" in err
    assert "Join this team" not in out and "You are invited" not in out  # refused before the prompt


def test_a_roster_giving_another_role_or_projects_than_offered_stops_the_join(
    invite_world: InviteWorld, tmp_path: Path
) -> None:
    world = invite_world
    roster = (founded(world), member_add(world.coordinator, world.invitee, "Pip", "maintainer", ("uv",), 1))
    rc, out, err = join(world, tmp_path, invitation_with(world, roster), world.coordinator)
    assert rc == 2 and err.count("\n") == 1, out + err
    assert "the invitation's roster makes you maintainer of uv, not what it offers" in err


def test_an_invitation_signed_by_no_coordinator_of_its_roster_stops_the_join(
    invite_world: InviteWorld, tmp_path: Path
) -> None:
    world = invite_world
    roster = (founded(world), member_add(world.coordinator, world.invitee, "Pip", "maintainer", ("pip",), 1))
    # The stranger signs an invitation carrying the team's real roster, in which they are nobody.
    invitation = invitation_with(world, roster, signer=world.stranger)
    rc, out, err = join(world, tmp_path, invitation, world.stranger)
    assert rc == 2 and err.count("\n") == 1, out + err
    assert "does not make its signer" in err and "a coordinator now" in err


def test_the_prompt_names_the_inviter_as_the_roster_knows_them(invite_world: InviteWorld) -> None:
    world = invite_world
    roster = (founded(world), member_add(world.coordinator, world.invitee, "Pip", "maintainer", ("pip",), 1))
    invitation = invitation_with(world, roster)  # the invitation calls the inviter "Coco Ordinator"
    inviter = checked_inviter(invitation)
    shown = io.StringIO()
    assert confirm(confirmation_text(invitation, (inviter.name, inviter.email)), yes=True, stdin=io.StringIO(),
                   stdout=shown)  # fmt: skip
    assert f"Invited by:   Casey Roster <{world.coordinator.email}>" in shown.getvalue()
    assert "Coco Ordinator" not in shown.getvalue()


@pytest.mark.parametrize("offered", [("coordinator", ()), ("maintainer", ("pip", "uv"))])
def test_checked_inviter_refuses_any_other_offer(
    invite_world: InviteWorld, offered: tuple[str, tuple[str, ...]]
) -> None:
    world = invite_world
    roster = (founded(world), member_add(world.coordinator, world.invitee, "Pip", "maintainer", ("pip",), 1))
    invitation = invitation_with(world, roster)
    role, projects = offered
    changed = replace(invitation, invitee=replace(invitation.invitee, role=role, projects=projects))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="makes you maintainer of pip, not what it offers"):
        checked_inviter(changed)
