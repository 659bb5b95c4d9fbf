"""Tests of two workstations (a coordinator and a pip maintainer) that each decide offline and then exchange their
sealed events: both converge to the same case, in either order; a uv maintainer cannot read them; rejected
events are kept and listed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gpg_fixtures import TEAM_OF_THREE, Keyring, TeamKeys, kill_and_remove, team_keyrings
from triage_tui.domain import CaseState, Disposition, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.intake.records import ParsedMessage
from triage_tui.services.triage import TriageError, TriageService
from triage_tui.store.connection import reader
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store
from triage_tui.team.envelope import Rejection, TeamRoles, judge, open_sealed, seal
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import case_ref, outgoing, rejected
from triage_tui.team.receive import receive
from triage_tui.team.refs import case_projects
from triage_tui.team.sharing import TeamSharer
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def people() -> Iterator[TeamKeys]:
    rings = team_keyrings(*TEAM_OF_THREE)
    try:
        yield TeamKeys(*rings)
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


def send(database: Path, sender: Keyring, roles: TeamRoles) -> list[bytes]:
    """The sender's unsent events, each sealed for its case's trust boundary."""
    with reader(database) as connection:
        events = outgoing(connection)
        projects = case_projects(connection, {e.case_id for e in events})
    return [seal(sender.gpg, event, roles.readers(projects[event.case_id])) for event in events]


def take(database: Path, receiver: Keyring, roles: TeamRoles, sealed: list[bytes]) -> None:
    with reader(database) as connection:
        applied = {row[0] for row in connection.execute("SELECT id FROM team_events WHERE status = 'applied'")}
    opened = []
    for item in sealed:
        first = open_sealed(receiver.gpg, item)
        judged = judge(first, roles, applied)
        opened.append(judged)
    with Store(database) as store, store.write() as connection:
        receive(connection, opened, NOW)


def shown(database: Path) -> dict[str, object]:
    with reader(database) as connection:
        detail = get_case(connection, CASE)
    assert detail is not None
    s = detail.summary
    # In timeline order: a received note is stamped with when it was written, so both workstations agree.
    notes = [str(e.payload.get("text")) for e in detail.events if e.kind == "note"]
    return {
        "state": s.state,
        "impacts": {i.project: (i.status, i.ranges, i.fixed_version) for i in detail.impacts},
        "notes": notes,
        "embargo": s.embargo_until,
    }


def labels_of(database: Path) -> list[str]:
    with reader(database) as connection:
        (text,) = connection.execute("SELECT labels FROM cases WHERE id = ?", (CASE,)).fetchone()
    return sorted(json.loads(text))


def workstations(tmp_path: Path, people: TeamKeys) -> tuple[Path, Path]:
    base = seeded_store(tmp_path / "base.db", small_inbox())
    triage = TriageService(Store(base), "setup")
    triage.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))  # the case involves pip
    triage.store.close()
    coordinator, maintainer = tmp_path / "coordinator.db", tmp_path / "pip.db"
    shutil.copy(base, coordinator)
    shutil.copy(base, maintainer)
    alex = TriageService(Store(coordinator), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.transition(CASE, CaseState.TRIAGE)
    alex.set_labels(CASE, ["tarfile"])
    alex.add_note(CASE, "asked pip to check 24.x")
    alex.store.close()
    pat = TriageService(Store(maintainer), "pat", sharer=TeamSharer(people.pip.fingerprint))
    pat.set_impact(CASE, "pip", ImpactCell(ImpactStatus.FIXED, ranges=(">=20.0,<24.1",), fixed_version="24.1"))
    pat.add_note(CASE, "fixed in 24.1")
    pat.store.close()
    return coordinator, maintainer


@pytest.mark.parametrize("coordinator_first", [True, False])
def test_decisions_made_offline_converge_after_both_sync_in_either_order(
    tmp_path: Path, people: TeamKeys, coordinator_first: bool
) -> None:
    coordinator, maintainer = workstations(tmp_path, people)
    roles = people.roles
    from_alex = send(coordinator, people.coordinator, roles)
    from_pat = send(maintainer, people.pip, roles)
    assert len(from_alex) == 3 and len(from_pat) == 2
    if coordinator_first:
        take(maintainer, people.pip, roles, from_alex)
        take(coordinator, people.coordinator, roles, from_pat)
    else:
        take(coordinator, people.coordinator, roles, from_pat)
        take(maintainer, people.pip, roles, from_alex)
    assert shown(coordinator) == shown(maintainer)
    view = shown(coordinator)
    assert view["state"] == "triage"
    assert view["impacts"] == {"pip": ("fixed", ("<24.1,>=20.0",), "24.1")}
    assert view["notes"] == ["asked pip to check 24.x", "fixed in 24.1"]
    assert labels_of(coordinator) == labels_of(maintainer) == ["tarfile"]


def test_a_maintainer_of_another_project_cannot_read_and_forged_events_are_listed(
    tmp_path: Path, people: TeamKeys
) -> None:
    coordinator, _maintainer = workstations(tmp_path, people)
    roles = people.roles
    sealed = send(coordinator, people.coordinator, roles)
    assert all(open_sealed(people.uv.gpg, item).rejection == Rejection.UNDECRYPTABLE for item in sealed)
    # The uv maintainer writes about the pip case anyway (encrypted to the coordinator): refused, kept, listed.
    from triage_tui.team.events import TeamEvent
    from triage_tui.team.hlc import Timestamp

    intruding = TeamEvent(CASE, people.uv.fingerprint, Timestamp(int(time.time() * 1000)), "state",
                          {"state": ("triage", "closed")})  # fmt: skip
    take(coordinator, people.coordinator, roles, [seal(people.uv.gpg, intruding, [people.coordinator.fingerprint])])
    assert shown(coordinator)["state"] == "triage"
    with reader(coordinator) as connection:
        (listed,) = rejected(connection)
    assert listed[0] == CASE and listed[1] == people.uv.fingerprint and "may not change state" in listed[3]
    assert listed[3].startswith("beyond its author's rights")


async def test_the_rejected_events_view_lists_each_refusal_with_its_reason(tmp_path: Path) -> None:
    """R from the inbox: the refused events, their authors shown safely, the reasons in words."""
    from test_app_hostile import assert_no_raw_controls
    from triage_tui.app import TriageApp
    from triage_tui.screens.rejected_events import RejectedEventsScreen
    from triage_tui.team.envelope import Opened
    from triage_tui.team.events import TeamEvent
    from triage_tui.team.hlc import Timestamp
    from ui_fixtures import frozen_clock, screen_text, settle

    database = seeded_store(tmp_path / "triage.db", small_inbox())
    hostile_author = "EVIL\x1b[2J\u202eAUTHOR"
    refused = TeamEvent(CASE, hostile_author, Timestamp(int(time.time() * 1000)), "state", {"state": ("new", "closed")})
    with Store(database) as store, store.write() as connection:
        receive(connection, [Opened(refused, hostile_author, Rejection.NO_ROLE)], NOW)
    app = TriageApp(database, clock=frozen_clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, RejectedEventsScreen)
        text = screen_text(app)
        assert CASE in text and "beyond its author's rights" in text
        assert_no_raw_controls(text)
        await pilot.press("escape")
        assert not isinstance(app.screen, RejectedEventsScreen)


def test_a_team_members_new_key_is_pinned_on_first_use_and_a_change_flagged(tmp_path: Path, people: TeamKeys) -> None:
    from gpg_fixtures import exchange, new_keyring
    from triage_tui.store.key_pins import pending_changes

    coordinator, maintainer = workstations(tmp_path, people)
    take(coordinator, people.coordinator, people.roles, send(maintainer, people.pip, people.roles))
    with reader(coordinator) as connection:
        pins = dict(connection.execute("SELECT address, fingerprint FROM key_pins WHERE role = 'team'").fetchall())
    assert pins == {"pip@pip.example": people.pip.fingerprint}
    # Pat moves to a new key under the same address; the config names it (so it holds the role) but the
    # address was pinned to the old one: applied, and flagged until a coordinator accepts it.
    rotated = new_keyring("pip@pip.example")
    try:
        exchange(rotated, people.coordinator)
        exchange(people.coordinator, rotated)
        roles = TeamRoles(
            coordinators=people.roles.coordinators,
            maintainers={**people.roles.maintainers, "pip": frozenset({people.pip.fingerprint, rotated.fingerprint})},
        )
        pat = TriageService(Store(maintainer), "pat", sharer=TeamSharer(rotated.fingerprint))
        pat.add_note(CASE, "signed with my new key")
        pat.store.close()
        with reader(maintainer) as connection:
            newest = [e for e in outgoing(connection) if e.author == rotated.fingerprint]
        take(coordinator, people.coordinator, roles, [seal(rotated.gpg, newest[0], [people.coordinator.fingerprint])])
    finally:
        kill_and_remove(rotated.home)
    notes = shown(coordinator)["notes"]
    assert isinstance(notes, list) and "signed with my new key" in notes
    with reader(coordinator) as connection:
        [change] = pending_changes(connection)
    assert (change.address, change.role) == ("pip@pip.example", "team")
    assert (change.old_fingerprint, change.new_fingerprint) == (people.pip.fingerprint, rotated.fingerprint)


def test_unlinking_a_project_stops_sharing_with_its_maintainers_everywhere(tmp_path: Path, people: TeamKeys) -> None:
    coordinator, _maintainer = workstations(tmp_path, people)
    uv_store = tmp_path / "uv.db"
    shutil.copy(tmp_path / "base.db", uv_store)
    alex = TriageService(Store(coordinator), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.INVESTIGATING))
    alex.remove_project(CASE, "pip")  # its undo (relinking pip) is in test_team_undo_unlink
    alex.add_note(CASE, "uv only from here")
    alex.store.close()
    with reader(coordinator) as connection:
        assert case_projects(connection, [CASE])[CASE] == ["uv"]
    sealed = send(coordinator, people.coordinator, people.roles)
    # Nothing sent from now on is readable by pip's maintainers; uv's are readers now.
    assert all(open_sealed(people.pip.gpg, item).rejection == Rejection.UNDECRYPTABLE for item in sealed)
    take(uv_store, people.uv, people.roles, sealed)
    assert shown(uv_store)["impacts"] == {"uv": ("investigating", (), None)}
    assert shown(coordinator)["impacts"] == shown(uv_store)["impacts"]


def test_labels_set_before_team_sync_stay_when_team_events_arrive(tmp_path: Path, people: TeamKeys) -> None:
    coordinator, maintainer = workstations(tmp_path, people)
    # Before this workstation took part in team sync, its user labelled the case (no team event made).
    local = TriageService(Store(coordinator), "alex")
    local.set_labels(CASE, ["legacy", "tarfile"])
    local.store.close()
    # A second coordinator's labels (a maintainer may not change labels: `rights`).
    roles = dataclasses.replace(people.roles, coordinators=people.roles.coordinators | {people.pip.fingerprint})
    second = TriageService(Store(maintainer), "sam", sharer=TeamSharer(people.pip.fingerprint))
    second.set_labels(CASE, ["wheel"])
    second.store.close()
    take(coordinator, people.coordinator, roles, send(maintainer, people.pip, roles))
    assert labels_of(coordinator) == ["legacy", "tarfile", "wheel"]


def test_a_coordinators_acceptance_of_a_changed_key_reaches_the_maintainer(tmp_path: Path, people: TeamKeys) -> None:
    from datetime import timedelta

    from triage_tui.store.key_pins import pending_changes
    from ui_fixtures import BASE, GOOD, message

    new_key = "9" * 40
    rotated = message(
        90,
        "Re: pip: path traversal in tarfile extraction of sdists",
        date=BASE + timedelta(days=3),
        verdict=dataclasses.replace(GOOD, signer_fingerprint=new_key),
        reply_to="<1@reports.test>",
    )
    base = seeded_store(tmp_path / "base.db", [*small_inbox(), rotated])
    setup = TriageService(Store(base), "setup")
    setup.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    setup.store.close()
    coordinator, maintainer = tmp_path / "coordinator.db", tmp_path / "pip.db"
    shutil.copy(base, coordinator)
    shutil.copy(base, maintainer)

    def accept_the_change(database: Path, name: str, ring: Keyring) -> None:
        with reader(database) as connection:
            (change,) = pending_changes(connection)
        service = TriageService(Store(database), name, sharer=TeamSharer(ring.fingerprint))
        service.accept_key_change(change.id)
        service.store.close()

    def pending(database: Path) -> list[tuple[str, str]]:
        with reader(database) as connection:
            return [(c.address, c.new_fingerprint) for c in pending_changes(connection)]

    assert pending(coordinator) == pending(maintainer) == [("dana@example.net", new_key)]
    # A maintainer's acceptance is theirs alone: the coordinator refuses it.
    accept_the_change(maintainer, "pat", people.pip)
    take(coordinator, people.coordinator, people.roles, send(maintainer, people.pip, people.roles))
    with reader(coordinator) as connection:
        assert any("only a coordinator accepts" in row[3] for row in rejected(connection))
    assert pending(coordinator) == [("dana@example.net", new_key)]
    # The coordinator's acceptance travels with the case and clears the flag on the maintainer's workstation.
    shutil.copy(base, maintainer)
    accept_the_change(coordinator, "alex", people.coordinator)
    take(maintainer, people.pip, people.roles, send(coordinator, people.coordinator, people.roles))
    assert pending(maintainer) == []
    with reader(maintainer) as connection:
        pinned = connection.execute("SELECT fingerprint FROM key_pins WHERE address = 'dana@example.net'").fetchone()
    assert pinned[0] == new_key


def _report(n: int, subject: str) -> ParsedMessage:
    from datetime import timedelta

    from ui_fixtures import BASE, GOOD, message

    return message(n, subject, date=BASE + timedelta(hours=n), verdict=GOOD)


def _case_titled(database: Path, title: str) -> dict[str, object]:
    with reader(database) as connection:
        (case_id,) = connection.execute("SELECT id FROM cases WHERE title = ?", (title,)).fetchone()
        detail = get_case(connection, case_id)
    assert detail is not None
    notes = [str(e.payload.get("text")) for e in detail.events if e.kind == "note"]
    return {"id": case_id, "state": detail.summary.state, "notes": notes}


def test_workstations_that_number_one_report_differently_still_decide_on_the_same_case(
    tmp_path: Path, people: TeamKeys
) -> None:
    first, second = _report(101, "pip: netrc leak"), _report(102, "uv: cache poisoning")
    alex_store = seeded_store(tmp_path / "alex.db", [first, second])
    sam_store = seeded_store(tmp_path / "sam.db", [second, first])  # the same mail, synced in another order
    assert _case_titled(alex_store, "pip: netrc leak")["id"] == _case_titled(sam_store, "uv: cache poisoning")["id"]
    # Two coordinators (the pip maintainer's key stands in for the second).
    roles = TeamRoles(coordinators=frozenset({people.coordinator.fingerprint, people.pip.fingerprint}))
    alex = TriageService(Store(alex_store), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    leak_here = str(_case_titled(alex_store, "pip: netrc leak")["id"])
    alex.transition(leak_here, CaseState.TRIAGE)
    alex.add_note(leak_here, "netrc: reproduced")
    alex.store.close()
    take(sam_store, people.pip, roles, send(alex_store, people.coordinator, roles))
    assert _case_titled(sam_store, "pip: netrc leak") == {
        "id": _case_titled(sam_store, "pip: netrc leak")["id"], "state": "triage", "notes": ["netrc: reproduced"],
    }  # fmt: skip
    assert _case_titled(sam_store, "uv: cache poisoning")["state"] == "new"  # the case with alex's id is untouched
    sam = TriageService(Store(sam_store), "sam", sharer=TeamSharer(people.pip.fingerprint))
    sam.transition(str(_case_titled(sam_store, "uv: cache poisoning")["id"]), CaseState.TRIAGE)
    sam.store.close()
    take(alex_store, people.coordinator, roles, send(sam_store, people.pip, roles))
    assert _case_titled(alex_store, "uv: cache poisoning")["state"] == "triage"
    assert _case_titled(alex_store, "pip: netrc leak")["state"] == "triage"


def test_a_shared_case_whose_id_is_taken_here_gets_the_next_number(tmp_path: Path, people: TeamKeys) -> None:
    from triage_tui.team.events import TeamEvent
    from triage_tui.team.log import case_ref, share_of

    coordinator = seeded_store(tmp_path / "coordinator.db", [_report(101, "pip: netrc leak")])
    maintainer = seeded_store(tmp_path / "pip.db", [_report(201, "pip: our own finding")])  # also PSC-2026-0001
    alex = TriageService(Store(coordinator), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    case_id = str(_case_titled(coordinator, "pip: netrc leak")["id"])
    alex.set_impact(case_id, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    alex.add_note(case_id, "pip: please look")
    alex.store.close()
    with reader(coordinator) as connection:
        content, ref = share_of(connection, case_id), case_ref(connection, case_id)
    share = TeamEvent(case_id, people.coordinator.fingerprint, Timestamp(int(time.time() * 1000)), "share",
                      share=content, ref=ref)  # fmt: skip
    readers = people.roles.readers(["pip"])
    sealed = [seal(people.coordinator.gpg, share, readers), *send(coordinator, people.coordinator, people.roles)]
    take(maintainer, people.pip, people.roles, list(reversed(sealed)))  # the decisions even before the share
    shared = _case_titled(maintainer, "pip: netrc leak")
    assert shared["id"] != case_id and shared["notes"] == ["pip: please look"]
    assert _case_titled(maintainer, "pip: our own finding") == {"id": case_id, "state": "new", "notes": []}
    # The next report numbered here does not take the shared case's number.
    store = Store(maintainer)
    try:
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.ingest import store_batch

        (newest,) = store_batch(store, [IncomingItem("mail", "x", _report(301, "pip: later"))]).new_cases
    finally:
        store.close()
    assert newest not in {case_id, shared["id"]}


def _impostor(of: ParsedMessage, n: int, subject: str) -> ParsedMessage:
    """A later mail that reuses `of`'s Message-ID (its sender chose it) with words of its own."""
    from dataclasses import replace

    return replace(_report(n, subject), message_id=of.message_id)


