"""Undo and unlinking through a real Dovecot mailbox shared by a coordinator, a pip maintainer and a uv maintainer
(real gpg keys): an undone cell restores the link state everywhere and shares nothing with a project it linked; an
undo reaches the other workstations; maintainers who lose a case are told so, and nothing more; a duplicate-of
another project's case does not name that case to readers who cannot see it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from test_team_imap import Station, rings, team  # noqa: F401  (fixtures used below)
from test_team_sync import CASE, shown
from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.sources.imap import ImapSource
from triage_tui.store.connection import reader
from triage_tui.store.queries import get_case
from triage_tui.team.log import case_ref
from triage_tui.team.transport import armoured_part

Team = tuple[Station, Station, Station]
"""The coordinator's, the pip maintainer's and the uv maintainer's workstations, each holding the small inbox."""
OTHER = "PSC-2026-0002"
"""A second case of the small inbox, linked to uv only in these tests."""


def readable_by(station: Station) -> list[bytes]:
    """Every event in the team folder that the station's key decrypts (its plaintext, signed form included)."""
    with ImapSource(station.config.sources["mailbox"]).session("read") as client:  # type: ignore[arg-type]
        client.select_folder("TeamEvents", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["RFC822"])
    found = []
    for uid in sorted(fetched):
        sealed = armoured_part(bytes(fetched[uid][b"RFC822"]))
        outer = station.ring.gpg.decrypt(sealed) if sealed else None
        if outer is not None and outer.ok:
            inner = bytes(outer.data)
            found.append(bytes(station.ring.gpg.decrypt(inner).data) if b"BEGIN PGP MESSAGE" in inner else inner)
    return found


def held_cases(database: Path) -> list[str]:
    with reader(database) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY id")]


def timeline(database: Path, case_id: str = CASE) -> list[str]:
    """The case's timeline lines as the case view words them."""
    from triage_tui.widgets.timeline import describe_event

    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return [describe_event(event) for event in detail.events]


def test_undoing_a_cell_on_a_project_not_linked_shares_nothing_with_its_maintainers(
    team: Team,  # noqa: F811
    tmp_path: Path,
) -> None:
    coordinator, pip, uv = team
    empty_uv = Station(uv.ring, uv.config, tmp_path / "uv-empty.db")  # holds only what is shared with uv
    alex = coordinator.triage()
    mistake = alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.INVESTIGATING))  # the wrong column
    alex.undo(mistake.id)
    alex.store.close()
    assert shown(coordinator.database)["impacts"] == {"pip": ("investigating", (), None)}  # uv not linked
    sent = coordinator.sync()
    assert sent.sent == 2 and sent.shared == 1  # the cell and its undo; the case shared with pip's new reader only
    assert readable_by(uv) == []  # nothing of the case, its title, text or history, decrypts for uv
    outcome = empty_uv.sync()
    assert outcome.applied == 0 and held_cases(empty_uv.database) == []
    pip.sync()
    assert shown(pip.database)["impacts"] == shown(coordinator.database)["impacts"]


def test_an_undo_reaches_the_other_workstations(
    team: Team,  # noqa: F811
) -> None:
    coordinator, pip, _uv = team
    pat = pip.triage()
    fixed = pat.set_impact(CASE, "pip", ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version="24.1"))
    pat.store.close()
    alex = coordinator.triage()
    embargo = alex.set_embargo(CASE, datetime(2026, 12, 24, tzinfo=UTC))
    alex.store.close()
    pip.sync()
    coordinator.sync()
    pip.sync()
    assert shown(coordinator.database) == shown(pip.database)
    assert shown(coordinator.database)["impacts"] == {"pip": ("fixed", ("<24.1",), "24.1")}
    pat, alex = pip.triage(), coordinator.triage()
    pat.undo(fixed.id)
    alex.undo(embargo.id)
    pat.store.close()
    alex.store.close()
    pip.sync()
    coordinator.sync()
    pip.sync()
    view = shown(pip.database)
    assert view["impacts"] == {"pip": ("investigating", (), None)} and view["embargo"] is None
    assert shown(coordinator.database) == view


@pytest.mark.parametrize("how", ["unlink", "undo"])
def test_maintainers_who_lose_a_case_are_told_and_read_nothing_after(
    team: Team,  # noqa: F811
    tmp_path: Path,
    how: str,
) -> None:
    coordinator, pip, uv = team
    uv_station = Station(uv.ring, uv.config, tmp_path / "uv-empty.db")
    alex = coordinator.triage()
    linked = alex.set_impact(CASE, "uv", ImpactCell(ImpactStatus.INVESTIGATING))
    alex.store.close()
    coordinator.sync()
    uv_station.sync()
    (case_here,) = held_cases(uv_station.database)  # shared with uv
    assert "uv" in shown_impacts(uv_station.database, case_here)
    before = len(readable_by(uv))
    alex = coordinator.triage()
    if how == "undo":
        alex.undo(linked.id)  # the same as unlinking uv: it was not linked before
    else:
        alex.remove_project(CASE, "uv")
    alex.add_note(CASE, "the fix plan, for pip only")
    alex.store.close()
    coordinator.sync()
    outcome = uv_station.sync()
    told = readable_by(uv)[before:]
    assert len(told) == 1 and outcome.applied == 1 and outcome.rejected == 0
    assert b'"impacts":{"uv":null}' in told[0] and b"fix plan" not in told[0]
    assert "uv" not in shown_impacts(uv_station.database, case_here)
    assert "unlinked uv: nothing more is shared with its maintainers" in timeline(uv_station.database, case_here)
    # And the pip maintainer, who still reads the case, converges (the unlink shown there too).
    pip.sync()
    assert (
        shown(pip.database)["impacts"] == shown(coordinator.database)["impacts"] == {"pip": ("investigating", (), None)}
    )
    assert shown(pip.database)["notes"] == ["the fix plan, for pip only"]


