"""Provides the reading of message headers: addresses, dates, Message-IDs, references and protected headers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from triage_tui.untrusted import neutralise_line

_MSGID = re.compile(r"<[^<>\s]+>")
_ANGLE_ADDRESS = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t]+(?==\?[^?\s]+\?[QqBb]\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
PROTECTABLE = ("Subject", "From", "Date", "Message-ID", "In-Reply-To", "References")


@dataclass(frozen=True)
class HeaderFields:
    """The message headers intake keeps, already neutralised."""

    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def raw_header(msg: Message, name: str) -> str | None:
    """The first value of a header, unfolded, raw 8-bit bytes read as UTF-8 (with replacement), not RFC 2047
    decoded; None when absent."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            # The parser keeps undecodable header bytes as surrogates; they must not reach the store.
            text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return _FOLD.sub("", text)
    return None


def _decode_word(match: re.Match[str]) -> str:
    try:
        [(data, charset)] = decode_header(match.group())
        if isinstance(data, str):
            return data
        return str(data.decode(charset or "utf-8", "replace"))
    except (LookupError, ValueError):  # unknown charset or a broken word: show it as written
        return match.group()


def decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded one by one (the rest of the text is left alone, even non-ASCII)."""
    if "=?" not in text:
        return text
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 s6.2).
    text = _BETWEEN_WORDS.sub("", text)
    return _ENCODED_WORD.sub(_decode_word, text)


def header_text(msg: Message, name: str) -> str | None:
    """The decoded value of a header, or None."""
    raw = raw_header(msg, name)
    return None if raw is None else decode_words(raw)


def parse_message_id(value: str | None) -> str | None:
    """`<id>` without surrounding whitespace; a bare id is wrapped; nothing usable gives None."""
    if value is None:
        return None
    found = _MSGID.search(value)
    if found:
        return neutralise_line(found.group())
    bare = value.strip().strip("<>").strip()
    if not bare or any(ch.isspace() for ch in bare):
        return None
    return neutralise_line(f"<{bare}>")


def parse_references(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(neutralise_line(ref) for ref in _MSGID.findall(value))


def parse_date(value: str | None) -> datetime | None:
    """A UTC-aware datetime, or None for a missing or unparseable Date."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        # RFC 5322 "-0000" means "no zone information"; UTC is the only honest reading.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_from(value: str | None) -> tuple[str, str]:
    """(display name, address) of the first From mailbox, neutralised."""
    if not value:
        return "", ""
    pairs = getaddresses([value])
    name, address = pairs[0] if pairs else parseaddr(value)
    if "@" not in address:
        # getaddresses gives up on some malformed display names; the angle-bracket address is still there.
        found = _ANGLE_ADDRESS.search(value)
        if found:
            name, address = value[: found.start()].strip().strip('"'), found.group(1)
    # Addresses are split before encoded words are decoded, so a decoded name cannot smuggle in "<...>".
    return neutralise_line(decode_words(name)), neutralise_line(address)


def read_headers(msg: Message) -> HeaderFields:
    name, address = parse_from(raw_header(msg, "From"))
    return HeaderFields(
        subject=neutralise_line(header_text(msg, "Subject") or ""),
        sender_name=name,
        sender_email=address,
        date=parse_date(header_text(msg, "Date")),
        message_id=parse_message_id(header_text(msg, "Message-ID")),
        in_reply_to=parse_message_id(header_text(msg, "In-Reply-To")),
        references=parse_references(header_text(msg, "References")),
    )


def has_protected_headers(entity: Message) -> bool:
    """True when the entity is marked as carrying protected headers (memory hole v1 or RFC 9788 hp=)."""
    try:
        return entity.get_param("protected-headers") is not None or entity.get_param("hp") is not None
    except Exception:  # a malformed Content-Type is no marker
        return False


def apply_protected(outer: HeaderFields, inner: Message) -> tuple[HeaderFields, tuple[str, ...]]:
    """Inner (protected) header values win over outer ones; warns when the protected From differs."""
    protected = read_headers(inner)
    present = {name for name in PROTECTABLE if header_text(inner, name) is not None}
    merged = outer
    if "Subject" in present:
        merged = replace(merged, subject=protected.subject)
    if "From" in present:
        merged = replace(merged, sender_name=protected.sender_name, sender_email=protected.sender_email)
    if "Date" in present:
        merged = replace(merged, date=protected.date)
    if "Message-ID" in present:
        merged = replace(merged, message_id=protected.message_id)
    if "In-Reply-To" in present:
        merged = replace(merged, in_reply_to=protected.in_reply_to)
    if "References" in present:
        merged = replace(merged, references=protected.references)
    warnings: list[str] = []
    if "From" in present and protected.sender_email.casefold() != outer.sender_email.casefold():
        warnings.append(f"protected From ({protected.sender_email}) differs from the outer From ({outer.sender_email})")
    return merged, tuple(warnings)
