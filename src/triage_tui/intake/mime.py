"""Provides MIME structure analysis: parsing, raw part cutting, PGP structure detection and content collection."""

from __future__ import annotations

import binascii
import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser

from triage_tui.intake.records import Attachment
from triage_tui.untrusted import neutralise, neutralise_line

_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")
_EMAIL_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Content-Type", "Received", "MIME-Version")
_PGP_MESSAGE = re.compile(r"-----BEGIN PGP MESSAGE-----\r?\n.*?-----END PGP MESSAGE-----[ \t]*", re.DOTALL)
_PGP_SIGNED = re.compile(
    r"-----BEGIN PGP SIGNED MESSAGE-----\r?\n.*?-----BEGIN PGP SIGNATURE-----\r?\n.*?-----END PGP SIGNATURE-----[ \t]*",
    re.DOTALL,
)
_MAX_FILENAME = 200
PARSE_PIECE_BYTES = 1024 * 1024
"""How much of a message the parser is given at a time (see parse_bytes)."""


def crlf(data: bytes) -> bytes:
    """Canonical CRLF line endings, as OpenPGP signatures over MIME entities expect (RFC 3156 s5)."""
    return _LINE_ENDINGS.sub(b"\r\n", data)


def parse_bytes(raw: bytes) -> Message:
    """Parse with the compat32 policy: the modern policy parses every header on each access, which made parsing
    slower than decrypting; headers.py decodes the few headers intake needs.

    Fed in pieces of PARSE_PIECE_BYTES (the parser is incremental: the result is the same): BytesParser decodes the
    whole message to one string and copies that into a StringIO, four bytes a character, so a 24 MB message peaked at
    186 MB of Python objects; fed in pieces, 68 MB."""
    parser = BytesFeedParser(policy=policy.compat32)
    for start in range(0, len(raw), PARSE_PIECE_BYTES):
        parser.feed(raw[start : start + PARSE_PIECE_BYTES])
    return parser.close()


def parse_header_block(raw: bytes, limit: int) -> Message | None:
    """The message's headers alone, parsed from its first `limit` bytes; None if they do not end within them."""
    head = raw[:limit]
    ends = [end for end in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if end >= 0]
    if not ends:
        return None
    return BytesHeaderParser(policy=policy.compat32).parsebytes(head[: min(ends)])


def looks_like_email(message: Message) -> bool:
    """False for input that has none of the headers any email has (random bytes parse as a body)."""
    return any(message.get_all(name) for name in _EMAIL_HEADERS)


def split_multipart_raw(entity: bytes, boundary: str) -> list[bytes] | None:
    """The exact (CRLF-normalised) bytes of each body part of a multipart entity given as raw bytes, headers
    included; the CRLF before each delimiter belongs to the delimiter. None if the delimiters are missing."""
    data = crlf(entity)
    separator = data.find(b"\r\n\r\n")
    if separator < 0:
        return None
    body = b"\r\n" + data[separator + 4 :]
    delimiter = re.compile(rb"\r\n--" + re.escape(boundary.encode("ascii", "replace")) + rb"(--)?[ \t]*(?=\r\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    closed = False
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):
            closed = True
            break
        start = match.end() + 2
    # A multipart without its close delimiter was truncated: its last part's bytes are not known.
    return parts if closed else None


def is_type(entity: Message, content_type: str) -> bool:
    return entity.get_content_type() == content_type


def children(entity: Message) -> list[Message]:
    """The sub-parts of a multipart entity (empty for a leaf)."""
    payload = entity.get_payload()
    if not isinstance(payload, list):
        return []
    return [part for part in payload if isinstance(part, Message)]


def pgpmime_armour(root: Message) -> bytes | None:
    """The ciphertext of a well-formed RFC 3156 s4 multipart/encrypted entity, else None."""
    if not is_type(root, "multipart/encrypted"):
        return None
    parts = children(root)
    if len(parts) != 2:
        return None
    control, payload = parts
    if not is_type(control, "application/pgp-encrypted"):
        return None
    data = payload.get_payload(decode=True)
    return data if isinstance(data, bytes) and data.strip() else None


@dataclass(frozen=True)
class SignedParts:
    """A multipart/signed entity cut into the exact signed bytes and the detached signature."""

    signed: bytes
    signature: bytes
    entity: Message  # the parsed signed part


def signed_parts(entity: Message, raw: bytes) -> SignedParts | None:
    """Cut a multipart/signed entity whose raw bytes are `raw`; None if it is not a well-formed RFC 3156 s5 one."""
    if not is_type(entity, "multipart/signed"):
        return None
    parts = children(entity)
    boundary = entity.get_boundary()
    if len(parts) != 2 or boundary is None:
        return None
    if not is_type(parts[1], "application/pgp-signature"):
        return None
    pieces = split_multipart_raw(raw, boundary)
    if pieces is None or len(pieces) != 2:
        return None
    signature = parts[1].get_payload(decode=True)
    if not isinstance(signature, bytes):
        return None
    return SignedParts(signed=pieces[0], signature=signature, entity=parts[0])