def shown_impacts(database: Path, case_id: str) -> dict[str, str]:
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return {impact.project: impact.status for impact in detail.impacts}


def test_a_duplicate_of_another_projects_case_does_not_name_it_to_those_who_cannot_see_it(
    team: Team,  # noqa: F811
    tmp_path: Path,
) -> None:
    coordinator, full_pip, _uv = team
    pip = Station(full_pip.ring, full_pip.config, tmp_path / "pip-empty.db")  # holds only what is shared with pip
    third = "PSC-2026-0003"
    with reader(coordinator.database) as connection:
        other_ref = case_ref(connection, OTHER)  # how events name the other case (the report it is)
    assert other_ref is not None
    names = (OTHER.encode(), other_ref.encode())
    alex = coordinator.triage()
    alex.set_impact(OTHER, "uv", ImpactCell(ImpactStatus.INVESTIGATING))  # a uv-only case
    alex.mark_duplicate(CASE, OTHER)  # the pip case: sent to pip's maintainer as it is decided
    alex.mark_duplicate(third, OTHER)  # a case pip joins once it is closed: shared with its history then
    alex.store.close()
    coordinator.sync()
    alex = coordinator.triage()
    cell = ImpactCell(ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT)
    alex.set_impact(third, "pip", cell)
    alex.store.close()
    coordinator.sync()
    pip.sync()
    seen = readable_by(pip)
    assert seen and not any(name in item for item in seen for name in names)
    with reader(pip.database) as connection:
        closed = connection.execute("SELECT id, state, disposition, duplicate_of FROM cases ORDER BY id").fetchall()
    # Both closed as duplicates there, of a case pip's maintainer does not hold and is not named.
    assert [(state, disposition, of) for _id, state, disposition, of in closed] == [
        ("closed", "duplicate", None),
        ("closed", "duplicate", None),
    ]
    # A coordinator reads the whole decision.
    assert any(other_ref.encode() in item for item in readable_by(coordinator))


def test_each_reader_gets_the_form_of_an_event_they_may_read() -> None:
    """The rules alone: the case's readers get the event whole, a reader blind to a case it names gets it without
    that name, and maintainers who lose the case get the unlink and nothing else."""
    from triage_tui.team.audience import deliveries
    from triage_tui.team.events import TeamEvent
    from triage_tui.team.hlc import Timestamp

    at = Timestamp(1_800_000_000_000)
    closing = TeamEvent(CASE, "C", at, "duplicate", {"state": ("new", "closed"), "duplicate_of": (None, OTHER)})
    readers_of = {CASE: {"C", "P"}, OTHER: {"C", "U"}}
    (whole, blind) = sorted(deliveries(closing, {"C", "P"}, readers_of.__getitem__), key=lambda d: d.readers)
    assert (whole.event, whole.readers) == (closing, ("C",))
    assert blind.readers == ("P",) and blind.event.changes == {"state": ("new", "closed")}
    unlink = TeamEvent(CASE, "C", at, "impact-removed", impacts={"uv": None})
    (delivery,) = deliveries(unlink, {"C", "P"}, readers_of.__getitem__, told={"U"})
    assert delivery == type(delivery)(unlink, ("C", "P", "U"))  # the notice is the unlink itself: one event


def cells(database: Path, case_id: str) -> dict[str, tuple[str, tuple[str, ...], str | None, str]]:
    """Each linked project's whole cell, notes included."""
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return {i.project: (i.status, i.ranges, i.fixed_version, i.notes) for i in detail.impacts}


def test_undoing_an_unlink_relinks_the_cell_on_every_workstation(
    team: Team,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Unlink uv (its maintainer is told), then undo: the undo travels as the cell put back, notes and all; the uv
    maintainer reads the case again, later notes included, and all three workstations converge."""
    coordinator, pip, uv = team
    uv_station = Station(uv.ring, uv.config, tmp_path / "uv-empty.db")  # holds only what is shared with uv
    cell = ImpactCell(ImpactStatus.FIXED, ranges=("<0.4.2",), fixed_version="0.4.2", notes="only with --system")
    alex = coordinator.triage()
    alex.set_impact(CASE, "uv", cell)
    alex.store.close()
    coordinator.sync()
    uv_station.sync()
    (case_here,) = held_cases(uv_station.database)
    linked = cells(coordinator.database, CASE)
    assert cells(uv_station.database, case_here)["uv"] == linked["uv"] == ("fixed", ("<0.4.2",), "0.4.2", cell.notes)
    alex = coordinator.triage()
    unlink = alex.remove_project(CASE, "uv")
    alex.store.close()
    coordinator.sync()
    uv_station.sync()
    assert "uv" not in cells(uv_station.database, case_here)
    alex = coordinator.triage()
    alex.undo(unlink.id)
    alex.add_note(CASE, "uv is back on it")
    alex.store.close()
    assert cells(coordinator.database, CASE) == linked  # the removed cell exactly
    coordinator.sync()
    outcome = uv_station.sync()
    assert outcome.rejected == 0
    assert cells(uv_station.database, case_here)["uv"] == linked["uv"]
    with reader(uv_station.database) as connection:
        detail = get_case(connection, case_here)
    assert detail is not None and "uv is back on it" in [e.payload.get("text") for e in detail.events]
    pip.sync()
    assert cells(pip.database, CASE) == cells(coordinator.database, CASE) == linked
    assert shown(pip.database) == shown(coordinator.database)
