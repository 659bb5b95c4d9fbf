"""The recipient list of an envelope read from its packet headers alone, as gpg writes them (real gpg: its key ids
are those `gpg --list-packets` names) and as a hostile sender may make them (hand-framed packets): hidden recipients
counted, every other form refused with a reason, and the reading bounded in packets and bytes."""

from __future__ import annotations

import base64

import pytest

from gpg_fixtures import Keyring
from test_team_envelope_recipients import encryption_key_id, named_key_ids, sealed_by
from test_team_recipients import rings
from triage_tui.team.envelope_packets import HIDDEN_KEY_ID, MAX_HEADER_BYTES, NotAnEnvelope, recipients
from triage_tui.team.envelope_screen import NOT_FOR_US, PASS, EnvelopeScreen, secret_key_ids

__all__ = ["rings"]  # the fixture, imported so pytest finds it here


def armour(data: bytes, headers: str = "") -> bytes:
    """`data` in ASCII armour, 64 characters a line (no checksum line: RFC 9580 makes it optional)."""
    text = base64.b64encode(data).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN PGP MESSAGE-----\n{headers}\n{chr(10).join(lines)}\n-----END PGP MESSAGE-----\n".encode()


def dearmour(sealed: bytes) -> bytes:
    lines = sealed.decode().split("\n")
    body = lines[lines.index("") + 1 :]
    return base64.b64decode("".join(line for line in body if line and not line.startswith(("=", "-----"))))


def new_packet(tag: int, body: bytes, *, length: str = "short") -> bytes:
    """A packet in the new format, its length in one, two or five octets."""
    if length == "short":
        assert len(body) < 192
        return bytes([0xC0 | tag, len(body)]) + body
    if length == "two":
        size = len(body) - 192
        return bytes([0xC0 | tag, (size >> 8) + 192, size & 0xFF]) + body
    return bytes([0xC0 | tag, 255]) + len(body).to_bytes(4, "big") + body


def session_key(key_id: bytes) -> bytes:
    """A version 3 session key packet's body for `key_id` (algorithm 18, a made-up ECDH value)."""
    return b"\x03" + key_id + b"\x12" + b"\x01" * 40


ENCRYPTED = new_packet(18, b"\x01" + b"\x00" * 60)
"""An integrity-protected encrypted data packet (its content is never read here)."""


def split_session_keys(sealed: bytes) -> tuple[list[bytes], bytes]:
    """The session key packets gpg wrote (old format, one-octet length, as gpg 2.2 writes them) and the rest."""
    data = dearmour(sealed)
    packets = []
    while data[0] == 0x84:
        size = 2 + data[1]
        packets.append(data[:size])
        data = data[size:]
    return packets, data


def test_the_key_ids_gpg_names_are_read_without_gpg(rings: list[Keyring]) -> None:
    coordinator, pip, uv = rings
    sealed = sealed_by(coordinator, [coordinator, pip, uv], hidden=False)
    found = recipients(sealed, 10)
    assert sorted(found.named) == named_key_ids(pip, sealed)
    assert set(found.named) == {encryption_key_id(r) for r in rings} and found.hidden == 0


def test_hidden_recipients_are_counted(rings: list[Keyring]) -> None:
    coordinator, pip, _uv = rings
    found = recipients(sealed_by(coordinator, [coordinator, pip], hidden=True), 10)
    assert (found.named, found.hidden) == ((), 2)


def test_more_recipients_than_allowed_are_refused_after_reading_one_more(rings: list[Keyring]) -> None:
    """A flood's envelope hides a thousand recipients: reading stops one past the bound, wherever the list ends."""
    coordinator, pip, _uv = rings
    (hidden, _other), rest = split_session_keys(sealed_by(coordinator, [coordinator, pip], hidden=True))
    crafted = armour(hidden * 1000 + rest)
    assert recipients(armour(hidden * 5 + rest), 5).hidden == 5
    with pytest.raises(NotAnEnvelope, match="more than 5 keys"):
        recipients(crafted, 5)


