"""Provides the building of report mail: cleartext MIME, PGP/MIME (RFC 3156) encrypted or signed, and inline PGP."""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import gnupg

# Headers that describe the message rather than the MIME entity; these are what header protection covers.
MESSAGE_HEADERS = ("Subject", "From", "To", "Date", "Message-ID", "In-Reply-To", "References")

# OpenPGP hash algorithm ids (RFC 4880 9.4) to the micalg names of RFC 3156 section 5.
_MICALG = {
    "1": "pgp-md5",
    "2": "pgp-sha1",
    "3": "pgp-ripemd160",
    "8": "pgp-sha256",
    "9": "pgp-sha384",
    "10": "pgp-sha512",
    "11": "pgp-sha224",
}

_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")


class ComposeError(RuntimeError):
    """GnuPG refused to sign or encrypt (the message says why)."""


def mime_report(
    *,
    subject: str,
    sender: str,
    to: str,
    body: str,
    date: datetime,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """The cleartext MIME entity (text/plain utf-8 body, attachments as (filename, content_type, data)),
    carrying Subject/From/To/Date/Message-ID/In-Reply-To/References headers."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    # Quoted-printable keeps the entity 7-bit, so a signature over it survives relays, and keeps trailing whitespace.
    msg.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    return msg


def _crlf(data: bytes) -> bytes:
    return _LINE_ENDINGS.sub(b"\r\n", data)


def _entity_bytes(entity: EmailMessage) -> bytes:
    return _crlf(entity.as_bytes(policy=policy.SMTP))


def _header_block(source: EmailMessage, names: Sequence[str], overrides: dict[str, str]) -> bytes:
    """Serialised header lines (CRLF-terminated) for `names`, taken from `source` unless overridden."""
    holder = EmailMessage(policy=policy.SMTP)
    for name in names:
        if name in overrides:
            holder[name] = overrides[name]
        elif source[name] is not None:
            holder[name] = str(source[name])
    holder["MIME-Version"] = "1.0"
    head, _, _ = holder.as_bytes(policy=policy.SMTP).partition(b"\r\n\r\n")
    return head + b"\r\n"


def _boundary(*avoid: bytes) -> str:
    while True:
        candidate = f"=-{secrets.token_hex(12)}"
        if not any(candidate.encode() in blob for blob in avoid):
            return candidate


def _content_part(entity: EmailMessage, *, keep_message_headers: bool) -> EmailMessage:
    """A copy of `entity` fit to be embedded: without the message headers unless they are being protected."""
    part = copy.deepcopy(entity)
    del part["MIME-Version"]
    if not keep_message_headers:
        for name in MESSAGE_HEADERS:
            del part[name]
    return part


def _protect(entity: EmailMessage, hp: str) -> EmailMessage:
    protected = copy.deepcopy(entity)
    protected.set_param("protected-headers", "v1")
    protected.set_param("hp", hp)
    return protected


def _multipart_signed(signed_part: bytes, gpg: gnupg.GPG, signer: str, head: bytes) -> bytes:
    """multipart/signed bytes with `signed_part` inserted verbatim; `head` is the entity's header block without
    Content-Type (may be empty)."""
    sig = gpg.sign(signed_part, keyid=signer, detach=True, binary=False)
    if not sig.data:
        raise ComposeError(f"signing failed: {sig.status} {sig.stderr[-500:]}")
    micalg = _MICALG.get(str(sig.hash_algo), "pgp-sha256")
    signature = _crlf(sig.data).rstrip(b"\r\n") + b"\r\n"
    boundary = _boundary(signed_part, signature).encode()
    return b"".join(
        [
            head,
            b'Content-Type: multipart/signed; micalg="' + micalg.encode() + b'";\r\n',
            b' protocol="application/pgp-signature";\r\n boundary="' + boundary + b'"\r\n',
            b"\r\n",
            b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n",
            b"--" + boundary + b"\r\n",
            signed_part,
            b"\r\n--" + boundary + b"\r\n",
            b'Content-Type: application/pgp-signature; name="signature.asc"\r\n',
            b"Content-Description: OpenPGP digital signature\r\n",
            b'Content-Disposition: attachment; filename="signature.asc"\r\n',
            b"\r\n",
            signature,
            b"\r\n--" + boundary + b"--\r\n",
        ]
    )


def _encrypt(payload: bytes, gpg: gnupg.GPG, recipients: Sequence[str], sign_with: str | None) -> bytes:
    result = gpg.encrypt(payload, list(recipients), sign=sign_with, armor=True, always_trust=True)
    if not result.ok:
        raise ComposeError(f"encryption failed: {result.status} {result.stderr[-500:]}")
    return _crlf(result.data)


def encrypt_pgpmime(
    inner: EmailMessage,
    gpg: gnupg.GPG,
    recipients: Sequence[str],
    *,
    sign_with: str | None = None,
    sign_then_encrypt: bool = False,
    protect_headers: bool = True,
) -> bytes:
    """multipart/encrypted (RFC 3156 s4). sign_with + not sign_then_encrypt = one signed+encrypted OpenPGP message
    (s6.2); sign_then_encrypt = a multipart/signed entity encrypted as a whole (s6.1). protect_headers: inner root
    gets protected-headers="v1" and hp="cipher" with the real headers, the outer Subject becomes "..." (RFC 9788 /
    memory hole). Returns the whole message as bytes with CRLF line endings (policy.SMTP)."""
    entity = _protect(inner, "cipher") if protect_headers else inner
    content = _entity_bytes(_content_part(entity, keep_message_headers=protect_headers))
    if sign_then_encrypt and sign_with:
        payload = _multipart_signed(content, gpg, sign_with, b"")
        armour = _encrypt(payload, gpg, recipients, None)
    else:
        armour = _encrypt(content, gpg, recipients, sign_with)
    overrides = {"Subject": "..."} if protect_headers else {}
    head = _header_block(inner, MESSAGE_HEADERS, overrides)
    boundary = _boundary(armour).encode()
    return b"".join(
        [
            head,
            b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n',
            b' boundary="' + boundary + b'"\r\n',
            b"\r\n",
            b"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n",
            b"--" + boundary + b"\r\n",
            b"Content-Type: application/pgp-encrypted\r\n",
            b"Content-Description: PGP/MIME version identification\r\n",
            b"\r\n",
            b"Version: 1\r\n",
            b"\r\n--" + boundary + b"\r\n",
            b'Content-Type: application/octet-stream; name="encrypted.asc"\r\n',
            b"Content-Description: OpenPGP encrypted message\r\n",
            b'Content-Disposition: inline; filename="encrypted.asc"\r\n',
            b"\r\n",
            armour.rstrip(b"\r\n") + b"\r\n",
            b"\r\n--" + boundary + b"--\r\n",
        ]
    )


def sign_pgpmime(inner: EmailMessage, gpg: gnupg.GPG, signer: str) -> bytes:
    """multipart/signed cleartext; the signed part is built as exact bytes by hand (never re-serialised after
    signing), micalg from the hash actually used."""
    signed_part = _entity_bytes(_content_part(inner, keep_message_headers=False))
    head = _header_block(inner, MESSAGE_HEADERS, {})
    return _multipart_signed(signed_part, gpg, signer, head)


def _body_text(inner: EmailMessage) -> str:
    body = inner.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    content = body.get_content()
    return content if isinstance(content, str) else ""


def _copy_attachments(inner: EmailMessage, target: EmailMessage) -> None:
    for part in inner.iter_attachments():
        assert isinstance(part, EmailMessage)
        data = part.get_payload(decode=True)
        target.add_attachment(
            data if isinstance(data, bytes) else b"",
            maintype=part.get_content_maintype(),
            subtype=part.get_content_subtype(),
            filename=part.get_filename() or "attachment.bin",
        )


def _message_with_text(inner: EmailMessage, text: str) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    for name in MESSAGE_HEADERS:
        if inner[name] is not None:
            msg[name] = str(inner[name])
    msg.set_content(text, subtype="plain", charset="utf-8", cte="7bit")
    _copy_attachments(inner, msg)
    return msg


def inline_pgp(
    inner: EmailMessage, gpg: gnupg.GPG, recipients: Sequence[str], *, sign_with: str | None = None
) -> bytes:
    """text/plain whose body is an ASCII-armoured PGP MESSAGE of the body text (attachments, if any, as separate
    unencrypted parts)."""
    armour = _encrypt(_body_text(inner).encode("utf-8"), gpg, recipients, sign_with)
    text = armour.replace(b"\r\n", b"\n").decode("ascii")
    return _crlf(_message_with_text(inner, text).as_bytes(policy=policy.SMTP))


def plain(inner: EmailMessage) -> bytes:
    """The report unencrypted and unsigned."""
    return _entity_bytes(inner)
