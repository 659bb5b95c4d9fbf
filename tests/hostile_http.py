"""A hostile GitHub-compatible API on loopback (a real socket server): it answers the advisory list with a gzip bomb,
an endless same-host Link chain, or one byte every few seconds, and every other repository's list plainly."""

from __future__ import annotations

import gzip
import socketserver
import threading

from loopback_server import LoopbackServer, ServedInThread

EMPTY_LIST = b"[]"


def gzip_bomb(inflated: int) -> bytes:
    """Real gzip of a valid JSON list padded with `inflated` bytes of spaces (it compresses about 1000:1)."""
    body = bytearray(b"[")
    body += b" " * inflated
    body += b"]"
    return gzip.compress(bytes(body), compresslevel=9)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        while True:
            request = self.rfile.readline(8192)
            if not request:
                return
            while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                pass  # the headers (no request here has a body)
            path = request.split(b" ")[1].decode()
            self.server.paths.append(path)
            if not path.startswith(f"/repos/{self.server.hostile_repository}/"):
                self._answer(EMPTY_LIST)
            elif self.server.mode == "bomb":
                self._answer(self.server.bomb, b"Content-Encoding: gzip\r\n")
            elif self.server.mode == "links":
                page = int(path.rsplit("&page=", 1)[1]) if "&page=" in path else 1
                listing = f"{self.server.url}/repos/{self.server.hostile_repository}/security-advisories"
                following = f"<{listing}?per_page=1&page={page + 1}>"
                self._answer(EMPTY_LIST, f'Link: {following}; rel="next"\r\n'.encode())
            elif self.server.mode in ("trickle", "trickle-headers"):
                self._trickle()
                return

    def _answer(self, body: bytes, extra: bytes = b"") -> None:
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )  # fmt: skip
        self.wfile.flush()

    def _trickle(self) -> None:
        """One byte every `trickle_s` seconds, for as long as the client listens."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n["
        if self.server.mode == "trickle":
            self.wfile.write(head)
            head = b" " * 100000
        for byte in head:
            if self.server.stopping.wait(self.server.trickle_s):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return


class _Server(LoopbackServer):
    url: str
    mode: str
    hostile_repository: str
    bomb: bytes
    trickle_s: float
    paths: list[str]


class HostileApi(ServedInThread):
    """The server, started on a free loopback port; `mode` is "bomb", "links", "trickle" (a byte at a time after
    the headers) or "trickle-headers" (the headers too)."""

    _server: _Server

    def __init__(
        self, mode: str, *, hostile_repository: str = "pypa/pip", bomb_inflated: int = 0, trickle_s: float = 0.5
    ) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.mode = mode
        server.hostile_repository = hostile_repository
        server.bomb = gzip_bomb(bomb_inflated) if mode == "bomb" else b""
        server.trickle_s = trickle_s
        server.paths = []
        self.url = server.url = f"http://127.0.0.1:{server.server_address[1]}"
        super().__init__(server)

    @property
    def paths(self) -> list[str]:
        """Every request path received, in order."""
        return self._server.paths

    @property
    def bomb_size(self) -> int:
        return len(self._server.bomb)


def run_with_limit(seconds: float, work: object) -> tuple[bool, object]:
    """Run `work()` in a thread for at most `seconds`: (finished, its result). A hang on today's code fails the test
    instead of the run."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)  # type: ignore[operator]
    thread.start()
    thread.join(seconds)
    return (not thread.is_alive(), result[0] if result else None)
