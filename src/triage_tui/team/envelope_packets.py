"""Reads whom an armoured OpenPGP message is encrypted to from its packet headers alone (RFC 4880/9580 framing, the
public-key encrypted session key packets before the encrypted data), without gpg and without any key: bounded in
packets and bytes, and refusing with a reason whatever is not such a message."""

from __future__ import annotations

import binascii
from dataclasses import dataclass

BEGIN = b"-----BEGIN PGP MESSAGE-----"
HIDDEN_KEY_ID = "0000000000000000"
"""The key id a hidden (anonymous) recipient's packet carries: gpg then tries every secret key it has on it."""
MAX_HEADER_BYTES = 64 * 1024
"""The most of the message decoded to read its recipients (a session key packet is at most a few hundred bytes for
the keys of a team; RSA-16384 needs about 2 KB): a longer recipient list is refused, never read to its end."""
MAX_ARMOUR_HEADERS = 16
"""Armour header lines ("Version: ...", "Comment: ...") read before the data; gpg writes none or one."""
SESSION_KEY_TAG = 1
MARKER_TAG = 10
ENCRYPTED_DATA_TAGS = {18: "integrity-protected", 20: "AEAD"}
"""Encrypted data packets an envelope may hold (tag 9, without integrity protection, is refused by gpg as well)."""


class NotAnEnvelope(ValueError):
    """The message is not OpenPGP data encrypted to public keys, or its recipient list is beyond the bounds."""


@dataclass(frozen=True)
class Recipients:
    """Whom a message is encrypted to: the key ids it names (16 upper hex digits) and how many are hidden."""

    named: tuple[str, ...]
    hidden: int

    @property
    def count(self) -> int:
        return len(self.named) + self.hidden


def recipients(armoured: bytes, most: int) -> Recipients:
    """The recipients of the armoured message `armoured`; NotAnEnvelope if it is not one encrypted to public keys,
    names more than `most` recipients, or its recipient list is longer than MAX_HEADER_BYTES."""
    data, whole = _dearmoured_start(armoured, MAX_HEADER_BYTES)
    named: list[str] = []
    hidden = 0
    at = 0
    for _ in range(most + 2):  # `most` session keys, at most one marker packet, then the encrypted data
        if at >= len(data):
            if whole:
                raise NotAnEnvelope("it ends before any encrypted data")
            raise NotAnEnvelope(f"its recipients take more than {MAX_HEADER_BYTES} bytes")
        tag, body_at, length = _header(data, at, whole)
        if tag == MARKER_TAG and at == 0:
            at = body_at + _whole_length(length, "marker")
            continue
        if tag != SESSION_KEY_TAG:
            return _after_session_keys(tag, named, hidden)
        if len(named) + hidden == most:
            raise NotAnEnvelope(f"it is encrypted to more than {most} keys")
        size = _whole_length(length, "session key")
        body = data[body_at : body_at + size]
        if len(body) < size:
            raise _cut_short(whole)
        key_id = _session_key_id(body)
        if key_id == HIDDEN_KEY_ID:
            hidden += 1
        else:
            named.append(key_id)
        at = body_at + size
    raise NotAnEnvelope(f"it is encrypted to more than {most} keys")


def _after_session_keys(tag: int, named: list[str], hidden: int) -> Recipients:
    if not named and not hidden:
        raise NotAnEnvelope(f"it is encrypted to no public key (its first packet is of type {tag})")
    if tag not in ENCRYPTED_DATA_TAGS:
        raise NotAnEnvelope(f"its session keys are followed by a packet of type {tag}, not encrypted data")
    return Recipients(tuple(named), hidden)


