"""The team pull within the IMAP answer bounds, on a real Dovecot: a backlog larger than one answer may hold is taken
in over several rounds, each stored with its cursor (a pull cut off midway resumes after the last whole round); an
envelope too large to hold an event is listed as refused, its bytes never fetched, and the events after it apply."""

from __future__ import annotations

import json
import os
from functools import partial

import pytest

from test_team_imap import Station, append_sealed, rings, team
from test_team_sync import CASE, shown
from triage_tui.sources import imap
from triage_tui.sources.base import SourceError
from triage_tui.sources.imap_bounds import ImapBounds
from triage_tui.store.connection import reader
from triage_tui.team import transport as team_transport
from triage_tui.team.log import UNREADABLE, rejected

__all__ = ["rings", "team"]  # the fixtures, imported so pytest finds them here

SMALL = ImapBounds(max_answer_bytes=24_000, fetch_group_bytes=8_000)
"""Bounds a dozen envelopes (a few KB each) go past in one answer, and any one of them fits in."""


def add_notes(station: Station, *texts: str) -> None:
    """Notes written on `station` and sent to the team folder by its sync."""
    triage = station.triage()
    for text in texts:
        triage.add_note(CASE, text)
    triage.store.close()
    station.sync()


def team_cursor(station: Station) -> int:
    with reader(station.database) as connection:
        row = connection.execute("SELECT cursor FROM sync_state WHERE source = 'team'").fetchone()
    return int(json.loads(row[0])["last_uid"]) if row else 0


def test_a_backlog_over_one_answers_bound_is_taken_in_over_rounds_and_an_oversized_envelope_is_listed(  # type: ignore[no-untyped-def]
    team, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, _uv = team
    first = [f"note {n}" for n in range(1, 7)]
    later = [f"note {n}" for n in range(7, 13)]
    add_notes(pip, *first)
    # Signed and encrypted to the coordinator like any envelope, but far over what an event may be.
    huge = pip.ring.gpg.encrypt(
        os.urandom(700_000), [coordinator.ring.fingerprint], sign=pip.ring.fingerprint, armor=True, always_trust=True
    )
    append_sealed(pip, bytes(str(huge), "ascii"))
    add_notes(pip, *later)
    monkeypatch.setattr(imap, "ImapBounds", partial(ImapBounds, **SMALL.__dict__))
    # Searched 5 UIDs at a time and taken in 4 at a time: ranges and rounds that do not line up.
    monkeypatch.setattr(team_transport, "SEARCH_UIDS", 5, raising=False)
    monkeypatch.setattr(team_transport, "PULL_GROUP_MESSAGES", 4, raising=False)

    outcome = coordinator.sync()  # once: one FETCH of the whole folder, refused as over 24,000 bytes, every time

    assert shown(coordinator.database)["notes"] == first + later
    assert (outcome.applied, outcome.rejected) == (12, 1)
    with reader(coordinator.database) as connection:
        listed = [row for row in rejected(connection) if row[0] == UNREADABLE]
        (kept,) = connection.execute("SELECT raw FROM intake_failures WHERE source = 'team'").fetchone()
    assert len(listed) == 1
    reason = listed[0][3]
    assert reason.startswith("not fetched: too large (") and f"limit {team_transport.MAX_ENVELOPE_BYTES})" in reason
    assert kept == b""  # its bytes were never asked for
    # The coordinator shares the case with uv's maintainer on that sync (linked to uv, never sent there) and reads
    # its share back once; after that a sync takes in nothing and lists the oversized envelope no more.
    again = coordinator.sync()
    assert again.rejected == 0 and shown(coordinator.database)["notes"] == first + later
    again = coordinator.sync()
    assert (again.applied, again.rejected) == (0, 0)


def test_a_pull_cut_off_midway_keeps_the_rounds_before_and_resumes_after_them(  # type: ignore[no-untyped-def]
    team, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, pip, _uv = team
    add_notes(pip, *[f"note {n}" for n in range(1, 5)])
    # Within the envelope limit, but one answer holding it goes past the connection's bound: the pull stops there.
    large = pip.ring.gpg.encrypt(
        os.urandom(30_000), [coordinator.ring.fingerprint], sign=pip.ring.fingerprint, armor=True, always_trust=True
    )
    append_sealed(pip, bytes(str(large), "ascii"))
    add_notes(pip, "note 5")
    with monkeypatch.context() as small:
        small.setattr(imap, "ImapBounds", partial(ImapBounds, **SMALL.__dict__))
        small.setattr(team_transport, "PULL_GROUP_MESSAGES", 2, raising=False)  # main has no rounds
        small.setattr(team_transport, "SEARCH_UIDS", 4, raising=False)
        small.setattr(team_transport, "APPLY_BATCH_EVENTS", 2, raising=False)  # each round applied on its own
        with pytest.raises(SourceError, match="refused: one answer of over 24000 bytes"):
            coordinator.sync()

    # The two whole rounds before the large envelope are stored, with the cursor past them.
    assert shown(coordinator.database)["notes"] == ["note 1", "note 2", "note 3", "note 4"]
    assert team_cursor(coordinator) == 4
    resumed = coordinator.sync()
    assert shown(coordinator.database)["notes"] == ["note 1", "note 2", "note 3", "note 4", "note 5"]
    assert (resumed.applied, resumed.rejected) == (1, 1)  # the large one is not an event: refused once opened
