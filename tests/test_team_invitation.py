"""Tests sealing and opening an invitation with real gpg: only the invitee opens it, only the named inviter's
signature makes it good, and every damaged, unsigned, forged or malformed one is refused in one line."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from gpg_fixtures import Keyring
from invitation_fixtures import InviteWorld, invite_world, make_invitation
from triage_tui.services.safe_write import write_new_file
from triage_tui.team.envelope import encrypt_signed
from triage_tui.team.invitation import (
    MAX_SEALED_BYTES,
    grouped,
    inviter_from_keyring,
    open_invitation,
    read_sealed,
    seal_bytes,
    seal_invitation,
)
from triage_tui.team.invitation_document import InvitationError
from triage_tui.team.join_config import join_settings, write_join_config
from triage_tui.team.join_prompt import confirm, confirmation_text

__all__ = ["invite_world"]


def _open(world: InviteWorld, sealed: bytes, ring: Keyring | None = None) -> str:
    """The one-line refusal of opening `sealed` with `ring` (the invitee's by default)."""
    with pytest.raises(InvitationError) as refused:
        open_invitation(sealed, (ring or world.invitee).home)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_the_invitee_opens_what_the_coordinator_sealed(invite_world: InviteWorld) -> None:
    invitation = make_invitation(invite_world)
    sealed = seal_invitation(invite_world.coordinator.gpg, invitation)

    opened = open_invitation(sealed, invite_world.invitee.home, own_fingerprint=invite_world.invitee.fingerprint)

    assert opened == invitation
    assert opened.inviter.fingerprint == invite_world.coordinator.fingerprint
    assert b"Pip Maintainer" not in sealed and b"imap.team.example" not in sealed  # encrypted, not just signed
    # The check used a throw-away keyring: the joiner's own holds no new key until they confirm.
    assert invite_world.invitee.gpg.list_keys(keys=[invite_world.coordinator.fingerprint]) == []


def test_nobody_but_the_invitee_opens_it(invite_world: InviteWorld) -> None:
    sealed = seal_invitation(invite_world.coordinator.gpg, make_invitation(invite_world))

    assert _open(invite_world, sealed, invite_world.stranger).startswith("not for you, or damaged")
    # The coordinator who wrote it cannot read it back either: it is encrypted to the invitee only.
    assert _open(invite_world, sealed, invite_world.coordinator).startswith("not for you, or damaged")


def test_an_invitation_for_another_key_of_the_joiner_is_not_theirs(invite_world: InviteWorld) -> None:
    sealed = seal_invitation(invite_world.coordinator.gpg, make_invitation(invite_world))

    with pytest.raises(InvitationError, match=r"^not for you: it invites key "):
        open_invitation(sealed, invite_world.invitee.home, own_fingerprint=invite_world.stranger.fingerprint)


def test_an_invitation_naming_a_key_the_joiner_has_no_secret_for_is_refused(invite_world: InviteWorld) -> None:
    # Encrypted to the invitee, but inviting the stranger's key: joining would sign with a key that is not theirs.
    invitation = make_invitation(invite_world, fingerprint=invite_world.stranger.fingerprint)
    data = invitation.encode()
    sealed = seal_bytes(
        invite_world.coordinator.gpg, invite_world.coordinator.fingerprint, invite_world.invitee.fingerprint, data
    )

    assert "whose secret key you do not hold" in _open(invite_world, sealed)


def test_a_changed_byte_of_the_sealed_file_is_refused(invite_world: InviteWorld) -> None:
    sealed = seal_invitation(invite_world.coordinator.gpg, make_invitation(invite_world))
    lines = sealed.split(b"\n")
    body = next(i for i, line in enumerate(lines) if len(line) == 64)  # a full line of the base64 body
    lines[body + 2] = bytes([lines[body + 2][0] ^ 0x01]) + lines[body + 2][1:]

    assert _open(invite_world, b"\n".join(lines)).startswith("not for you, or damaged")


def _armour(packets: bytes) -> bytes:
    """OpenPGP ASCII armour of `packets` (RFC 4880 section 6), with its CRC-24."""
    crc = 0xB704CE
    for byte in packets:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    text = base64.b64encode(packets).decode()
    body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    checksum = base64.b64encode((crc & 0xFFFFFF).to_bytes(3, "big")).decode()
    return f"-----BEGIN PGP MESSAGE-----\n\n{body}\n={checksum}\n-----END PGP MESSAGE-----\n".encode()


def test_a_signed_invitation_changed_after_signing_is_refused(invite_world: InviteWorld) -> None:
    coordinator = invite_world.coordinator
    data = make_invitation(invite_world).encode()
    # Signed without compression, so the document's bytes sit in the message and one of them can be changed.
    signed = coordinator.gpg.sign(
        data, keyid=coordinator.fingerprint, clearsign=False, binary=True, extra_args=["--compress-algo", "none"]
    )
    packets = bytes(signed.data)
    assert b'"name":"Pip Maintainer"' in packets
    # One letter changed (the length stays, so the packets still parse): only the signature can tell.
    tampered = packets.replace(b'"name":"Pip Maintainer"', b'"name":"Pip Maintainex"')
    invitee = [invite_world.invitee.fingerprint]
    # The untouched packets, armoured here, open: so the refusal below is the changed letter's doing.
    assert open_invitation(
        encrypt_signed(invite_world.stranger.gpg, _armour(packets), invitee), invite_world.invitee.home
    )
    sealed = encrypt_signed(invite_world.stranger.gpg, _armour(tampered), invitee)

    assert _open(invite_world, sealed) == "bad signature: the invitation was changed after it was signed"


def test_an_invitation_signed_by_another_key_than_the_inviter_it_names_is_refused(invite_world: InviteWorld) -> None:
    stranger = invite_world.stranger
    # Mallory names the coordinator (with the coordinator's real public key) but can only sign with her own key.
    data = make_invitation(invite_world).encode()
    sealed = seal_bytes(stranger.gpg, stranger.fingerprint, invite_world.invitee.fingerprint, data)

    message = _open(invite_world, sealed)

    assert message.startswith("signed by someone else than the inviter it names")
    assert " ".join(re.findall("....", invite_world.coordinator.fingerprint)) in message


def test_an_inviter_key_that_is_not_the_named_inviters_is_refused(invite_world: InviteWorld) -> None:
    stranger = invite_world.stranger
    # Mallory signs with her own key and ships it as the inviter's key, but names the coordinator's fingerprint.
    invitation = make_invitation(invite_world)
    mallory_key = inviter_from_keyring(stranger.gpg, stranger.fingerprint, "x", stranger.email).key
    forged = replace(invitation, inviter=replace(invitation.inviter, key=mallory_key))
    sealed = seal_bytes(stranger.gpg, stranger.fingerprint, invite_world.invitee.fingerprint, forged.encode())

    assert _open(invite_world, sealed).startswith("malformed field inviter.key: it holds key ")


def test_an_inviter_key_block_holding_more_than_the_inviters_key_is_refused(invite_world: InviteWorld) -> None:
    coordinator, stranger = invite_world.coordinator, invite_world.stranger
    # The named inviter's real key and signature, with a second key slipped into the block beside it.
    invitation = make_invitation(invite_world)
    both = invitation.inviter.key + inviter_from_keyring(stranger.gpg, stranger.fingerprint, "x", stranger.email).key
    forged = replace(invitation, inviter=replace(invitation.inviter, key=both))
    sealed = seal_bytes(coordinator.gpg, coordinator.fingerprint, invite_world.invitee.fingerprint, forged.encode())

    assert _open(invite_world, sealed) == "malformed field inviter.key: it holds 2 keys, not the inviter's key alone"


def test_an_unsigned_invitation_is_refused(invite_world: InviteWorld) -> None:
    document = make_invitation(invite_world).encode()
    sealed = encrypt_signed(invite_world.stranger.gpg, document, [invite_world.invitee.fingerprint])

    assert _open(invite_world, sealed) == "unsigned: the invitation holds no signed message"


def test_an_armoured_message_without_a_signature_is_refused(invite_world: InviteWorld) -> None:
    document = make_invitation(invite_world).encode()
    stored = subprocess.run(
        ["gpg", "--homedir", str(invite_world.stranger.home), "--batch", "--store", "--armor"],
        input=document,
        capture_output=True,
        check=True,
    ).stdout
    sealed = encrypt_signed(invite_world.stranger.gpg, stored, [invite_world.invitee.fingerprint])

    assert _open(invite_world, sealed) == "unsigned: the invitation carries no signature"


def test_an_oversized_invitation_is_refused_before_gpg_reads_it(invite_world: InviteWorld) -> None:
    huge = b"-----BEGIN PGP MESSAGE-----\n" + b"A" * MAX_SEALED_BYTES

    assert _open(invite_world, huge).startswith(f"the invitation is {len(huge)} bytes (at most {MAX_SEALED_BYTES})")


def test_reading_an_oversized_file_stops_at_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "big.asc"
    path.write_bytes(b"x" * (MAX_SEALED_BYTES + 10))

    with pytest.raises(InvitationError, match="is over"):
        read_sealed(path)
    with pytest.raises(InvitationError, match=r"^cannot read the invitation"):
        read_sealed(tmp_path / "missing.asc")


def test_a_compression_bomb_is_not_read(invite_world: InviteWorld) -> None:
    coordinator = invite_world.coordinator
    bomb = b'{"format":"' + b" " * (16 * 1024 * 1024) + b'"}'
    sealed = seal_bytes(coordinator.gpg, coordinator.fingerprint, invite_world.invitee.fingerprint, bomb)

    assert len(sealed) < 200_000
    message = _open(invite_world, sealed)
    assert message.startswith("damaged: the signed invitation cannot be read") and "compression bomb" in message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param("[" * 100 + "]" * 100, "malformed invitation: JSON nested deeper than 64 levels", id="deep"),
        pytest.param("{not json", "malformed invitation: not valid JSON", id="not-json"),
        pytest.param('{"format":"triage-tui-invitation/2"}', "not a triage-tui invitation", id="format"),
    ],
)
def test_a_signed_but_malformed_document_is_refused_in_one_line(
    invite_world: InviteWorld, document: str, expected: str
) -> None:
    coordinator = invite_world.coordinator
    sealed = seal_bytes(coordinator.gpg, coordinator.fingerprint, invite_world.invitee.fingerprint, document.encode())

    assert _open(invite_world, sealed).startswith(expected)


