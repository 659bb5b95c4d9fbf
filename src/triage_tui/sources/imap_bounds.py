"""Bounds what an IMAP server may send in answer to one command: its literals, its bytes, its lines and its time.

imaplib keeps every untagged response until the command completes and reads a literal of whatever size the server
claims in one call, so a server sending endless untagged responses, or a literal of 10^14 bytes, would take memory
without end; a server trickling one byte at a time would hold the sync, as the socket timeout restarts at each byte.
BoundedIMAPClient's connection reads through a reader that refuses each of these with a clear error.
"""

from __future__ import annotations

import imaplib
import time
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient, imap4, tls

from triage_tui.sources.base import MAX_MESSAGE_BYTES

MAX_LITERAL_BYTES = 64 * 1024 * 1024
"""The largest literal the server may send; a message larger by its RFC822.SIZE is recorded as too large, nothing of
it fetched."""
MAX_ANSWER_BYTES = 128 * 1024 * 1024
"""Bytes one command's answer may hold: two of the largest messages; fetches are grouped by size to stay below it."""
FETCH_GROUP_BYTES = 48 * 1024 * 1024
"""Bytes of messages asked for in one FETCH (by their RFC822.SIZE), so a chunk of big messages comes in parts."""
MAX_ANSWER_LINES = 200_000
"""Response lines one command's answer may hold: a FETCH of a chunk needs a few per message; each line kept costs
imaplib an object, so a flood of tiny untagged lines is counted by lines, not bytes."""
MAX_LINE_BYTES = 1_000_000
"""The longest response line, as imaplib's own limit (its _MAXLINE): a UID SEARCH of 100,000 messages fits."""
MAX_ANSWER_S = 300.0
"""The longest one command's answer may take, from its first awaited byte to its tagged completion."""


@dataclass(frozen=True)
class ImapBounds:
    """The bounds one connection keeps (defaults above; tests use small ones)."""

    max_literal: int = MAX_LITERAL_BYTES
    max_message: int = MAX_MESSAGE_BYTES
    max_answer_bytes: int = MAX_ANSWER_BYTES
    max_answer_lines: int = MAX_ANSWER_LINES
    answer_s: float = MAX_ANSWER_S
    fetch_group_bytes: int = FETCH_GROUP_BYTES


class AnswerRefused(imaplib.IMAP4.abort):
    """The server's answer went past a bound; the connection cannot be trusted further."""


class BoundedReader:
    """imaplib's `read` and `readline` over the connection's socket, counting one command's answer at a time (a
    tagged line ends it) and cutting it off at the bounds."""

    def __init__(self, imap: Any, bounds: ImapBounds, timeout: float | None, refusals: list[str]) -> None:
        self._imap = imap
        self._refusals = refusals
        self._bounds = bounds
        self._timeout = timeout
        self._buffer = bytearray()
        self._started: float | None = None
        self._bytes = 0
        self._lines = 0

    def _refuse(self, why: str) -> AnswerRefused:
        """The refusal of the answer for `why`, also told to the caller's `refusals`."""
        self._refusals.append(why)  # imaplib re-raises a refusal within a command as a plain abort
        return AnswerRefused(why)

    def _too_slow(self) -> AnswerRefused:
        """The refusal of an answer that went on past its deadline."""
        return self._refuse(f"the answer took over {self._bounds.answer_s:.0f} s (the server sends too slowly)")

    def _fill(self) -> bool:
        """One receive into the buffer within the answer's deadline; False at the end of the stream."""
        now = time.monotonic()
        if self._started is None:
            self._started = now
        left = self._started + self._bounds.answer_s - now
        if left <= 0:
            raise self._too_slow()
        sock = self._imap.sock  # after STARTTLS, imaplib's socket is the TLS one
        sock.settimeout(left if self._timeout is None else min(self._timeout, left))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            if time.monotonic() >= self._started + self._bounds.answer_s:
                raise self._too_slow() from None
            raise
        self._buffer += data
        return bool(data)

    def _take(self, size: int, *, line: bool) -> bytes:
        """The buffer's first `size` bytes (a line, or part of a literal), counted against the answer's bounds."""
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._bytes += len(taken)
        self._lines += line
        if self._bytes > self._bounds.max_answer_bytes:
            raise self._refuse(f"one answer of over {self._bounds.max_answer_bytes} bytes")
        if self._lines > self._bounds.max_answer_lines:
            raise self._refuse(f"one answer of over {self._bounds.max_answer_lines} lines")
        return taken

    def readline(self) -> bytes:
        scanned = 0
        limit = MAX_LINE_BYTES + 1
        while (end := self._buffer.find(b"\n", scanned)) < 0 and len(self._buffer) < limit:
            scanned = len(self._buffer)
            if not self._fill():
                break
        size = min(len(self._buffer), limit) if end < 0 else end + 1
        line = self._take(size, line=True)
        if len(line) > MAX_LINE_BYTES:
            raise self._refuse(f"a line of over {MAX_LINE_BYTES} bytes")
        if line.startswith(self._imap.tagpre):
            self._started, self._bytes, self._lines = None, 0, 0  # the command is complete: the next answer begins
        return line

    def read(self, size: int) -> bytes:
        if size > self._bounds.max_literal:
            raise self._refuse(f"a literal of {size} bytes (at most {self._bounds.max_literal})")
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self._buffer)), line=False)


class _BoundedIO:
    """imaplib's `read` and `readline` (its documented hooks for this) through a BoundedReader, from the first byte:
    imaplib reads the greeting and asks CAPABILITY inside its constructor."""

    bounds: ImapBounds
    read_timeout: float | None
    refusals: list[str]
    bounded_reader: BoundedReader | None = None

    def readline(self) -> bytes:
        return self._reader().readline()

    def read(self, size: int) -> bytes:
        return self._reader().read(size)

    def _reader(self) -> BoundedReader:
        if self.bounded_reader is None:
            self.bounded_reader = BoundedReader(self, self.bounds, self.read_timeout, self.refusals)
        return self.bounded_reader


class BoundedIMAPClient(IMAPClient):  # type: ignore[misc]  # imapclient has no type hints
    """IMAPClient whose connection keeps `bounds` from its first byte; what each refused answer went past is
    appended to `refusals` (which the caller holds, as the constructor itself may be refused)."""

    def __init__(self, host: str, *, bounds: ImapBounds, refusals: list[str], **options: object) -> None:
        self._bounds = bounds
        self._refusals = refusals
        super().__init__(host, **options)

    def _create_IMAP4(self) -> imaplib.IMAP4:
        # IMAPClient makes the imaplib connection here (its one place for it); ours is the same class with the
        # bounded read and readline in front.
        connect_timeout = getattr(self._timeout, "connect", None)
        read_timeout = getattr(self._timeout, "read", None)
        base: type[imaplib.IMAP4] = tls.IMAP4_TLS if self.ssl else imap4.IMAP4WithTimeout
        attributes = {"bounds": self._bounds, "read_timeout": read_timeout, "refusals": self._refusals}
        bounded: Any = type(f"Bounded{base.__name__}", (_BoundedIO, base), attributes)
        if self.ssl:
            return bounded(self.host, self.port, self.ssl_context, connect_timeout)  # type: ignore[no-any-return]
        return bounded(self.host, self.port, connect_timeout)  # type: ignore[no-any-return]
