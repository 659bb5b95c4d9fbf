"""Talks to the folders of the team server for the team transport: a folder is pulled only when its STATUS says
something came (a sync with nothing new costs one STATUS per folder read), envelopes are appended, and a command the
server refuses on one folder becomes one line naming the folder and the problem, so the other folders still sync."""

from __future__ import annotations

import imaplib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from imapclient.exceptions import IMAPClientError

from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from triage_tui.sources.imap import ImapSource
    from triage_tui.store.store import Store

Bodies = dict[int, tuple[bytes, str | None, int | None]]
TakeIn = Callable[[str, int, list[int], Bodies], None]
"""Takes in one round of a folder's messages: (folder, UIDVALIDITY, UIDs, bodies); they are stored with the folder's
cursor past them, then or with a later round's (see `pull_folder`'s `flush`)."""

STATUS_ITEMS = [b"UIDNEXT", b"UIDVALIDITY"]
_SERVER_WORDS = (
    re.compile(r"^\w+ failed: (.*)$", re.DOTALL),  # imapclient's wording of a NO/BAD
    re.compile(r"^\w+ command error: \w+ \[b(?:'|\")(.*)(?:'|\")\]$", re.DOTALL),  # imaplib's
)
_TIMING = re.compile(r"\s*\(\d+\.\d+(?: \+ \d+\.\d+)* secs\)\.?$")
"""Dovecot's timing of the command at the end of its answer, which says nothing about the problem."""
MAX_WORDS = 200
"""The most of the server's own text one line quotes (it is the server's to choose, so it is cut and neutralised)."""


class FolderRefused(Exception):
    """The server answered NO or BAD to a command on one folder: the line names the folder and the problem."""

    def __init__(self, folder: str, line: str) -> None:
        self.folder = folder
        super().__init__(line)


def server_words(error: BaseException) -> str | None:
    """What the server said when `error` is its NO or BAD to a command; None for anything else (a dropped
    connection, an answer refused by the bounds: those end the sync, whichever folder it was on)."""
    if isinstance(error, imaplib.IMAP4.abort) or not isinstance(error, IMAPClientError):
        return None
    text = str(error)
    for wording in _SERVER_WORDS:
        found = wording.match(text)
        if found is not None:
            text = found.group(1)
            break
    return _TIMING.sub("", neutralise_line(text)[:MAX_WORDS]) or "no reason given"


def folder_status(client: IMAPClient, folder: str, where: str) -> tuple[int, int]:
    """(UIDVALIDITY, UIDNEXT) of `folder`; FolderRefused when the server will not say (no such folder, or no
    right to read it: an ACL server answers both alike)."""
    try:
        answer = client.folder_status(folder, STATUS_ITEMS)
    except IMAPClientError as error:
        words = server_words(error)
        if words is None:
            raise
        line = f"team folder {folder!r} on {where} does not exist or may not be read ({words}); ask the server's admin"
        raise FolderRefused(folder, line) from None
    validity, uidnext = answer.get(b"UIDVALIDITY"), answer.get(b"UIDNEXT")
    if not isinstance(validity, int) or not isinstance(uidnext, int):  # the server's answer: anything may be in it
        raise FolderRefused(folder, f"team folder {folder!r} on {where}: its STATUS gave no UIDVALIDITY/UIDNEXT")
    return validity, uidnext


def append_to(client: IMAPClient, folder: str, message: bytes, where: str) -> None:
    """APPEND `message` to `folder`; FolderRefused when the server refuses it (no such folder: NO [TRYCREATE], or no
    right to insert)."""
    try:
        client.append(folder, message)
    except IMAPClientError as error:
        words = server_words(error)
        if words is None:
            raise
        raise FolderRefused(folder, f"APPEND to team folder {folder!r} on {where} refused ({words})") from None


def create_legacy_folder(client: IMAPClient, folder: str, where: str) -> None:
    """Create the one folder of the single-folder layout (as before per-audience folders; those are never created
    here: the server's admin makes them, with their rights)."""
    try:
        client.create_folder(folder)
    except IMAPClientError as error:
        words = server_words(error)
        if words is None:
            raise
        raise FolderRefused(folder, f"team folder {folder!r} on {where} could not be created ({words})") from None


def pull_folder(
    client: IMAPClient,
    source: ImapSource,
    store: Store,
    folder: str,
    take_in: TakeIn,
    *,
    cursor_source: str,
    search_uids: int,
    group_messages: int,
    max_bytes: int,
    create: bool = False,
    flush: Callable[[], None] | None = None,
) -> None:
    """Take in the new messages of `folder`: its STATUS first, and nothing more when UIDVALIDITY and UIDNEXT are as
    the cursor keeps them; else its UIDs past the cursor, `search_uids` at a time, in rounds of `group_messages`
    (each stored by `take_in` with its cursor, or held by it and stored by `flush`, called after the last round),
    then UIDNEXT with the cursor. With `create` (the single-folder layout) a folder the server does not have is
    created, as it always was."""
    from triage_tui.store.ingest import save_cursor
    from triage_tui.store.sync_reads import load_cursors

    try:
        validity, uidnext = folder_status(client, folder, source.where)
    except FolderRefused:
        if not create:
            raise
        create_legacy_folder(client, folder, source.where)
        return  # a new folder holds nothing yet
    with store.read() as connection:
        cursor = load_cursors(connection, cursor_source).get(folder) or {}
    if cursor.get("uidvalidity") == validity and cursor.get("uidnext") == uidnext:
        return  # nothing was appended since: the one STATUS was all it took
    last = int(cursor.get("last_uid", 0)) if cursor.get("uidvalidity") == validity else 0
    try:
        client.select_folder(folder, readonly=True)
    except IMAPClientError as error:
        words = server_words(error)
        if words is None:
            raise
        raise FolderRefused(folder, f"team folder {folder!r} on {source.where} may not be read ({words})") from None
    highest = max(client.search(["UID", "*"]), default=0)  # one number, where `last+1:*` is every new UID
    for low in range(last + 1, highest + 1, search_uids):
        high = low + search_uids - 1
        found = sorted(uid for uid in client.search(["UID", f"{low}:{high}"]) if low <= uid <= high)
        for start in range(0, len(found), group_messages):
            group = found[start : start + group_messages]
            take_in(folder, validity, group, source.fetch_bodies(client, folder, group, max_size=max_bytes))
    if flush is not None:  # the rounds held are stored before the cursor says the folder was read to its end
        flush()
    # UIDNEXT goes in only now, after every round: kept earlier, a pull cut off midway would look finished.
    # It is the STATUS's, from before the search: what came after it is taken in again at worst, never missed.
    with store.write() as connection:
        done = {"uidvalidity": validity, "last_uid": max(last, highest), "uidnext": uidnext}
        save_cursor(connection, cursor_source, folder, done, datetime.now(UTC))
