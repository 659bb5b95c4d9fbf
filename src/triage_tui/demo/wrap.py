"""Provides the wrapping of one planned letter into mail bytes through `triage_tui.compose`, and its damaging."""

from __future__ import annotations

import base64
import random
import re

import gnupg

from triage_tui import compose
from triage_tui.demo.corpus import Form, Letter

_ARMOUR = re.compile(
    rb"-----BEGIN PGP MESSAGE-----\r?\n(?:[^\r\n]+\r?\n)*?\r?\n"
    rb"(?P<body>[A-Za-z0-9+/=\r\n]+?)(?P<nl>\r?\n)=(?P<crc>[A-Za-z0-9+/]{4})\r?\n-----END PGP MESSAGE-----"
)


def wrap_letter(letter: Letter, gpg: gnupg.GPG, fingerprints: dict[str, str], damage: random.Random) -> bytes:
    """The bytes of `letter` in its form; `fingerprints` maps key emails to fingerprints in `gpg`'s home."""
    inner = compose.mime_report(
        subject=letter.subject,
        sender=letter.sender,
        to=letter.to,
        body=letter.body,
        date=letter.date,
        message_id=letter.message_id,
        in_reply_to=letter.in_reply_to,
        references=letter.references,
        attachments=letter.attachments,
    )
    signer = fingerprints[letter.signer] if letter.signer else None
    recipients = [fingerprints[email] for email in letter.recipients]
    if letter.form is Form.PLAIN:
        return compose.plain(inner)
    if letter.form is Form.SIGNED:
        assert signer is not None
        return compose.sign_pgpmime(inner, gpg, signer)
    if letter.form is Form.INLINE:
        return compose.inline_pgp(inner, gpg, recipients, sign_with=signer)
    data = compose.encrypt_pgpmime(
        inner,
        gpg,
        recipients,
        sign_with=signer,
        sign_then_encrypt=letter.form is Form.SIGN_THEN_ENCRYPT,
        protect_headers=letter.protect_headers,
    )
    return corrupt(data, damage) if letter.form is Form.CORRUPTED else data


def _crc24(data: bytes) -> int:
    """The OpenPGP armour checksum (RFC 4880 6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def corrupt(data: bytes, rng: random.Random) -> bytes:
    """Flip bytes inside the encrypted packet and re-armour with a valid checksum.

    The armour still parses and the session key still decrypts, so a reader meets a real integrity failure,
    not just a garbled attachment.
    """
    match = _ARMOUR.search(data)
    if match is None:
        raise ValueError("no armoured PGP message to corrupt")
    packets = bytearray(base64.b64decode(b"".join(match.group("body").split())))
    # The tail of the message is the symmetrically encrypted data; the recipient packets come first.
    for _ in range(4):
        index = rng.randrange(len(packets) * 2 // 3, len(packets) - 1)
        packets[index] ^= 1 << rng.randrange(8)
    text = base64.b64encode(bytes(packets))
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    crc = base64.b64encode(_crc24(bytes(packets)).to_bytes(3, "big"))
    newline = match.group("nl")
    armoured = newline.join(lines) + newline + b"=" + crc
    return data[: match.start("body")] + armoured + data[match.end("crc") :]