def test_a_recipient_list_longer_than_the_byte_bound_is_refused_unread() -> None:
    big = new_packet(1, b"\x03" + b"\x11" * 8 + b"\x01" + b"\x02" * 4000, length="five")  # an RSA-sized value
    many = big * (MAX_HEADER_BYTES // len(big) + 2)
    with pytest.raises(NotAnEnvelope, match=f"more than {MAX_HEADER_BYTES} bytes"):
        recipients(armour(many + ENCRYPTED), 10_000)


def test_new_format_lengths_and_version_6_recipients_are_read() -> None:
    v4_fingerprint = bytes(range(20))
    v6_fingerprint = bytes(range(100, 132))
    packets = [
        new_packet(1, session_key(b"\xaa" * 8)),
        new_packet(1, session_key(b"\xbb" * 8) + b"\x00" * 200, length="two"),
        new_packet(1, session_key(b"\xcc" * 8), length="five"),
        new_packet(1, b"\x06\x15\x04" + v4_fingerprint + b"\x19" + b"\x01" * 40),
        new_packet(1, b"\x06\x21\x06" + v6_fingerprint + b"\x19" + b"\x01" * 40),
        new_packet(1, b"\x06\x00\x19" + b"\x01" * 40),  # an anonymous recipient
    ]
    found = recipients(armour(b"".join(packets) + ENCRYPTED, "Comment: made by hand\n"), 10)
    expected = ("AA" * 8, "BB" * 8, "CC" * 8, v4_fingerprint[-8:].hex().upper(), v6_fingerprint[:8].hex().upper())
    assert (found.named, found.hidden) == (expected, 1)
    assert HIDDEN_KEY_ID not in found.named


@pytest.mark.parametrize(
    ("armoured", "reason"),
    [
        (b"hello", "not an armoured OpenPGP message"),
        (b"-----BEGIN PGP MESSAGE-----\n\naGVsbG8gd29ybGQ=\n-----END PGP MESSAGE-----\n", "no packet header"),
        (b"-----BEGIN PGP MESSAGE-----\n\n!!!!****\n-----END PGP MESSAGE-----\n", "not base64"),
        (b"-----BEGIN PGP MESSAGE-----\nhF4D\n-----END PGP MESSAGE-----\n", "no blank line"),
        (b"-----BEGIN PGP MESSAGE-----\n" + b"A: b\n" * 20 + b"\nhF4D\n", "header lines"),
        (b"-----BEGIN PGP MESSAGE-----\n\nhF4D", "not closed"),
        (armour(new_packet(1, session_key(b"\x01" * 8))), "ends before any encrypted data"),
        (armour(new_packet(1, session_key(b"\x01" * 8))[:-5]), "cut short"),
        (armour(new_packet(1, b"\x05" + b"\x01" * 20) + ENCRYPTED), "version 5"),
        (armour(new_packet(1, b"\x06\x15\x05" + b"\x01" * 30) + ENCRYPTED), "no known form"),
        (armour(new_packet(1, session_key(b"\x01" * 8)) + new_packet(11, b"b\x00\x00\x00\x00\x00hi")), "type 11"),
        (armour(new_packet(3, b"\x04\x09\x03" + b"\x01" * 12) + ENCRYPTED), "no public key"),
        (armour(bytes([0xC1, 0xE1]) + b"\x00" * 4 + ENCRYPTED), "without a definite length"),  # a partial length
        (armour(bytes([0x87]) + b"\x00" * 4 + ENCRYPTED), "without a definite length"),  # indeterminate, old
    ],
)
def test_what_is_not_an_envelope_encrypted_to_keys_is_refused_with_a_reason(armoured: bytes, reason: str) -> None:
    with pytest.raises(NotAnEnvelope, match=reason):
        recipients(armoured, 10)


def test_a_signed_message_that_is_not_encrypted_is_refused(rings: list[Keyring]) -> None:
    coordinator = rings[0]
    signed = coordinator.gpg.sign(b"data", keyid=coordinator.fingerprint, clearsign=False, binary=False)
    with pytest.raises(NotAnEnvelope, match="encrypted to no public key"):
        recipients(bytes(signed.data), 10)


def test_the_screen_passes_over_only_what_names_none_of_this_keyrings_keys(rings: list[Keyring]) -> None:
    coordinator, pip, uv = rings
    for_pip = sealed_by(coordinator, [coordinator, pip], hidden=False)
    own = {ring.email: EnvelopeScreen(secret_key_ids(ring.gpg), 10, hidden_allowed=False) for ring in rings}
    assert (own[pip.email].screen(for_pip), own[uv.email].screen(for_pip)) == (PASS, NOT_FOR_US)
    # A keyring gpg listed no secret key of (one it failed to read): gpg decides, rather than losing every event.
    assert EnvelopeScreen(frozenset(), 10, hidden_allowed=False).screen(for_pip) == PASS
    lab = EnvelopeScreen(secret_key_ids(uv.gpg), 10, hidden_allowed=True)
    assert lab.screen(sealed_by(coordinator, [coordinator, pip], hidden=True)) == PASS  # only gpg can tell
