"""Tests of the roster on receipt with real gpg: a maintainer whose keyring holds no one else's key takes in the
roster and the events it covers through a real Dovecot (the keys come with the roster, no `gpg --import` by hand;
events that came before the roster that vouches for them are judged again once it is here); a coordinator's key
rotation keeps workstations converged, events signed by the old key before the rotation still apply whenever
they arrive, and after it they are refused; a maintainer's state, embargo and other project's changes are refused
on every workstation alike."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dovecot_fixtures import DovecotServer
from gpg_fixtures import Keyring, generate_key, kill_and_remove, new_keyring
from roster_fixtures import deliver
from test_team_imap import Station, station
from test_team_sync import CASE, shown
from triage_tui.domain import CaseState, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened, open_sealed, seal
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import outgoing
from triage_tui.team.roster_writes import add_member, init_roster, rotate_key
from triage_tui.team.sharing import sharer_for
from ui_fixtures import seeded_store, small_inbox


@pytest.fixture
def strangers() -> Iterator[tuple[Keyring, Keyring, Keyring]]:
    """A coordinator, a pip maintainer and a uv maintainer whose keyrings hold only their own key."""
    rings = [new_keyring(email) for email in ("coord@team.example", "pip@pip.example", "uv@uv.example")]
    try:
        yield rings[0], rings[1], rings[2]
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


EMBARGO = "2026-12-01T00:00:00+00:00"


def base_store(tmp_path: Path) -> Path:
    base = seeded_store(tmp_path / "base.db", small_inbox())
    setup = TriageService(Store(base), "setup")
    setup.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))  # the case involves pip
    setup.store.close()
    return base


def keys_of(ring: Keyring) -> set[str]:
    return {str(key["fingerprint"]) for key in ring.gpg.list_keys()}


def statuses(database: Path) -> dict[str, tuple[str, str | None]]:
    with reader(database) as connection:
        rows = connection.execute("SELECT kind, status, reason FROM team_events WHERE origin = 'received'")
        return {f"{row[0]}#{i}": (str(row[1]), row[2]) for i, row in enumerate(rows.fetchall())}


def triage_of(point: Station) -> TriageService:
    return TriageService(Store(point.database), point.ring.email, sharer=sharer_for(point.config))


def test_a_maintainer_takes_the_roster_and_the_events_it_covers_with_no_key_imported_by_hand(
    tmp_path: Path, strangers: tuple[Keyring, Keyring, Keyring], dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator_ring, pip_ring, _uv = strangers
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)
    base = base_store(tmp_path)
    coordinator = station(tmp_path, "coordinator", coordinator_ring, strangers, dovecot, user, base)
    pip = station(tmp_path, "pip", pip_ring, strangers, dovecot, user, base)
    assert coordinator_ring.fingerprint not in keys_of(pip_ring)
    with Store(coordinator.database) as store:
        init_roster(store, coordinator.config, coordinator_ring.gpg)
        # The maintainer's public key as they handed it over (an invitation carries it).
        armored = str(pip_ring.gpg.export_keys(pip_ring.fingerprint))
        add_member(store, coordinator.config, coordinator_ring.gpg, armored=armored, name="Pat",
                   email=pip_ring.email, role="maintainer", projects=["pip"], imap_user=None)  # fmt: skip
    assert pip_ring.fingerprint in keys_of(coordinator_ring)  # the roster brought it
    alex = triage_of(coordinator)
    # A coordinator's decision links pip (the setup's cell is no team event): the case's events go to pip's readers.
    alex.set_impact(CASE, "pip", ImpactCell(ImpactStatus.AFFECTED))
    alex.transition(CASE, CaseState.TRIAGE)
    alex.add_note(CASE, "asked pip to check 24.x")
    alex.store.close()
    sent = coordinator.sync()
    assert sent.sent == 5 and sent.waiting == 0
    taken = pip.sync()
    # Every event was signed by a key the maintainer did not have; the roster brought it and vouched for it.
    assert coordinator_ring.fingerprint in keys_of(pip_ring)
    assert all(status == "applied" for status, _reason in statuses(pip.database).values()), statuses(pip.database)
    assert taken.rejected == 0
    assert shown(pip.database) == shown(coordinator.database)
    assert shown(pip.database)["state"] == "triage"
    # The maintainer's own decisions go by the roster too: their cell goes out, a state change is refused here.
    pat = triage_of(pip)
    pat.set_impact(CASE, "pip", ImpactCell(ImpactStatus.FIXED, fixed_version="24.1"))
    with pytest.raises(Exception, match="a maintainer may not change state"):
        pat.transition(CASE, CaseState.ACCEPTED)
    pat.store.close()
    assert pip.sync().sent == 1
    coordinator.sync()
    assert shown(pip.database) == shown(coordinator.database)
    assert shown(coordinator.database)["impacts"]["pip"][0] == "fixed"  # type: ignore[index]


def test_rotation_keeps_workstations_converged_and_the_old_key_speaks_only_for_before(
    tmp_path: Path, strangers: tuple[Keyring, Keyring, Keyring], dovecot: DovecotServer
) -> None:
    coordinator_ring, pip_ring, uv_ring = strangers
    base = base_store(tmp_path)
    coordinator = station(tmp_path, "coordinator", coordinator_ring, strangers, dovecot, "unused", base)
    readers = [pip_ring.fingerprint, uv_ring.fingerprint]
    with Store(coordinator.database) as store:
        init_roster(store, coordinator.config, coordinator_ring.gpg)
        for ring, project in ((pip_ring, "pip"), (uv_ring, "pip")):
            armored = str(ring.gpg.export_keys(ring.fingerprint))
            add_member(store, coordinator.config, coordinator_ring.gpg, armored=armored,
                       name=ring.email, email=ring.email, role="maintainer", projects=[project])  # fmt: skip
    # Made with the old key before the rotation, and held back (offline) until after it.
    alex = triage_of(coordinator)
    alex.transition(CASE, CaseState.TRIAGE)
    alex.store.close()
    with reader(coordinator.database) as connection:
        before_rotation = [e for e in outgoing(connection) if e.roster is None]
        roster_so_far = [e for e in outgoing(connection) if e.roster is not None]
    new = generate_key(coordinator_ring.gpg, "coord-2026@team.example")
    with Store(coordinator.database) as store:
        rotation = rotate_key(store, coordinator.config, coordinator_ring.gpg, new)
    stale = TeamEvent(CASE, coordinator_ring.fingerprint, Timestamp(rotation.at.wall_ms + 1000), "note",
                      note="signed by the old key after its rotation")  # fmt: skip
    fresh = TeamEvent(CASE, new, Timestamp(rotation.at.wall_ms + 2000), "note", note="signed by the new key")

    def sealed(events: list[TeamEvent]) -> list[bytes]:
        return [seal(coordinator_ring.gpg, event, readers) for event in events]

    early, late = sealed([*roster_so_far, rotation]), sealed([*before_rotation, stale, fresh])
    founders = [coordinator_ring.fingerprint]
    databases = {}
    for ring, batches in ((pip_ring, [early, late]), (uv_ring, [late, early])):
        database = tmp_path / f"{ring.email}.db"
        shutil.copy(base, database)
        opened: list[list[Opened | TeamEvent]] = [[open_sealed(ring.gpg, item) for item in b] for b in batches]
        # Opened one batch at a time, as pulls do: a batch opened before the roster came holds unverified events.
        deliver(database, ring.gpg, founders, opened[:1])
        opened[1] = [open_sealed(ring.gpg, item) for item in batches[1]]
        deliver(database, ring.gpg, founders, opened[1:])
        databases[ring.email] = database
    pip_db, uv_db = databases[pip_ring.email], databases[uv_ring.email]
    assert shown(pip_db) == shown(uv_db)
    view = shown(pip_db)
    assert view["state"] == "triage" and view["notes"] == ["signed by the new key"]
    for database in (pip_db, uv_db):
        refused = [(s, r) for s, r in statuses(database).values() if s == "rejected"]
        assert len(refused) == 1 and "no member's valid key" in str(refused[0][1]), refused
    assert new in keys_of(pip_ring) and new in keys_of(uv_ring)


def test_a_maintainers_state_embargo_and_other_projects_changes_are_refused_on_every_workstation(
    tmp_path: Path, strangers: tuple[Keyring, Keyring, Keyring], dovecot: DovecotServer
) -> None:
    coordinator_ring, pip_ring, uv_ring = strangers
    base = base_store(tmp_path)
    coordinator = station(tmp_path, "coordinator", coordinator_ring, strangers, dovecot, "unused", base)
    with Store(coordinator.database) as store:
        init_roster(store, coordinator.config, coordinator_ring.gpg)
        for ring in (pip_ring, uv_ring):
            armored = str(ring.gpg.export_keys(ring.fingerprint))
            add_member(store, coordinator.config, coordinator_ring.gpg, armored=armored,
                       name=ring.email, email=ring.email, role="maintainer", projects=["pip"])  # fmt: skip
    with reader(coordinator.database) as connection:
        roster = [seal(coordinator_ring.gpg, e, [pip_ring.fingerprint, uv_ring.fingerprint])
                  for e in outgoing(connection)]  # fmt: skip
    # The pip maintainer's workstation takes the roster (and with it everyone's key) before writing.
    pip_db = tmp_path / "pip.db"
    shutil.copy(base, pip_db)
    deliver(pip_db, pip_ring.gpg, [coordinator_ring.fingerprint], [[open_sealed(pip_ring.gpg, s) for s in roster]])
    now = int(time.time() * 1000)
    cell: dict[str, object] = {"status": "affected", "ranges": [], "fixed_version": None, "justification": None}
    cell["notes"] = ""
    beyond = [
        TeamEvent(CASE, pip_ring.fingerprint, Timestamp(now), "state", {"state": ("new", "closed")}),
        TeamEvent(CASE, pip_ring.fingerprint, Timestamp(now + 1), "embargo", {"embargo_until": (None, EMBARGO)}),
        TeamEvent(CASE, pip_ring.fingerprint, Timestamp(now + 2), "impact", impacts={"uv": cell}),
    ]
    everyone = [coordinator_ring.fingerprint, uv_ring.fingerprint]
    sealed_all = roster + [seal(pip_ring.gpg, event, everyone) for event in beyond]
    reasons = {}
    for ring in (coordinator_ring, uv_ring):
        database = coordinator.database if ring is coordinator_ring else tmp_path / "uv.db"
        if ring is uv_ring:
            shutil.copy(base, database)
        deliver(database, ring.gpg, [coordinator_ring.fingerprint],
                [[open_sealed(ring.gpg, item) for item in sealed_all]])  # fmt: skip
        reasons[ring.email] = sorted(str(r) for s, r in statuses(database).values() if s == "rejected")
        assert shown(database)["state"] == "new" and shown(database)["embargo"] is None
    assert reasons[coordinator_ring.email] == reasons[uv_ring.email]
    assert len(reasons[uv_ring.email]) == 3
    joined = " | ".join(str(r) for r in reasons[uv_ring.email])
    assert "may not change state" in joined and "may not change embargo_until" in joined
    assert "not a maintainer of uv" in joined
