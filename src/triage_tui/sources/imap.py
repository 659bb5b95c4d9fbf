"""Provides the IMAP source: incremental, resumable sync of a shared mailbox (RFC 4549 rules, CONDSTORE hints).

Per folder the cursor is (UIDVALIDITY, last stored UID, UIDNEXT, HIGHESTMODSEQ), saved with the messages it covers.
A no-change sync costs one STATUS per folder. New mail is fetched by UID above the last stored one; a changed
UIDVALIDITY re-downloads the folder and re-links stored messages by content; expunged messages are marked gone.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from triage_tui.config import ImapSourceConfig
from triage_tui.config.rules import clear_text_security
from triage_tui.sources.base import (
    HEAD_BYTES,
    MAX_BATCH_BYTES,
    Batch,
    RawItem,
    SourceError,
    SyncState,
    read_size,
    sized_groups,
)
from triage_tui.sources.credentials import secret_from
from triage_tui.sources.imap_bounds import AnswerRefused, BoundedIMAPClient, ImapBounds

STATUS_ITEMS = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES", b"HIGHESTMODSEQ"]
DEFAULT_TIMEOUT_S = 30.0
SIZES_SPAN = 500
"""New messages whose RFC822.SIZE is asked for in one FETCH (as the team pull's rounds: a command line of a few KB,
an answer of one line each): the sizes cut batches by bytes, and one round trip serves about ten batches."""
FETCH_TRIES = 2
"""A message the server leaves out of a FETCH answer is asked for once more, then recorded as an intake failure (so
the cursor never passes it silently)."""


def folder_scope(folder: str) -> str:
    """The sync-state scope of one folder."""
    return f"folder:{folder}"


def item_key(folder: str, uidvalidity: int, uid: int) -> str:
    """The stable key of one message: folder, UIDVALIDITY and UID (DESIGN section 2)."""
    return f"{folder}/{uidvalidity}/{uid}"


class _FolderMissing(Exception):
    pass


class _CommandRefused(SourceError):
    """The server answered a command NO or BAD (a folder that does not exist, for STATUS): unlike a refused answer,
    which is a bound on what the server sent, and leaves the connection unusable."""


class ImapSource:
    """One shared mailbox; each `batches()` call is one connection."""

    def __init__(
        self, config: ImapSourceConfig, *, timeout: float = DEFAULT_TIMEOUT_S, bounds: ImapBounds | None = None
    ) -> None:
        self.name = config.name
        self.config = config
        self.timeout = timeout
        self.bounds = bounds or ImapBounds()
        self._refusals: list[str] = []
        """What answers of this source's server were refused for, newest last."""
        self.commands: list[str] = []
        """The IMAP commands the last sync sent (after login), in order: for diagnostics and tests."""

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    @contextmanager
    def _talking(self, what: str) -> Iterator[None]:
        """Turn whatever the network or the server does into one SourceError that says what, where and what next."""
        prefix = f"source '{self.name}' ({self.where})"
        try:
            yield
        except SourceError:
            raise
        except LoginError as error:
            raise SourceError(
                f"{prefix}: login as {self.config.username!r} failed ({_text(error)}); "
                "check the password that password_command/password_env gives"
            ) from None
        except ssl.SSLCertVerificationError as error:
            raise SourceError(
                f"{prefix}: the server's TLS certificate could not be verified ({error.verify_message}); "
                "if it uses a private CA, set ca_file to that CA's certificate"
            ) from None
        except ssl.SSLError as error:
            raise SourceError(
                f"{prefix}: TLS failed during {what} ({error.reason or error}); check security/port"
            ) from None
        except TimeoutError:
            raise SourceError(
                f"{prefix}: no answer within {self.timeout:.0f} s during {what}; what was synced is kept, "
                "sync again when the server is reachable"
            ) from None
        except ConnectionRefusedError:
            raise SourceError(f"{prefix}: connection refused; is the server running and the port right?") from None
        except socket.gaierror as error:
            raise SourceError(f"{prefix}: cannot resolve the host ({error.strerror})") from None
        except (IMAPClientAbortError, imaplib.IMAP4.abort, ConnectionError, EOFError, OSError) as error:
            refusal = str(error) if isinstance(error, AnswerRefused) else self._refusals[-1] if self._refusals else None
            if refusal is not None:
                raise SourceError(
                    f"{prefix}: the server's answer during {what} was refused: {refusal}; what was synced so far "
                    "is kept"
                ) from None
            raise SourceError(
                f"{prefix}: the connection dropped during {what} ({_text(error) or type(error).__name__}); "
                "what was synced so far is kept, sync again to continue"
            ) from None
        except IMAPClientError as error:
            raise _CommandRefused(f"{prefix}: the server refused {what} ({_text(error)})") from None

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self.config.ca_file
        if ca_file is not None and not ca_file.is_file():
            raise SourceError(f"source '{self.name}': ca_file {ca_file} does not exist")
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def _connect(self) -> IMAPClient:
        refusal = clear_text_security(self.config.security, self.config.host)
        if refusal is not None:
            raise SourceError(f"source '{self.name}': security {refusal}")
        password = secret_from(self.name, command=self.config.password_command, env=self.config.password_env)
        self._refusals.clear()  # a new connection: earlier refusals say nothing of its errors
        security = self.config.security
        with self._talking("connecting"):
            if security == "tls":
                client = BoundedIMAPClient(
                    self.config.host, port=self.config.port, ssl=True, ssl_context=self._tls_context(),
                    timeout=self.timeout, bounds=self.bounds, refusals=self._refusals,
                )  # fmt: skip
            else:
                client = BoundedIMAPClient(
                    self.config.host, port=self.config.port, ssl=False, timeout=self.timeout, bounds=self.bounds,
                    refusals=self._refusals,
                )  # fmt: skip
        try:
            if security == "starttls":
                with self._talking("STARTTLS"):
                    client.starttls(self._tls_context())
            with self._talking("login"):
                client.login(self.config.username, password)
        except BaseException:
            _close(client)
            raise
        return client

    @contextmanager
    def session(self, what: str) -> Iterator[IMAPClient]:
        """A logged-in connection for other work on this mailbox (team events), every failure worded as for a
        sync; closed at the end."""
        client = self._connect()
        try:
            with self._talking(what):
                yield client
        finally:
            _close(client)

    def batches(self, state: SyncState, chunk_size: int) -> Iterator[Batch]:
        """New mail of every configured folder; a missing folder is reported after the others have synced."""
        self.commands = []
        client = self._connect()
        missing: list[str] = []
        try:
            for folder in self.config.folders:
                try:
                    yield from self._folder(client, folder, state, chunk_size)
                except _FolderMissing as error:
                    missing.append(str(error))
        finally:
            _close(client)
        if missing:
            raise SourceError(
                f"source '{self.name}' ({self.where}): "
                + "; ".join(missing)
                + f"; check `folders` in [sources.{self.name}]"
            )

    def _status(self, client: IMAPClient, folder: str) -> Mapping[bytes, int]:
        self.commands.append(f"STATUS {folder}")
        try:
            with self._talking(f"STATUS of {folder!r}"):
                return client.folder_status(folder, STATUS_ITEMS)  # type: ignore[no-any-return]
        except _CommandRefused as error:
            # Dovecot and others answer NO to STATUS on a folder that does not exist. Any other failure (an answer
            # refused by the bounds, a dropped connection) is what it is, and ends this source's sync.
            raise _FolderMissing(f"folder {folder!r} does not exist ({error})") from None

    def _folder(self, client: IMAPClient, folder: str, state: SyncState, chunk_size: int) -> Iterator[Batch]:
        status = self._status(client, folder)
        uidvalidity = int(status[b"UIDVALIDITY"])
        uidnext = int(status[b"UIDNEXT"])
        modseq = status.get(b"HIGHESTMODSEQ")
        highestmodseq = int(modseq) if modseq is not None else None
        cursor = state.cursor(folder_scope(folder)) or {}
        renumbered = bool(cursor) and cursor.get("uidvalidity") != uidvalidity
        messages = int(status[b"MESSAGES"])
        # With CONDSTORE an unchanged HIGHESTMODSEQ proves nothing was appended, flagged or expunged; without it,
        # an unchanged UIDNEXT and message count prove nothing was appended or expunged (RFC 4549 section 4.3).
        unchanged = cursor.get("highestmodseq") == highestmodseq if highestmodseq is not None else True
        if not renumbered and cursor.get("uidnext") == uidnext and cursor.get("messages") == messages and unchanged:
            return  # the one STATUS was all it took
        last_uid = 0 if renumbered else int(cursor.get("last_uid", 0))

        self.commands.append(f"SELECT {folder}")
        with self._talking(f"SELECT of {folder!r}"):
            client.select_folder(folder, readonly=True)
        self.commands.append("UID SEARCH ALL")
        with self._talking(f"UID SEARCH of {folder!r}"):
            on_server = sorted(int(uid) for uid in client.search("ALL"))
        new = [uid for uid in on_server if uid > last_uid]
        state.expect(len(new))

        def progress_cursor(uid: int) -> dict[str, int | None]:
            # UIDNEXT/HIGHESTMODSEQ are saved only with the last batch: saved early, a crash would make the next
            # sync believe the folder unchanged and skip what was never fetched.
            return {
                "uidvalidity": uidvalidity,
                "last_uid": uid,
                "uidnext": None,
                "messages": None,
                "highestmodseq": None,
            }

        sizes: dict[int, int] = {}
        for chunk in sized_groups(self._sized(client, folder, new, sizes), chunk_size, MAX_BATCH_BYTES):
            items = self._fetch(client, folder, uidvalidity, chunk, sizes)
            for uid in chunk:
                del sizes[uid]  # sizes are kept for the span being read only, however large the folder
            yield Batch(items=items, cursors={folder_scope(folder): progress_cursor(chunk[-1])}, relink=renumbered)

        present = set(on_server)
        prefix = f"{folder}/{cursor.get('uidvalidity')}/" if renumbered else f"{folder}/{uidvalidity}/"
        gone = [
            key
            for key in state.known_keys()
            if key.startswith(prefix) and (renumbered or int(key.rsplit("/", 1)[1]) not in present)
        ]
        final = {
            "uidvalidity": uidvalidity,
            "last_uid": max([last_uid, *new]),
            "uidnext": uidnext,
            "messages": messages,
            "highestmodseq": highestmodseq,
        }
        yield Batch(cursors={folder_scope(folder): final}, gone=gone)

    def _sized(
        self, client: IMAPClient, folder: str, new: list[int], sizes: dict[int, int]
    ) -> Iterator[tuple[int, int]]:
        """(UID, bytes a sync reads of it: its head only when too large) of each new UID, in order; their
        RFC822.SIZEs are asked for SIZES_SPAN at a time as they are reached, and kept in `sizes`."""
        for start in range(0, len(new), SIZES_SPAN):
            span = new[start : start + SIZES_SPAN]
            sizes.update(self._sizes(client, folder, span))
            for uid in span:
                size = sizes.setdefault(uid, 0)  # left out of the answer: its body fetch tells
                yield uid, 0 if size > self.bounds.max_literal else read_size(size, self.bounds.max_message)

    def _sizes(self, client: IMAPClient, folder: str, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each message of `uids` the server answers for; 0 where it gave no usable size (the
        literal's own bound still holds for its body)."""
        self.commands.append("UID FETCH RFC822.SIZE")
        with self._talking(f"FETCH from {folder!r}"):
            answers = client.fetch(uids, [b"RFC822.SIZE"])
        sizes: dict[int, int] = {}
        for uid, answer in answers.items():
            size = answer.get(b"RFC822.SIZE")
            if isinstance(uid, int):
                sizes[uid] = size if isinstance(size, int) and size >= 0 else 0
        return sizes

    def _fetch(
        self, client: IMAPClient, folder: str, uidvalidity: int, chunk: list[int], sizes: Mapping[int, int]
    ) -> list[RawItem]:
        """One RawItem per UID of `chunk`, in order (`fetch_bodies`): a message over `max_message` comes as its
        headers' head and its size, to be kept as too large."""
        bodies = self.fetch_bodies(
            client, folder, chunk, max_size=self.bounds.max_message, head_bytes=HEAD_BYTES, sizes=sizes
        )
        return [RawItem(item_key(folder, uidvalidity, uid), *bodies[uid]) for uid in chunk]

    def fetch_bodies(
        self,
        client: IMAPClient,
        folder: str,
        uids: list[int],
        *,
        max_size: int,
        head_bytes: int = 0,
        sizes: Mapping[int, int] | None = None,
    ) -> dict[int, tuple[bytes, str | None, int | None]]:
        """(bytes, why not, whole size) for each UID of the selected `folder`: its bytes; or for a message over
        `max_size` by its RFC822.SIZE, the first `head_bytes` of its headers and its size (with no `head_bytes`,
        or over the literal bound, nothing of it, and why); or why not, for one the server left out of its answers
        FETCH_TRIES times. Bodies are asked for in groups of at most `fetch_group_bytes`, so one answer stays
        within the connection's bounds. `sizes` are the RFC822.SIZEs already known (else they are asked for; the
        caller keeps `uids` few enough for one answer)."""
        if sizes is None:
            sizes = self._sizes(client, folder, uids)
        bodies: dict[int, tuple[bytes, str | None, int | None]] = {}
        wanted: list[tuple[int, int]] = []
        heads: dict[int, int] = {}
        for uid in uids:
            size = sizes.get(uid, 0)  # unknown: the literal's own bound holds
            if size > self.bounds.max_literal or (size > max_size and not head_bytes):
                limit = min(max_size, self.bounds.max_literal)
                bodies[uid] = (b"", f"too large ({size} bytes, limit {limit})", None)
            elif size > max_size:
                heads[uid] = size
            else:
                wanted.append((uid, size))
        if heads:
            self.commands.append("UID FETCH BODY.PEEK[HEADER]<>")
            part = f"BODY.PEEK[HEADER]<0.{head_bytes}>".encode()
            with self._talking(f"FETCH from {folder!r}"):
                fetched = client.fetch(list(heads), [part])
            for uid, size in heads.items():
                head = fetched.get(uid, {}).get(b"BODY[HEADER]<0>")
                bodies[uid] = (bytes(head or b"")[:head_bytes], None, size)
        for _ in range(FETCH_TRIES):
            missing: list[tuple[int, int]] = []
            for group in sized_groups(((pair, pair[1]) for pair in wanted), len(wanted), self.bounds.fetch_group_bytes):
                self.commands.append("UID FETCH BODY.PEEK[]")
                with self._talking(f"FETCH from {folder!r}"):
                    fetched = client.fetch([uid for uid, _ in group], [b"BODY.PEEK[]"])
                for uid, size in group:
                    body = fetched.get(uid, {}).get(b"BODY[]")
                    if body is None:
                        missing.append((uid, size))
                    else:
                        bodies[uid] = (bytes(body), None, None)
            wanted = missing
            if not wanted:
                break
        for uid, _ in wanted:
            reason = f"the server left UID {uid} out of its FETCH answer {FETCH_TRIES} times (expunged meanwhile?)"
            bodies[uid] = (b"", reason, None)
        return bodies


def _text(error: BaseException) -> str:
    text = str(error)
    return text[2:-1] if text.startswith("b'") and text.endswith("'") else text


def _close(client: IMAPClient) -> None:
    # The connection may already be dead (that is often why we are closing it): nothing to report then.
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:  # noqa: S110
            pass
