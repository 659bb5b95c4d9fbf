"""Bounds every HTTP exchange with an API: one deadline over the whole request (a server that trickles a byte at a
time cannot hold a sync), a cap on the decoded body, enforced while it inflates (a gzip bomb is stopped after the
cap, not after it has filled memory), and one compression layer at most."""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

MAX_BODY_BYTES = 16 * 1024 * 1024
"""A page of 100 advisories with long descriptions is about 1 MB; 16 MB leaves room and bounds what one answer may
cost in memory (the JSON built from it takes a few times more)."""
MAX_EXCHANGE_S = 120.0
"""The longest one request may take from connecting to the body's last byte; the read timeout alone resets at every
byte received, so a server sending one byte every few seconds would never time out."""
ACCEPTED_ENCODING = "gzip"
"""The only compression asked for (and, with deflate and none, the only one taken): it can be inflated under a cap."""

_local = threading.local()


class BodyError(Exception):
    """An answer's body was refused: too large once decoded, or in an encoding not asked for."""


class DeadlinePassed(Exception):
    """The request's total time ran out; the message says after how long."""


def _remaining(timeout: float | None) -> float | None:
    """The socket timeout for the next operation: the caller's, shortened to what is left of the deadline."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's total time ran out")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    """httpcore's socket backend whose connections are `_DeadlineStream`s, connecting within the deadline too."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(super().connect_tcp(host, port, _remaining(timeout), local_address, socket_options))


def deadline_transport() -> httpx.HTTPTransport:
    """httpx's own transport, its connections bound by the deadline of `within()`."""
    transport = httpx.HTTPTransport()
    # httpx does not pass a network backend through; httpcore's pool takes one (a documented parameter there).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_DeadlineBackend()
    )
    return transport


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every request of this thread inside the block ends within `seconds` of entering it; one cut off by that
    raises DeadlinePassed (a plain timeout stays an httpx.TimeoutException)."""
    before = getattr(_local, "deadline", None)
    deadline = _local.deadline = time.monotonic() + seconds
    try:
        yield
    except httpx.TimeoutException:
        if time.monotonic() >= deadline:
            raise DeadlinePassed(f"the answer took over {seconds:.0f} s") from None
        raise
    finally:
        _local.deadline = before


class _Inflater:
    """gzip or deflate (zlib-wrapped or raw) inflated at most `limit` bytes in all, members one after another."""

    def __init__(self, encoding: str, limit: int) -> None:
        # 47: a gzip or zlib header, told apart by zlib itself; deflate seen in the wild is also raw (-15).
        self._wbits = 47 if encoding == "gzip" else 15
        self._raw_fallback = encoding == "deflate"
        self._inflate = zlib.decompressobj(self._wbits)
        self._limit = limit
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        """What `data`, the next compressed bytes, inflates to; BodyError past the limit or on damaged data."""
        parts: list[bytes] = []
        while data:
            try:
                part = self._inflate.decompress(data, self._limit - self.size + 1)
            except zlib.error as error:
                if not (self._raw_fallback and self.size == 0):
                    raise BodyError(f"the compressed body is damaged ({error})") from None
                self._raw_fallback = False
                self._inflate = zlib.decompressobj(-15)
                continue
            self.size += len(part)
            if self.size > self._limit:
                raise BodyError(f"the answer inflates to over {self._limit} bytes")
            parts.append(part)
            data = self._inflate.unused_data if self._inflate.eof else b""
            if data:
                self._inflate = zlib.decompressobj(self._wbits)  # a further gzip member
        return b"".join(parts)


def read_body(response: httpx.Response, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body of a streamed response, decoded, at most `limit` bytes; BodyError past it or for an encoding other
    than gzip, deflate or none (several layers included: each could multiply the last)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower() or "identity"
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise BodyError(f"the answer is encoded as {encoding[:40]!r}; only {ACCEPTED_ENCODING} was asked for")
    inflater = None if encoding == "identity" else _Inflater("deflate" if encoding == "deflate" else "gzip", limit)
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk if inflater is None else inflater.feed(chunk)
        if len(body) > limit:
            raise BodyError(f"the answer is over {limit} bytes")
    return bytes(body)


def decoded(response: httpx.Response, body: bytes) -> httpx.Response:
    """A complete response holding `body` as read by `read_body`, for the usual `.json()` and `.text`."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in ("content-encoding", "content-length")]
    return httpx.Response(response.status_code, headers=headers, content=body, request=response.request)
