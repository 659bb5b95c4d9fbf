"""Tests of a workstation's own decisions under the roster, with real gpg: a note made here by a key that a
revocation arriving later covers is refused here as everywhere (off the timeline, listed with the revocation's reason,
still sent so every workstation lists it alike), and accepted again if that revocation is refused after all; one made
before the roster held the key (the config's roles deciding then) stands when the roster comes."""

from __future__ import annotations

import time
from pathlib import Path

from roster_fixtures import T0, TeamOfFive, add, deliver, five, remove, revoke  # noqa: F401 (five: the keyring fixture)
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.log import outgoing
from triage_tui.team.sharing import TeamSharer
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"


def _note_rows(database: Path) -> list[str]:
    with reader(database) as connection:
        rows = connection.execute("SELECT payload FROM events WHERE case_id = ? AND kind = 'note'", (CASE,))
        return [str(row[0]) for row in rows.fetchall()]


def _own(database: Path) -> tuple[str, str | None]:
    with reader(database) as connection:
        row = connection.execute("SELECT status, reason FROM team_events WHERE origin = 'local'").fetchone()
        return str(row[0]), row[1]


def test_a_note_made_here_by_a_key_revoked_since_is_refused_here_and_accepted_again_if_the_revocation_falls(
    tmp_path: Path,
    five: TeamOfFive,  # noqa: F811 (the keyring fixture)
) -> None:
    database = seeded_store(tmp_path / "p.db", small_inbox())
    founders = [five.c]
    roster = [add(five, five.c, five.c, "coordinator", (), 1), add(five, five.c, five.d, "coordinator", (), 2)]
    deliver(database, five.ring.gpg, founders, [[*roster, add(five, five.c, five.p, "maintainer", ("pip",), 3)]])
    triage = TriageService(Store(database), "p", sharer=TeamSharer(five.p, founders))
    triage.add_note(CASE, "written before this workstation knew")
    triage.store.close()
    assert _own(database) == ("applied", None)
    now = time.time() - T0 / 1000  # seconds after T0: the note was written just now
    revocation = revoke(five.c, five.p, now - 60, now - 30)

    deliver(database, five.ring.gpg, founders, [[revocation]])

    status, reason = _own(database)
    assert status == "rejected" and str(reason).startswith("signed by a revoked key"), reason
    assert _note_rows(database) == []  # off the timeline, as a received note would go
    with Store(database) as store, store.read() as connection:
        assert [e.note for e in outgoing(connection)] == ["written before this workstation knew"]  # still sent

    # C was removed (by D) before C revoked: the revocation is refused after all, and the note stands again.
    deliver(database, five.ring.gpg, founders, [[remove(five.d, five.c, 4)]])

    assert _own(database) == ("applied", None)
    with Store(database) as store, store.read() as connection:
        assert [e.note for e in outgoing(connection)] == ["written before this workstation knew"]


def test_a_note_made_here_before_the_roster_held_the_key_stands_when_the_roster_comes(
    tmp_path: Path,
    five: TeamOfFive,  # noqa: F811 (the keyring fixture)
) -> None:
    database = seeded_store(tmp_path / "c.db", small_inbox())
    triage = TriageService(Store(database), "c", sharer=TeamSharer(five.c, [five.c]))
    triage.add_note(CASE, "decided while the config's roles decided")
    triage.store.close()
    now = time.time() - T0 / 1000

    deliver(database, five.ring.gpg, [five.c], [[add(five, five.c, five.c, "coordinator", (), now + 1)]])

    assert _own(database) == ("applied", None)
    assert len(_note_rows(database)) == 1
