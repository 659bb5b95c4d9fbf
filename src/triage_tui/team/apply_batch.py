"""Holds the opened messages of several fetch rounds of one team folder until they are applied together, so a large
backlog costs one write transaction (one judging of the roster, one recomputation of each touched case) per batch
rather than per fetch round, while the memory held stays bounded by messages and by bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage_tui.store.team_log_store import UnreadableMessage
from triage_tui.team.envelope import Opened


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
