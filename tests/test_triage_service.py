"""Tests for the triage service: every action is an event, undo restores, rules refuse what the lifecycle forbids."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from store_fixtures import parsed
from triage_tui.config import Project
from triage_tui.domain import CaseState, Disposition
from triage_tui.services.triage import TriageError, TriageService
from triage_tui.store.batches import IncomingItem
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "triage.db"
    store = Store(path)
    store.sync_projects([Project(id="pip", name="pip", packages=("pip",))])
    store_batch(
        store,
        [
            IncomingItem("s", "1", parsed("pip: traversal", message_id="<1@x>", sender=("Ann", "ann@x.org"))),
            IncomingItem("s", "2", parsed("pip: same traversal", message_id="<2@x>", sender=("Bo", "bo@x.org"), day=2)),
            IncomingItem("s", "3", parsed("pip: third copy", message_id="<3@x>", sender=("Cy", "cy@x.org"), day=3)),
        ],
    )
    store.close()
    return path


@pytest.fixture
def triage(database: Path) -> TriageService:
    return TriageService(Store(database), "alex", clock=lambda: NOW)


def case(database: Path, case_id: str = "PSC-2026-0001"):  # type: ignore[no-untyped-def]
    with reader(database) as c:
        detail = get_case(c, case_id)
    assert detail is not None
    return detail


def test_lifecycle_moves_one_step_and_refuses_jumps(triage: TriageService, database: Path) -> None:
    event = triage.transition("PSC-2026-0001", CaseState.TRIAGE)
    assert event.payload == {"changes": {"state": ["new", "triage"]}} and event.author == "alex"
    with pytest.raises(TriageError, match="can move to: accepted, new"):
        triage.transition("PSC-2026-0001", CaseState.PUBLISHED)
    detail = case(database)
    assert detail.summary.state == "triage"
    assert [(e.kind, e.author) for e in detail.events] == [("state", "alex")]


def test_close_with_disposition_and_policy_reason(triage: TriageService, database: Path) -> None:
    with pytest.raises(TriageError, match="needs one of"):
        triage.close("PSC-2026-0001", Disposition.NOT_A_VULNERABILITY)
    triage.close("PSC-2026-0001", Disposition.NOT_A_VULNERABILITY, "malicious-package")
    detail = case(database)
    assert (detail.summary.state, detail.summary.disposition) == ("closed", "not-a-vulnerability")
    with pytest.raises(TriageError, match="only new or triage"):
        triage.close("PSC-2026-0001", Disposition.SPAM)
    reopened = triage.transition("PSC-2026-0001", CaseState.TRIAGE)
    assert reopened.payload["changes"]["disposition"] == ["not-a-vulnerability", None]


def test_undo_restores_and_is_an_event(triage: TriageService, database: Path) -> None:
    assigned = triage.assign("PSC-2026-0001", "team:pip")
    triage.set_labels("PSC-2026-0001", ["Wheel", "wheel ", "tarfile"])
    undo = triage.undo(assigned.id)
    assert undo.kind == "undo" and undo.payload["undoes"] == assigned.id
    with reader(database) as c:
        row = c.execute("SELECT assignee, labels FROM cases WHERE id = 'PSC-2026-0001'").fetchone()
    assert row[0] is None and json.loads(row[1]) == ["tarfile", "wheel"]
    with pytest.raises(TriageError, match="already undone"):
        triage.undo(assigned.id)
    with pytest.raises(TriageError, match="cannot be undone"):
        triage.undo(undo.id)


def test_undo_refuses_when_the_field_changed_since(triage: TriageService) -> None:
    first = triage.assign("PSC-2026-0001", "alex")
    triage.assign("PSC-2026-0001", "sam")
    with pytest.raises(TriageError, match="changed since"):
        triage.undo(first.id)


def test_severity_stores_the_vector_and_the_score_is_computed(triage: TriageService, database: Path) -> None:
    triage.set_severity("PSC-2026-0001", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H")
    triage.set_severity("PSC-2026-0001", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    detail = case(database)
    assert detail.summary.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
    assert detail.summary.cvss4_vector is not None and detail.summary.cvss4_vector.startswith("CVSS:4.0/")
    with pytest.raises(TriageError, match="not a valid CVSS"):
        triage.set_severity("PSC-2026-0001", "CVSS:3.1/AV:X")


def test_embargo_round_trips_in_utc_and_undoes(triage: TriageService, database: Path) -> None:
    until = NOW + timedelta(days=30)
    event = triage.set_embargo("PSC-2026-0001", until)
    assert case(database).summary.embargo_until == until
    triage.undo(event.id)
    assert case(database).summary.embargo_until is None
    with pytest.raises(TriageError, match="time zone"):
        triage.set_embargo("PSC-2026-0001", datetime(2026, 7, 1))


@pytest.mark.parametrize(
    "until",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9000, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # converting it to UTC would overflow
    ],
)
def test_an_embargo_end_outside_the_teams_span_is_refused_without_team_sync(
    triage: TriageService, database: Path, until: datetime
) -> None:
    """The span team events are held to (team_events) holds for every embargo decision, team or not."""
    assert triage.sharer is None
    with pytest.raises(TriageError, match="is not between 2000 and 9000"):
        triage.set_embargo("PSC-2026-0001", until)
    assert case(database).summary.embargo_until is None and case(database).events == ()
    # A real end in the past (after the report came in) is still an embargo decision: kept, shown overdue.
    past = datetime(2026, 4, 1, tzinfo=UTC)
    triage.set_embargo("PSC-2026-0001", past)
    assert case(database).summary.embargo_until == past


def test_notes_are_events(triage: TriageService, database: Path) -> None:
    triage.add_note("PSC-2026-0001", "line one\nline two [b]literal[/b]")
    with pytest.raises(TriageError):
        triage.add_note("PSC-2026-0001", "   ")
    [note] = [e for e in case(database).events if e.kind == "note"]
    assert note.payload["text"] == "line one\nline two [b]literal[/b]"


def test_duplicate_merge_keeps_every_reporter_and_undo_takes_them_back(triage: TriageService, database: Path) -> None:
    triage.mark_duplicate("PSC-2026-0003", of="PSC-2026-0002")
    with pytest.raises(TriageError, match="only new or triage"):
        triage.mark_duplicate("PSC-2026-0003", of="PSC-2026-0001")
    merged = triage.mark_duplicate("PSC-2026-0002", of="PSC-2026-0001")
    target = case(database, "PSC-2026-0001")
    [merge] = [e for e in target.events if e.kind == "merge"]
    emails = sorted(r["email"] for r in merge.payload["reporters"])
    assert emails == ["bo@x.org", "cy@x.org"]  # Cy came along with the case Cy's report was merged into
    duplicate = case(database, "PSC-2026-0002")
    assert (duplicate.summary.state, duplicate.summary.disposition) == ("closed", "duplicate")
    triage.undo(merged.id)
    assert case(database, "PSC-2026-0002").summary.state == "new"
    undone = [e for e in case(database, "PSC-2026-0001").events if e.kind == "undo"]
    assert [e.payload["undoes"] for e in undone] == [merge.id]
    with pytest.raises(TriageError, match="itself"):
        triage.mark_duplicate("PSC-2026-0001", of="PSC-2026-0001")


def test_bulk_applies_to_each_case_and_reports_refusals(triage: TriageService, database: Path) -> None:
    triage.close("PSC-2026-0003", Disposition.INVALID)
    result = triage.bulk(
        ["PSC-2026-0001", "PSC-2026-0002", "PSC-2026-0003"],
        lambda service, case_id: service.close(case_id, Disposition.SPAM),
    )
    assert [e.case_id for e in result.events] == ["PSC-2026-0001", "PSC-2026-0002"]
    assert len(result.refusals) == 1 and result.refusals[0].startswith("PSC-2026-0003: ")
    assert case(database, "PSC-2026-0003").summary.disposition == "invalid"


def test_last_undoable_skips_undone_events(triage: TriageService) -> None:
    first = triage.assign("PSC-2026-0001", "alex")
    second = triage.set_labels("PSC-2026-0001", ["x"])
    assert triage.last_undoable("PSC-2026-0001") == second
    triage.undo(second.id)
    assert triage.last_undoable("PSC-2026-0001") == first


def test_impact_cells_are_checked_stored_and_undone_as_events(triage: TriageService, database: Path) -> None:
    from triage_tui.domain import ImpactStatus, VexJustification
    from triage_tui.impact import ImpactCell

    with pytest.raises(TriageError, match="needs the version that fixes it"):
        triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.FIXED))
    with pytest.raises(TriageError, match="no project 'poetry'"):
        triage.set_impact("PSC-2026-0001", "poetry", ImpactCell(ImpactStatus.AFFECTED))
    affected = triage.set_impact(
        "PSC-2026-0001", "pip", ImpactCell(ImpactStatus.AFFECTED, ranges=(">=20.0, <24.1",), notes="  sdists  ")
    )
    (cell,) = [i for i in case(database).impacts if i.project == "pip"]
    assert (cell.status, cell.ranges, cell.notes, cell.set_by) == ("affected", ("<24.1,>=20.0",), "sdists", "alex")
    assert affected.payload["before"] is None  # pip was not linked to the case
    assert affected.payload["after"]["ranges"] == ["<24.1,>=20.0"]
    with pytest.raises(TriageError, match="nothing to change"):
        triage.set_impact(
            "PSC-2026-0001", "pip", ImpactCell(ImpactStatus.AFFECTED, ranges=("<24.1,>=20.0",), notes="sdists")
        )
    fixed = triage.set_impact(
        "PSC-2026-0001", "pip", ImpactCell(ImpactStatus.FIXED, ranges=(">=20.0,<24.1",), fixed_version="24.1")
    )
    with pytest.raises(TriageError, match="changed since"):
        triage.undo(affected.id)
    triage.undo(fixed.id)
    (cell,) = [i for i in case(database).impacts if i.project == "pip"]
    assert cell.status == "affected" and cell.fixed_version is None
    kinds = [event.kind for event in case(database).events]
    assert kinds[-3:] == ["impact", "impact", "undo"]
    # A not-affected cell keeps its justification.
    triage.set_impact(
        "PSC-2026-0002",
        "pip",
        ImpactCell(ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT),
    )
    (cell,) = [i for i in case(database, "PSC-2026-0002").impacts if i.project == "pip"]
    assert (cell.status, cell.justification) == ("not-affected", "component_not_present")


def test_undoing_a_cell_of_a_project_not_linked_before_unlinks_it_again(triage: TriageService, database: Path) -> None:
    """Not an `unknown` cell left behind: that would keep the project linked, and the case shared with it."""
    from triage_tui.domain import ImpactStatus
    from triage_tui.impact import ImpactCell

    assert case(database).impacts == ()  # pip is not linked to the case
    investigating = triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    undo = triage.undo(investigating.id)
    assert case(database).impacts == ()
    assert (undo.payload["project"], undo.payload["after"]) == ("pip", None)
    # A cell of a linked project goes back to the cell it had, linked.
    triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    affected = triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.5",)))
    triage.undo(affected.id)
    assert [(i.project, i.status) for i in case(database).impacts] == [("pip", "investigating")]


def test_undoing_an_unlink_puts_the_removed_cell_back_as_it_was(triage: TriageService, database: Path) -> None:
    """The unlink keeps the whole cell it removed, so undo links the project back with its ranges, fixed version and
    notes (an impact-shaped undo, which travels to the team like any other)."""
    from triage_tui.domain import ImpactStatus
    from triage_tui.impact import ImpactCell

    cell = ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version="24.1", notes="only with --user")
    triage.set_impact("PSC-2026-0001", "pip", cell)
    unlink = triage.remove_project("PSC-2026-0001", "pip")
    assert case(database).impacts == ()
    assert triage.last_undoable("PSC-2026-0001") == unlink
    undo = triage.undo(unlink.id)
    (restored,) = case(database).impacts
    assert (restored.project, restored.status, restored.ranges, restored.fixed_version, restored.notes) == (
        "pip", "fixed", ("<24.1",), "24.1", "only with --user"
    )  # fmt: skip
    assert (undo.payload["project"], undo.payload["before"], undo.payload["after"]) == ("pip", None, cell.to_json())
    with pytest.raises(TriageError, match="already undone"):
        triage.undo(unlink.id)
    # Linked again since by hand: the undo would overwrite that cell, so it is refused.
    again = triage.remove_project("PSC-2026-0001", "pip")
    triage.set_impact("PSC-2026-0001", "pip", ImpactCell(ImpactStatus.INVESTIGATING))
    with pytest.raises(TriageError, match="pip cell of PSC-2026-0001 changed since"):
        triage.undo(again.id)


def test_an_undo_that_would_put_nothing_back_is_refused_and_not_recorded(
    triage: TriageService, database: Path, tmp_path: Path
) -> None:
    from test_key_pins import _pending, _thread
    from ui_fixtures import seeded_store

    keys = seeded_store(tmp_path / "keys.db", _thread())
    [change] = _pending(keys)
    on_keys = TriageService(Store(keys), "alex", clock=lambda: NOW)
    try:
        assert on_keys.accept_key_change(change.id) is not None
        accepted = on_keys.last_undoable(change.case_id or "")
        assert accepted is not None and accepted.kind == "key-accepted"
        with pytest.raises(TriageError, match=f"nothing to undo: key-accepted #{accepted.id}"):
            on_keys.undo(accepted.id)
    finally:
        on_keys.store.close()
    assert not [e for e in case(keys, change.case_id or "").events if e.kind == "undo"]
    note = triage.add_note("PSC-2026-0001", "asked the reporter for a proof of concept")
    queued = triage.record("PSC-2026-0001", "reply-queued", {"template": "ack"})
    assigned = triage.assign("PSC-2026-0001", "team:pip")
    for event in (note, queued):
        with pytest.raises(TriageError, match=f"nothing to undo: {event.kind} #{event.id}"):
            triage.undo(event.id)
    duplicate = triage.mark_duplicate("PSC-2026-0002", "PSC-2026-0001")
    merge = next(e for e in case(database).events if e.kind == "merge")
    with pytest.raises(TriageError, match="undo that on PSC-2026-0002"):
        triage.undo(merge.id)  # the merge goes back only with its duplicate-of
    triage.undo(duplicate.id)
    triage.undo(assigned.id)  # an action that changed the case still undoes
    undone = [e.payload["undoes"] for e in case(database).events if e.kind == "undo"]
    assert undone == [merge.id, assigned.id]  # nothing recorded for the refused ones


def test_undo_last_takes_back_the_authors_newest_decision_and_a_merge_through_its_duplicate(
    triage: TriageService, database: Path
) -> None:
    with pytest.raises(TriageError, match="nothing of yours to undo on PSC-2026-0001"):
        triage.undo_last("PSC-2026-0001")
    triage.assign("PSC-2026-0001", "team:pip")
    labelled = triage.set_labels("PSC-2026-0001", ["wheel"])
    assert triage.undo_last("PSC-2026-0001") == labelled
    assert [(e.kind, e.payload.get("undoes")) for e in case(database).events] == [
        ("assign", None), ("labels", None), ("undo", labelled.id)
    ]  # fmt: skip
    merged = triage.mark_duplicate("PSC-2026-0003", of="PSC-2026-0001")
    # The merge is the newest event on the target: undoing there undoes the duplicate-of on the duplicate.
    assert triage.undo_last("PSC-2026-0001") == merged
    assert case(database, "PSC-2026-0003").summary.state == "new"
    with pytest.raises(TriageError, match="already undone"):
        triage.undo(merged.id)


@pytest.mark.parametrize(
    ("assignee", "reason"),
    [
        (
            "team:nosuchproject",
            "team:nosuchproject names no project this workspace knows; the project teams are: team:pip",
        ),
        ("team:", "team: names no project; the project teams are: team:pip"),
    ],
)
def test_an_assignee_naming_no_project_is_refused(
    triage: TriageService, database: Path, assignee: str, reason: str
) -> None:
    """team:PROJECT names a project the store knows; the refusal lists the teams there are. Nothing is written."""
    with pytest.raises(TriageError) as refused:
        triage.assign("PSC-2026-0001", assignee)
    assert reason in str(refused.value)
    assert case(database).events == ()
    triage.assign("PSC-2026-0001", "team:pip")  # a known project's team is assigned


@pytest.mark.parametrize(
    ("until", "reason"),
    [
        (datetime(9999, 12, 31, tzinfo=UTC), "is not between 2000 and 9000"),
        (NOW + timedelta(days=731), "is more than 2 years ahead; choose an end on or before 2028-05-31 12:00 UTC"),
        (datetime(2026, 2, 28, tzinfo=UTC), "is before the report was received (2026-03-01 12:00 UTC)"),
    ],
)
def test_an_embargo_end_beyond_the_horizon_or_before_the_report_is_refused(
    triage: TriageService, database: Path, until: datetime, reason: str
) -> None:
    """A new embargo end is at most two years ahead and not before the report came in; both limits are named."""
    with pytest.raises(TriageError, match=re.escape(reason)):
        triage.set_embargo("PSC-2026-0001", until)
    assert case(database).events == ()
    triage.set_embargo("PSC-2026-0001", NOW + timedelta(days=730))  # exactly two years ahead is kept
