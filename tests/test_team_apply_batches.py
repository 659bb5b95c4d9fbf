"""The team pull applies several fetch rounds at once, on a real Dovecot: a pull cut off while it holds opened rounds
not applied yet keeps the batches applied before (with their cursor) and nothing of the one it held, then resumes
with every event taken in exactly once; a batch is also applied once its bytes reach the bound."""

from __future__ import annotations

import os
from functools import partial

import pytest

from test_team_imap import append_sealed, rings, team
from test_team_pull_bounds import SMALL, add_notes, team_cursor
from test_team_sync import shown
from triage_tui.sources import imap
from triage_tui.sources.base import SourceError
from triage_tui.sources.imap_bounds import ImapBounds
from triage_tui.store.connection import reader
from triage_tui.team import transport as team_transport

__all__ = ["rings", "team"]  # the fixtures, imported so pytest finds them here

NOTES = [f"note {n}" for n in range(1, 8)]


@pytest.mark.parametrize(
    ("batch_messages", "batch_bytes", "kept"),
    [
        (4, 1 << 30, 4),  # two rounds per batch: the third round, held when the fourth fails, is not kept
        (1_000, 1, 6),  # a batch is applied as soon as its bytes reach the bound: here after every round
    ],
)
def test_a_pull_cut_off_mid_batch_resumes_with_every_event_taken_in_once(  # type: ignore[no-untyped-def]
    team, monkeypatch: pytest.MonkeyPatch, batch_messages: int, batch_bytes: int, kept: int
) -> None:
    coordinator, pip, _uv = team
    add_notes(pip, *NOTES[:6])  # UIDs 1-6
    # Within the envelope limit, but one answer holding it goes past the connection's bound: the pull stops there.
    large = pip.ring.gpg.encrypt(
        os.urandom(30_000), [coordinator.ring.fingerprint], sign=pip.ring.fingerprint, armor=True, always_trust=True
    )
    append_sealed(pip, bytes(str(large), "ascii"))  # UID 7
    add_notes(pip, NOTES[6])  # UID 8
    with monkeypatch.context() as small:
        small.setattr(imap, "ImapBounds", partial(ImapBounds, **SMALL.__dict__))
        # Fetched 2 at a time: rounds [1, 2], [3, 4], [5, 6], then [7, 8] fails.
        small.setattr(team_transport, "PULL_GROUP_MESSAGES", 2, raising=False)
        small.setattr(team_transport, "SEARCH_UIDS", 4, raising=False)
        small.setattr(team_transport, "APPLY_BATCH_EVENTS", batch_messages, raising=False)
        small.setattr(team_transport, "APPLY_BATCH_BYTES", batch_bytes, raising=False)
        with pytest.raises(SourceError, match="refused: one answer of over 24000 bytes"):
            coordinator.sync()

    # The whole batches before the cut are stored with the cursor past them; the one held is not, in any part.
    assert shown(coordinator.database)["notes"] == NOTES[:kept]
    assert team_cursor(coordinator) == kept
    resumed = coordinator.sync()
    assert shown(coordinator.database)["notes"] == NOTES  # none lost, none twice on the timeline
    assert (resumed.applied, resumed.rejected) == (len(NOTES) - kept, 1)  # the large one is not an event
    with reader(coordinator.database) as connection:
        (received,) = connection.execute(
            "SELECT count(*) FROM team_events WHERE origin = 'received' AND status = 'applied'"
        ).fetchone()
    assert received == len(NOTES)
    # The resumed sync also shared the case pip's notes are on with the maintainers of its other linked project, who
    # had never been sent it: the next sync takes that share in; after it, nothing is new.
    coordinator.sync()
    cursor = team_cursor(coordinator)
    assert cursor > 8
    assert (coordinator.sync().applied, team_cursor(coordinator)) == (0, cursor)
