"""Provides what the hostile test servers share: a threaded socket server on loopback, started and stopped with a
`with` block, whose handlers stop sending when `stopping` is set."""

from __future__ import annotations

import socketserver
import sys
import threading
from types import TracebackType
from typing import Self


class LoopbackServer(socketserver.ThreadingTCPServer):
    """A socket server whose handler threads never keep the test run alive."""

    daemon_threads = True
    allow_reuse_address = True
    stopping: threading.Event

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer is what the bounded clients under test do; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class ServedInThread:
    """Serves `self._server` in a thread for the `with` block; on leaving, sets `stopping` (a handler sending slowly
    returns at once) and closes the server."""

    def __init__(self, server: LoopbackServer) -> None:
        self._server = server
        self._server.stopping = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