def test_a_signed_document_with_a_bad_field_names_the_field(invite_world: InviteWorld) -> None:
    coordinator = invite_world.coordinator
    document = json.loads(make_invitation(invite_world).encode())
    document["team"]["server"]["port"] = "993"
    document["team"]["server"]["password"] = "hunter2"
    data = json.dumps(document).encode()
    sealed = seal_bytes(coordinator.gpg, coordinator.fingerprint, invite_world.invitee.fingerprint, data)

    assert _open(invite_world, sealed) == "malformed field team.server: unexpected key 'password'"


def test_sealing_refuses_what_the_joiner_would_refuse(invite_world: InviteWorld) -> None:
    invitation = make_invitation(invite_world, projects=())

    with pytest.raises(InvitationError, match=r"^malformed field invitee\.projects"):
        seal_invitation(invite_world.coordinator.gpg, invitation)


def test_from_the_coordinators_file_to_the_joiners_config(invite_world: InviteWorld, tmp_path: Path) -> None:
    invitation = make_invitation(invite_world)
    handed = write_new_file(tmp_path / "invitation.asc", seal_invitation(invite_world.coordinator.gpg, invitation))
    shown = io.StringIO()

    opened = open_invitation(read_sealed(handed), invite_world.invitee.home)
    assert confirm(confirmation_text(opened), yes=True, stdin=io.StringIO(), stdout=shown)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    settings = join_settings(opened, invite_world.invitee.fingerprint, password_env="PIP_IMAP")
    config = write_join_config(workspace / "config.toml", replace(settings, gnupg_home=invite_world.invitee.home))

    assert grouped(invite_world.coordinator.fingerprint) in shown.getvalue()
    data = tomllib.loads(config.read_text())
    assert data["identity"]["fingerprint"] == invite_world.invitee.fingerprint
    assert data["team"]["coordinators"] == [invite_world.coordinator.fingerprint]
    assert data["team"]["server"]["username"] == "pip"
    assert opened.roster == invitation.roster  # the signed roster events, byte for byte, for the join to apply