def decoded_payload(part: Message) -> bytes | None:
    """A leaf part's payload with its Content-Transfer-Encoding undone, as `get_payload(decode=True)` gives it.

    Base64 is decoded in one pass: the email package first splits it into lines and joins them again, which held
    three more copies of a large attachment (a 17 MB one decoded at about 100 MB above the part itself)."""
    payload = part.get_payload()
    if isinstance(payload, str) and str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        try:
            # Not strict: line breaks and stray characters are skipped, as the email package's own decoder does.
            return binascii.a2b_base64(payload.encode("ascii", "surrogateescape"))
        except (binascii.Error, ValueError):
            pass  # bad padding and such: the email package's own decoder is lenient with those
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


def text_of(part: Message) -> str:
    """Decoded text of a leaf part (unknown charsets read as UTF-8 with replacement), LF line endings."""
    payload = decoded_payload(part)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:
        text = payload.decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def safe_filename(name: str | None, index: int) -> str:
    """A neutralised basename: never a path, never empty, never '.' or '..'."""
    cleaned = neutralise_line(name or "").replace("\\", "/")
    base = posixpath.basename(cleaned).strip().lstrip(".").strip()
    if not base:
        base = f"attachment-{index}"
    return base[:_MAX_FILENAME]


def make_attachment(part: Message, index: int) -> Attachment:
    data: bytes
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        data = first.as_bytes() if isinstance(first, Message) else b""
    else:
        data = decoded_payload(part) or b""
    try:
        filename = part.get_filename()
    except Exception:  # a malformed RFC 2231 parameter is no name
        filename = None
    return Attachment(
        filename=safe_filename(filename, index),
        content_type=neutralise_line(part.get_content_type()),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


@dataclass
class Content:
    """What a MIME tree holds for a reader: plain texts, counted HTML, attachments and nested PGP structures."""

    texts: list[str] = field(default_factory=list)
    html_parts: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    nested_encrypted: int = 0
    nested_signed: int = 0

    @property
    def body(self) -> str:
        return neutralise("\n\n".join(text.rstrip("\n") for text in self.texts if text.strip()))


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    try:
        return part.get_filename() is not None
    except Exception:
        return True


def collect(entity: Message, content: Content | None = None, *, skip: Message | None = None) -> Content:
    """Walk a MIME tree without opening nested PGP structures (they are counted, never decrypted or merged)."""
    content = content if content is not None else Content()
    if entity is skip:
        return content
    ctype = entity.get_content_type()
    if ctype == "multipart/encrypted":
        content.nested_encrypted += 1
        return content
    if ctype == "multipart/signed":
        content.nested_signed += 1
        signed = children(entity)
        if signed:
            collect(signed[0], content, skip=skip)
        return content
    if entity.is_multipart() and entity.get_content_maintype() == "multipart":
        for child in children(entity):
            collect(child, content, skip=skip)
        return content
    if ctype == "text/html":
        content.html_parts += 1
        return content
    if ctype in ("application/pgp-signature", "application/pgp-encrypted", "text/rfc822-headers"):
        return content
    if ctype == "text/plain" and not _is_attachment(entity):
        content.texts.append(text_of(entity))
        return content
    content.attachments.append(make_attachment(entity, len(content.attachments) + 1))
    return content


def main_text_part(root: Message) -> Message | None:
    """The part whose text is the message body for inline PGP: the root, or the first child of a multipart root."""
    if is_type(root, "text/plain"):
        return root
    if root.get_content_maintype() == "multipart" and not is_type(root, "multipart/signed"):
        parts = children(root)
        if parts and is_type(parts[0], "text/plain") and not _is_attachment(parts[0]):
            return parts[0]
    return None


@dataclass(frozen=True)
class InlineBlock:
    """One ASCII-armoured block found in a text, with the text around it."""

    kind: str  # "message" or "signed"
    armour: str
    before: str
    after: str


def find_inline_block(text: str) -> InlineBlock | None:
    for kind, pattern in (("message", _PGP_MESSAGE), ("signed", _PGP_SIGNED)):
        found = pattern.search(text)
        if found:
            return InlineBlock(kind, found.group(), text[: found.start()], text[found.end() :])
    return None


def clearsigned_text(armour: str) -> str:
    """The signed text of a clearsigned block (armour headers skipped, dash-escaping undone)."""
    lines = armour.replace("\r\n", "\n").split("\n")
    index = 1
    while index < len(lines) and lines[index].strip():
        index += 1
    body: list[str] = []
    for line in lines[index + 1 :]:
        if line.startswith("-----BEGIN PGP SIGNATURE-----"):
            break
        body.append(line[2:] if line.startswith("- ") else line)
    return "\n".join(body)
