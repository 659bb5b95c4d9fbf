"""Holds the opened messages of several fetch rounds of one team folder until they are applied together, so a large
backlog costs one write transaction (one judging of the roster, one recomputation of each touched case) per batch
rather than per fetch round, while the memory held stays bounded by messages and by bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage_tui.store.team_log_store import UnreadableMessage
from triage_tui.team.envelope import Opened

APPLY_BATCH_EVENTS = 10_000
"""Messages whose opened events are applied in one write transaction, with the folder's cursor past them (and at
the end of each folder, whatever is held): a large backlog is judged and its cases recomputed once per batch, not
once per fetch round (recomputing reads each touched case's whole history, so fewer, larger batches cost less; the
bytes bound below keeps the memory a batch holds small whatever its count). A pull cut off midway (a dropped
connection, a crash) keeps every batch applied before and fetches again at most the one it was holding: nothing of
a batch is stored until all of it is, cursor included."""
APPLY_BATCH_BYTES = 32 * 1024 * 1024
"""A batch is also applied once the bytes it holds reach this (each event's bytes and signed form, and messages kept
as unreadable), so the memory held stays bounded whatever the events' sizes: by count alone it could reach
APPLY_BATCH_EVENTS events of MAX_EVENT_BYTES each with their signed forms (over 2 GiB; a compressed envelope opens
to far more than its size). At most this plus one round's (`transport.PULL_GROUP_MESSAGES` events) is held."""


@dataclass
class HeldBatch:
    """One folder's opened rounds not applied yet: their events, the messages holding none, and the cursor that
    goes in with them (the folder's UIDVALIDITY and the last UID of the last round held)."""

    folder: str = ""
    validity: int = 0
    last_uid: int = 0
    opened: list[Opened] = field(default_factory=list)
    unreadable: list[UnreadableMessage] = field(default_factory=list)
    messages: int = 0
    """Messages of the rounds held (copies skipped and unreadable ones included)."""
    held_bytes: int = 0
    """The bytes held: each event's canonical bytes and signed form, and the messages kept as unreadable (an
    envelope may be compressed: what it opens to is counted, not its size on the server)."""

    def hold(
        self, folder: str, validity: int, group: list[int], opened: list[Opened], unreadable: list[UnreadableMessage]
    ) -> None:
        """Add one round (its UIDs in order) to the batch."""
        self.folder, self.validity, self.last_uid = folder, validity, group[-1]
        self.opened.extend(opened)
        self.unreadable.extend(unreadable)
        self.messages += len(group)
        self.held_bytes += sum(len(o.event.encode()) if o.event else 0 for o in opened)
        self.held_bytes += sum(len(o.signed or b"") for o in opened) + sum(len(m.raw) for m in unreadable)

    def full(self, max_messages: int, max_bytes: int) -> bool:
        """Whether the batch should be applied before another round is fetched."""
        return self.messages >= max_messages or self.held_bytes >= max_bytes

    @property
    def empty(self) -> bool:
        return self.messages == 0
