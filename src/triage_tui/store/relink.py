"""Provides re-linking stored messages to the new keys a source gives them (an IMAP folder renumbered)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from email.parser import BytesHeaderParser

from sqlalchemy import ColumnElement, select, update

from triage_tui.sources.base import RawItem
from triage_tui.store.in_lists import in_parts
from triage_tui.store.store import Store
from triage_tui.store.tables import MESSAGES


def _message_id_of(raw: bytes) -> str | None:
    headers = BytesHeaderParser().parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


def relink_messages(store: Store, source: str, items: Sequence[RawItem]) -> set[str]:
    """Point stored messages at the new keys of items they already are; return the keys so re-linked.

    A server may renumber a folder (IMAP UIDVALIDITY change): the same messages come back under new keys. They are
    matched by content hash first, then by Message-ID, and only against stored messages whose own key the source
    did not just send, so every case, note and decision stays attached and nothing is stored twice.
    """
    incoming = {item.key: item.data for item in items if item.error is None}
    relinked: set[str] = set()
    if not incoming:
        return relinked
    with store.write() as connection:
        taken: set[int] = set()

        def take(column: ColumnElement[str], new_key_of: Mapping[str, str]) -> None:
            for part in in_parts(sorted(new_key_of)):
                rows = connection.execute(
                    select(MESSAGES.c.id, column, MESSAGES.c.source_key).where(
                        MESSAGES.c.source == source, column.in_(part)
                    )
                ).all()
                for row_id, value, old_key in rows:
                    new_key = new_key_of[value]
                    if row_id in taken or new_key in relinked or old_key in incoming:
                        continue
                    taken.add(row_id)
                    relinked.add(new_key)
                    connection.execute(
                        update(MESSAGES).where(MESSAGES.c.id == row_id).values(source_key=new_key, gone=False)
                    )

        first_key_of_hash: dict[str, str] = {}
        for key, data in incoming.items():
            # Two copies of one message on the server: the first (lowest UID) takes the stored message over.
            first_key_of_hash.setdefault(hashlib.sha256(data).hexdigest(), key)
        take(MESSAGES.c.content_hash, first_key_of_hash)
        first_key_of_message_id: dict[str, str] = {}
        for key, data in incoming.items():
            if key not in relinked and (message_id := _message_id_of(data)):
                first_key_of_message_id.setdefault(message_id, key)
        take(MESSAGES.c.message_id, first_key_of_message_id)
    return relinked