def _dearmoured_start(armoured: bytes, limit: int) -> tuple[bytes, bool]:
    """The first `limit` bytes (about) of the armoured message's binary form, and whether that is all of it."""
    if not armoured.startswith(BEGIN):
        raise NotAnEnvelope("not an armoured OpenPGP message")
    at = armoured.find(b"\n") + 1
    for _ in range(MAX_ARMOUR_HEADERS + 1):  # "Key: value" lines up to one blank line
        line, at = _line(armoured, at)
        if not line:
            break
        if b": " not in line:
            raise NotAnEnvelope("its armour has no blank line before the data")
    else:
        raise NotAnEnvelope(f"its armour has more than {MAX_ARMOUR_HEADERS} header lines")
    wanted = (limit + 2) // 3 * 4  # base64 characters that decode to `limit` bytes
    chunks: list[bytes] = []
    taken = 0
    whole = False
    while taken < wanted:
        line, at = _line(armoured, at)
        if line.startswith((b"=", b"-----")):  # the checksum line, or the end line: no more data
            whole = True
            break
        chunks.append(line)
        taken += len(line)
    text = b"".join(chunks)
    if not whole:
        text = text[: min(wanted, len(text) // 4 * 4)]  # whole groups of the data read so far
    try:
        return binascii.a2b_base64(text, strict_mode=True), whole
    except binascii.Error as error:
        raise NotAnEnvelope(f"its armour is not base64 ({error})") from None


def _line(armoured: bytes, at: int) -> tuple[bytes, int]:
    end = armoured.find(b"\n", at)
    if end < 0:
        raise NotAnEnvelope("its armour is not closed")
    return armoured[at:end].strip(), end + 1


def _header(data: bytes, at: int, whole: bool) -> tuple[int, int, int | None]:
    """(tag, where the body starts, its length) of the packet at `at`; None as the length: one this reader does
    not follow (an old packet of indeterminate length, a new one's partial length: never a session key's)."""
    first = data[at]
    if not first & 0x80:
        raise NotAnEnvelope("not OpenPGP data (no packet header)")
    if first & 0x40:  # the new format (RFC 4880 4.2.2, RFC 9580 4.2.1)
        tag, octets = first & 0x3F, data[at + 1 : at + 6]
        lead = octets[0] if octets else 0
        needed = 1 if lead < 192 else 2 if lead < 224 else 5 if lead == 255 else 1
        if len(octets) < needed:
            raise _cut_short(whole)
        if lead < 192:
            return tag, at + 2, lead
        if lead < 224:
            return tag, at + 3, ((lead - 192) << 8) + octets[1] + 192
        if lead == 255:
            return tag, at + 6, int.from_bytes(octets[1:5], "big")
        return tag, at + 2, None  # a partial body length
    tag, kind = (first >> 2) & 0x0F, first & 0x03  # the old format (RFC 4880 4.2.1)
    if kind == 3:
        return tag, at + 1, None
    size = (1, 2, 4)[kind]
    octets = data[at + 1 : at + 1 + size]
    if len(octets) < size:
        raise _cut_short(whole)
    return tag, at + 1 + size, int.from_bytes(octets, "big")


def _cut_short(whole: bool) -> NotAnEnvelope:
    """A packet cut short: a broken message if all of it was read, else a recipient list beyond the bound."""
    return NotAnEnvelope(
        "a packet is cut short" if whole else f"its recipients take more than {MAX_HEADER_BYTES} bytes"
    )


def _whole_length(length: int | None, what: str) -> int:
    if length is None:
        raise NotAnEnvelope(f"a {what} packet without a definite length")
    return length


def _session_key_id(body: bytes) -> str:
    """The key id a public-key encrypted session key packet names (version 3: its key id; version 6: taken from the
    fingerprint it names, none for an anonymous recipient)."""
    if not body:
        raise NotAnEnvelope("an empty session key packet")
    if body[0] == 3:
        if len(body) < 10:
            raise NotAnEnvelope("a session key packet too short for its key id")
        return body[1:9].hex().upper()
    if body[0] == 6:  # RFC 9580 5.1.2: a size, then the key's version and fingerprint (size 0: anonymous)
        if len(body) < 2:
            raise NotAnEnvelope("a session key packet too short for its recipient")
        size = body[1]
        if size == 0:
            return HIDDEN_KEY_ID
        named = body[2 : 2 + size]
        if len(named) < size or (named[0], size) not in ((4, 21), (6, 33)):
            raise NotAnEnvelope("a session key packet naming its recipient in no known form")
        fingerprint = named[1:]
        return (fingerprint[-8:] if named[0] == 4 else fingerprint[:8]).hex().upper()
    raise NotAnEnvelope(f"a session key packet of version {body[0]}")
