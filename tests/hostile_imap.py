"""A hostile IMAP server on loopback (a raw socket server speaking just enough IMAP4rev1 for a sync): it answers the
message bodies (or STATUS) with endless untagged responses, a literal claiming 10^14 bytes, one byte every few
seconds, or an answer that leaves a UID out."""

from __future__ import annotations

import socketserver

from loopback_server import LoopbackServer, ServedInThread

MESSAGE = b"From: Rita <rita@example.org>\r\nSubject: report %d\r\nMessage-ID: <m%d@example.org>\r\n\r\nbody %d\r\n"


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        if self.server.mode == "capability-flood":
            self._send(b"* OK hostile ready\r\n")  # no capabilities: imaplib asks for them while connecting
        else:
            self._send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n")
        while not self.server.stopping.is_set():
            line = self.rfile.readline(65536)
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            command = rest.upper()
            if command.startswith(b"CAPABILITY") and self.server.mode == "capability-flood":
                if not self._flood():
                    return
            elif command.startswith(b"CAPABILITY"):
                self._send(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            elif command.startswith(b"LOGIN"):
                self._send(tag + b" OK logged in\r\n")
            elif command.startswith(b"STATUS") and self.server.mode == "status-flood":
                if not self._flood():
                    return
            elif command.startswith(b"STATUS") and self.server.mode == "status-literal":
                self._send(b'* STATUS "INBOX" (UIDVALIDITY {100000000000000}\r\n' + b"x" * 65536)
            elif command.startswith(b"STATUS") and self.server.mode == "status-bare":
                self._send(b'* STATUS "INBOX" (MESSAGES 3 UIDNEXT ouch)\r\n' + tag + b" OK done\r\n")
            elif command.startswith(b"STATUS"):
                count = len(self.server.uids)
                self._send(
                    b'* STATUS "INBOX" (UIDVALIDITY 7 UIDNEXT %d MESSAGES %d)\r\n' % (count + 1, count)
                    + tag + b" OK done\r\n"
                )  # fmt: skip
            elif command.startswith((b"SELECT", b"EXAMINE")):
                self._send(
                    b"* %d EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" % len(self.server.uids)
                    + tag
                    + b" OK [READ-ONLY] done\r\n"
                )
            elif command.startswith(b"UID SEARCH"):
                self._send(
                    b"* SEARCH " + b" ".join(b"%d" % uid for uid in self.server.uids) + b"\r\n" + tag + b" OK done\r\n"
                )
            elif command.startswith(b"UID FETCH"):
                if not self._fetch(tag, command):
                    return
            elif command.startswith(b"LOGOUT"):
                self._send(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                return
            else:
                self._send(tag + b" BAD unknown\r\n")

    def _fetch(self, tag: bytes, command: bytes) -> bool:
        uids = _uid_set(command.split(b" ")[2].decode())
        self.server.fetches.append(sorted(uids))
        mode = self.server.mode
        if b"RFC822.SIZE" in command:
            answer = b"".join(b"* %d FETCH (UID %d RFC822.SIZE %d)\r\n" % (uid, uid, len(MESSAGE) + 9) for uid in uids)
            self._send(answer + tag + b" OK done\r\n")
            return True
        if mode == "flood":
            return self._flood()
        if mode == "literal":
            self._send(b"* 1 FETCH (UID 1 BODY[] {100000000000000}\r\n" + b"x" * 65536)
            return True
        if mode == "trickle":
            for byte in b"* 1 FETCH (UID 1 FLAGS ())\r\n" * 100:
                if self.server.stopping.wait(self.server.trickle_s):
                    return False
                self._send(bytes([byte]))
            return False
        answer = b""
        for uid in sorted(uids):
            if mode == "omit" and uid == self.server.omitted:
                continue
            body = MESSAGE % (uid, uid, uid)
            answer += b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (uid, uid, len(body), body)
        self._send(answer + tag + b" OK done\r\n")
        return True

    def _flood(self) -> bool:
        """Two million untagged lines (enough to pass any bound), then silence: a client without bounds keeps them
        all and then times out; never a tagged completion."""
        try:
            for _ in range(2000):
                if self.server.stopping.is_set():
                    return False
                self._send(b"* OK flood\r\n" * 1000)
        except OSError:
            return False
        return True

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


def _uid_set(text: str) -> set[int]:
    uids: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition(":")
        uids.update(range(int(low), int(high or low) + 1))
    return uids


class _Server(LoopbackServer):
    mode: str
    uids: list[int]
    omitted: int
    trickle_s: float
    fetches: list[list[int]]


class HostileImap(ServedInThread):
    """The server on a free loopback port; `mode` is "flood", "capability-flood" (while the client connects),
    "status-flood", "status-literal" or "status-bare" (the answer to STATUS; bare: no UIDVALIDITY, a UIDNEXT that
    is no number), "literal", "trickle", "omit" (UID `omitted` is left out of every body FETCH answer) or anything
    else (plain)."""

    _server: _Server

    def __init__(self, mode: str, *, uids: int = 3, omitted: int = 2, trickle_s: float = 0.3) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.mode = mode
        server.uids = list(range(1, uids + 1))
        server.omitted = omitted
        server.trickle_s = trickle_s
        server.fetches = []
        self.host, self.port = "127.0.0.1", server.server_address[1]
        super().__init__(server)

    @property
    def fetches(self) -> list[list[int]]:
        """The UIDs of every FETCH received, in order."""
        return self._server.fetches