def _share(database: Path, case_id: str, author: Keyring, ref: str | None = None) -> TeamEvent:
    from triage_tui.team.log import case_ref, share_of

    with reader(database) as connection:
        content, known = share_of(connection, case_id), case_ref(connection, case_id)
    return TeamEvent(case_id, author.fingerprint, Timestamp(int(time.time() * 1000)), "share", share=content,
                     ref=ref or known)  # fmt: skip


def test_a_mail_reusing_a_reports_message_id_never_reaches_that_report_on_another_workstation(
    tmp_path: Path, people: TeamKeys
) -> None:
    from ui_fixtures import PROJECTS

    real = _report(101, "pip: netrc leak")
    coordinator = seeded_store(tmp_path / "coordinator.db", [real])
    maintainer = seeded_store(tmp_path / "pip.db", [])
    case_id = str(_case_titled(coordinator, "pip: netrc leak")["id"])
    alex = TriageService(Store(coordinator), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.set_impact(case_id, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    alex.store.close()
    readers = people.roles.readers(["pip"])
    shared = [seal(people.coordinator.gpg, _share(coordinator, case_id, people.coordinator), readers)]
    take(maintainer, people.pip, people.roles, shared + send(coordinator, people.coordinator, people.roles))
    store = Store(coordinator)
    try:
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.ingest import store_batch

        impostor = _impostor(real, 102, "pip: please close this")
        (fake_case,) = store_batch(store, [IncomingItem("mail", "late", impostor)], PROJECTS).new_cases
    finally:
        store.close()
    alex = TriageService(Store(coordinator), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.close(fake_case, Disposition.SPAM)  # the coordinator closes the impostor's case (pip is named in it)
    alex.add_note(case_id, "netrc: reproduced")  # and goes on with the real one
    alex.store.close()
    take(maintainer, people.pip, people.roles, send(coordinator, people.coordinator, people.roles))
    assert _case_titled(maintainer, "pip: netrc leak")["state"] == "new"
    assert _case_titled(maintainer, "pip: netrc leak")["notes"] == ["netrc: reproduced"]


def test_events_naming_a_report_by_message_id_as_earlier_versions_did_find_it_or_are_refused_saying_why(
    tmp_path: Path, people: TeamKeys
) -> None:
    from triage_tui.team.log import case_ref

    real = _report(101, "pip: netrc leak")
    coordinator = seeded_store(tmp_path / "coordinator.db", [real])
    case_id = str(_case_titled(coordinator, "pip: netrc leak")["id"])
    legacy = f"mid:{real.message_id}"  # how an earlier version named the report
    note = TeamEvent(case_id, people.coordinator.fingerprint, Timestamp(int(time.time() * 1000) + 5), "note",
                     note="netrc: reproduced", ref=legacy)  # fmt: skip
    # A maintainer to whom an earlier version shared the case: its events still find it, and it keeps that name.
    maintainer = seeded_store(tmp_path / "pip.db", [])
    readers = people.roles.readers(["pip"])
    share = _share(coordinator, case_id, people.coordinator, ref=legacy)
    take(maintainer, people.pip, people.roles, [seal(people.coordinator.gpg, e, readers) for e in (share, note)])
    shared = _case_titled(maintainer, "pip: netrc leak")
    assert shared["notes"] == ["netrc: reproduced"]
    with reader(maintainer) as connection:
        assert case_ref(connection, str(shared["id"])) == legacy
    # A second coordinator holding the report and a later mail that reuses its Message-ID cannot tell which one
    # the event means: it is refused there, with the reason, and touches neither.
    other = seeded_store(tmp_path / "other.db", [real, _impostor(real, 102, "pip: please close this")])
    roles = TeamRoles(coordinators=frozenset({people.coordinator.fingerprint, people.pip.fingerprint}))
    take(other, people.pip, roles, [seal(people.coordinator.gpg, note, roles.readers([]))])
    with reader(other) as connection:
        (refused,) = rejected(connection)
    assert "Message-ID that 2 cases here carry" in str(refused[3])
    assert (
        _case_titled(other, "pip: netrc leak")["notes"] == [] == _case_titled(other, "pip: please close this")["notes"]
    )


def test_an_applied_event_that_no_longer_applies_is_refused_and_the_others_still_apply(tmp_path: Path) -> None:
    """An event kept as applied before events were checked this well (a null state) must not stop its case."""
    from triage_tui.team.envelope import Opened
    from triage_tui.team.events import FORMAT, TeamEvent

    database = seeded_store(tmp_path / "triage.db", small_inbox())
    author = "A" * 40
    now = int(time.time() * 1000)
    legacy = {"at": Timestamp(now + 1).text(), "author": author, "case": CASE, "changes": {"state": ["new", None]},
              "format": FORMAT, "kind": "state"}  # fmt: skip
    body = json.dumps(legacy, sort_keys=True, separators=(",", ":")).encode()
    legacy_id = hashlib.sha256(body).hexdigest()
    earlier = TeamEvent(CASE, author, Timestamp(now), "state", {"state": ("new", "triage")})
    with Store(database) as store:
        with store.write() as connection:
            connection.exec_driver_sql(
                "INSERT INTO team_events (id, case_id, author, at, kind, body, origin, status, received_at) "
                "VALUES (?, ?, ?, ?, 'state', ?, 'received', 'applied', ?)",
                (legacy_id, CASE, author, legacy["at"], body, NOW),
            )
        with store.write() as connection:
            received = receive(connection, [Opened(earlier, author, None)], NOW)  # once raised, on every pull
    assert shown(database)["state"] == "triage"
    with reader(database) as connection:
        (listed,) = rejected(connection)
        statuses = dict(connection.execute("SELECT id, status FROM team_events").fetchall())
    assert listed[1] == author and listed[3].startswith("could not be applied here: EventFormatError: changes.state")
    assert statuses == {legacy_id: "rejected", earlier.id: "applied"} and set(received.refused) == {legacy_id}


def test_a_decision_the_team_would_refuse_is_refused_here_and_nothing_waits_to_be_sent(tmp_path: Path) -> None:
    """Once recorded, such an event would be refused by every reader (and could not even be read back to send)."""
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    alex = TriageService(Store(database), "alex@example.org", sharer=TeamSharer("A" * 40))
    with pytest.raises(TriageError, match=r"the team's workstations would refuse this: changes\.assignee\.1"):
        alex.assign(CASE, "x" * 2000)
    alex.assign(CASE, "alex")
    alex.store.close()
    with reader(database) as connection:
        assert [e.kind for e in outgoing(connection)] == ["assign"]
        assert connection.execute("SELECT assignee FROM cases WHERE id = ?", (CASE,)).fetchone()[0] == "alex"


def _duplicate_of(database: Path, title: str) -> tuple[str | None, str | None, str | None]:
    """(state, disposition, the id of the case it duplicates here) of the case with that title."""
    with reader(database) as connection:
        row = connection.execute("SELECT state, disposition, duplicate_of FROM cases WHERE title = ?", (title,))
        state, disposition, of = row.fetchone()
    return state, disposition, of


def _timeline(database: Path, case_id: str) -> list[str]:
    from triage_tui.widgets.timeline import describe_event

    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return [describe_event(event) for event in detail.events]


def _header(database: Path, title: str) -> str:
    """The case view's header of the case with that title, as plain text."""
    from triage_tui.screens.case_content import case_header
    from triage_tui.store.duplicate_reads import case_extras

    case_id = str(_case_titled(database, title)["id"])
    with reader(database) as connection:
        detail, extras = get_case(connection, case_id), case_extras(connection, case_id)
    assert detail is not None
    return case_header(detail.summary, NOW, extras).plain


def test_a_duplicate_of_names_the_other_report_so_each_workstation_links_its_own_case_of_it(
    tmp_path: Path, people: TeamKeys
) -> None:
    leak, cache = _report(101, "pip: netrc leak"), _report(102, "pip: netrc leak again")
    alex_store = seeded_store(tmp_path / "alex.db", [leak, cache])
    sam_store = seeded_store(tmp_path / "sam.db", [cache, leak])  # the same two mails, numbered the other way
    lone_store = seeded_store(tmp_path / "lone.db", [cache])  # holds the duplicate, not the case it duplicates
    roles = TeamRoles(coordinators=frozenset({people.coordinator.fingerprint, people.pip.fingerprint}))
    again_at_alex = str(_case_titled(alex_store, "pip: netrc leak again")["id"])
    leak_at_alex = str(_case_titled(alex_store, "pip: netrc leak")["id"])
    leak_at_sam = str(_case_titled(sam_store, "pip: netrc leak")["id"])
    assert leak_at_sam == again_at_alex  # the number alex's event would have named is another report at sam's
    alex = TriageService(Store(alex_store), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.mark_duplicate(again_at_alex, leak_at_alex)
    alex.store.close()
    assert _duplicate_of(alex_store, "pip: netrc leak again") == ("closed", "duplicate", leak_at_alex)
    assert f"closed as duplicate of {leak_at_alex}" in _timeline(alex_store, again_at_alex)  # read as here
    with reader(alex_store) as connection:
        (event,) = outgoing(connection)
        leak_ref = case_ref(connection, leak_at_alex)
    assert leak_ref is not None and leak_ref.startswith("hash:")
    assert event.changes["duplicate_of"] == (None, leak_ref)  # the report, not alex's number for it
    sealed = send(alex_store, people.coordinator, roles)
    take(sam_store, people.pip, roles, sealed)
    # At sam's: the case of the same report is closed as a duplicate of sam's own case of the other report.
    assert _duplicate_of(sam_store, "pip: netrc leak again") == ("closed", "duplicate", leak_at_sam)
    assert _duplicate_of(sam_store, "pip: netrc leak") == ("new", None, None)
    # Where the other report is not held, the duplicate-of is left unresolved: closed as a duplicate of nothing here.
    take(lone_store, people.pip, roles, sealed)
    assert _duplicate_of(lone_store, "pip: netrc leak again") == ("closed", "duplicate", None)
    assert "duplicate of a report not held here" in _header(lone_store, "pip: netrc leak again")
    # Once the report comes (here by mail), the next events received resolve it to its case.
    store = Store(lone_store)
    try:
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.ingest import store_batch

        (leak_at_lone,) = store_batch(store, [IncomingItem("mail", "x", leak)]).new_cases
    finally:
        store.close()
    alex = TriageService(Store(alex_store), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.add_note(leak_at_alex, "the original")
    alex.store.close()
    take(lone_store, people.pip, roles, send(alex_store, people.coordinator, roles))
    assert _duplicate_of(lone_store, "pip: netrc leak again") == ("closed", "duplicate", leak_at_lone)


def test_an_older_versions_duplicate_of_by_case_id_stays_with_its_author_and_means_no_case_elsewhere(
    tmp_path: Path, people: TeamKeys
) -> None:
    from triage_tui.team.log import record_local, team_event_of

    leak, again = _report(101, "pip: netrc leak"), _report(102, "pip: netrc leak again")
    alex_store = seeded_store(tmp_path / "alex.db", [leak, again])
    sam_store = seeded_store(tmp_path / "sam.db", [again, leak])
    roles = TeamRoles(coordinators=frozenset({people.coordinator.fingerprint, people.pip.fingerprint}))
    again_at_alex = str(_case_titled(alex_store, "pip: netrc leak again")["id"])
    leak_at_alex = str(_case_titled(alex_store, "pip: netrc leak")["id"])
    # The decision as an earlier version recorded it: made here, and sent naming the other case by its id here.
    offline = TriageService(Store(alex_store), "alex")
    decided = offline.mark_duplicate(again_at_alex, leak_at_alex)
    offline.store.close()
    with Store(alex_store) as store, store.write() as connection:
        at = Timestamp(int(time.time() * 1000))
        old_form = team_event_of("duplicate", decided.payload, again_at_alex, people.coordinator.fingerprint, at)
        assert old_form is not None and old_form.changes["duplicate_of"] == (None, leak_at_alex)
        record_local(connection, dataclasses.replace(old_form, ref=case_ref(connection, again_at_alex)), NOW)
    take(sam_store, people.pip, roles, send(alex_store, people.coordinator, roles))
    # At sam's, that number is the duplicate itself: the bare id names no case there.
    assert _duplicate_of(sam_store, "pip: netrc leak again") == ("closed", "duplicate", None)
    sam = TriageService(Store(sam_store), "sam", sharer=TeamSharer(people.pip.fingerprint))
    sam.add_note(str(_case_titled(sam_store, "pip: netrc leak again")["id"]), "same as the first")
    sam.store.close()
    take(alex_store, people.coordinator, roles, send(sam_store, people.pip, roles))  # the case is rebuilt at alex's
    assert _case_titled(alex_store, "pip: netrc leak again")["notes"] == ["same as the first"]
    assert _duplicate_of(alex_store, "pip: netrc leak again") == ("closed", "duplicate", leak_at_alex)


def test_concurrent_duplicate_ofs_show_each_workstations_own_case_ids_on_its_timeline(
    tmp_path: Path, people: TeamKeys
) -> None:
    leak, again, third = _report(101, "pip: netrc leak"), _report(102, "pip: netrc leak again"), _report(103, "pip: x")
    alex_store = seeded_store(tmp_path / "alex.db", [leak, again, third])
    sam_store = seeded_store(tmp_path / "sam.db", [third, again, leak])
    roles = TeamRoles(coordinators=frozenset({people.coordinator.fingerprint, people.pip.fingerprint}))
    stores = {"alex": alex_store, "sam": sam_store}
    ids = {name: {title: str(_case_titled(store, title)["id"]) for title in ("pip: netrc leak", "pip: netrc leak again",
           "pip: x")} for name, store in stores.items()}  # fmt: skip
    alex = TriageService(Store(alex_store), "alex", sharer=TeamSharer(people.coordinator.fingerprint))
    alex.mark_duplicate(ids["alex"]["pip: netrc leak again"], ids["alex"]["pip: netrc leak"])
    alex.store.close()
    # Offline, not seeing alex's:
    sam = TriageService(Store(sam_store), "sam", sharer=TeamSharer(people.pip.fingerprint))
    sam.mark_duplicate(ids["sam"]["pip: netrc leak again"], ids["sam"]["pip: x"])
    sam.store.close()
    from_alex, from_sam = send(alex_store, people.coordinator, roles), send(sam_store, people.pip, roles)
    take(sam_store, people.pip, roles, from_alex)
    take(alex_store, people.coordinator, roles, from_sam)
    standing = {name: _duplicate_of(store, "pip: netrc leak again")[2] for name, store in stores.items()}
    titles = {name: {case: title for title, case in ids[name].items()} for name in stores}
    assert titles["alex"][str(standing["alex"])] == titles["sam"][str(standing["sam"])]  # the same report
    for name, store in stores.items():
        (line,) = [t for t in _timeline(store, ids[name]["pip: netrc leak again"]) if t.startswith("CONCURRENT")]
        assert "hash:" not in line
        assert ids[name]["pip: netrc leak"] in line and ids[name]["pip: x"] in line  # each its own ids
