"""Provides invitations for tests: a coordinator who invites, the invitee, a stranger, and a valid invitation with
real signed roster events (an armoured signed message each)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from gpg_fixtures import Keyring, exchange, kill_and_remove, new_keyring
from triage_tui.team.invitation import inviter_from_keyring
from triage_tui.team.invitation_document import Invitation, Invitee, Server


@dataclass(frozen=True)
class InviteWorld:
    """A coordinator holding the invitee's public key; the invitee and the stranger hold no one else's."""

    coordinator: Keyring
    invitee: Keyring
    stranger: Keyring


@pytest.fixture(scope="module")
def invite_world() -> Iterator[InviteWorld]:
    rings: list[Keyring] = []
    try:
        for email in ("coord@team.example", "pip@pip.example", "mallory@evil.example"):
            rings.append(new_keyring(email))
        coordinator, invitee, stranger = rings
        exchange(invitee, coordinator)
        exchange(invitee, stranger)  # the stranger can encrypt to the invitee too: anyone with their public key can
        yield InviteWorld(coordinator=coordinator, invitee=invitee, stranger=stranger)
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


def signed_roster_event(ring: Keyring, body: bytes) -> str:
    """`body` signed by `ring`'s key as the roster carries events: an armoured signed message."""
    signed = ring.gpg.sign(body, keyid=ring.fingerprint, clearsign=False, binary=False)
    assert signed.data
    return bytes(signed.data).decode("ascii")


def make_invitation(world: InviteWorld, **invitee_fields: object) -> Invitation:
    """The coordinator's invitation of the pip maintainer (fields of the invitee replaced by `invitee_fields`)."""
    coordinator = world.coordinator
    roster = tuple(
        signed_roster_event(coordinator, f'{{"case_id":"roster","kind":"member-add","n":{n}}}'.encode())
        for n in range(2)
    )
    invitee = Invitee(
        name="Pip Maintainer",
        email=world.invitee.email,
        role="maintainer",
        projects=("pip",),
        imap_user="pip",
        fingerprint=world.invitee.fingerprint,
    )
    fields = {**invitee.__dict__, **invitee_fields}
    return Invitation(
        inviter=inviter_from_keyring(coordinator.gpg, coordinator.fingerprint, "Coco Ordinator", coordinator.email),
        coordinators=(coordinator.fingerprint,),
        prefix="Team/",
        server=Server(host="imap.team.example", port=993, security="tls"),
        invitee=Invitee(**fields),
        roster=roster,
    )


KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n"
EVENT = "-----BEGIN PGP MESSAGE-----\n\nowGbwMvMwCT\n=abcd\n-----END PGP MESSAGE-----\n"
INVITER = "A" * 40
INVITEE = "B" * 40


def valid_document() -> dict[str, Any]:
    """A valid invitation document (stand-ins for the armoured key and events: the shape check does not read them)."""
    return {
        "format": "triage-tui-invitation/1",
        "inviter": {"name": "Coco O'Brien", "email": "coord@team.example", "fingerprint": INVITER, "key": KEY},
        "team": {
            "coordinators": [INVITER],
            "prefix": "Team/",
            "server": {"host": "imap.team.example", "port": 993, "security": "tls"},
        },
        "invitee": {
            "name": "Zoë Ørsted",
            "email": "zoe@pip.example",
            "role": "maintainer",
            "projects": ["pip", "zope.interface"],
            "imap_user": "zoe",
            "fingerprint": INVITEE,
        },
        "roster": [EVENT, EVENT.replace("owG", "owH")],
    }
