"""Regression of a trust-boundary hole, on a real access-controlled Dovecot with real gpg: a maintainer's cell of
their own project on a case no coordinator linked to it (its id guessed or learnt) must not link the project on the
coordinator's workstation, so the coordinator's sync never shares that case with the maintainer; the cell is listed
under R with the rule."""

from __future__ import annotations

from datetime import UTC, datetime

from onboarding_fixtures import (
    PIP_CASE_TITLE,
    UV_CASE_TITLE,
    UV_REPORTER,
    Team,
    both_case_unlinked_from_pip,
    case_on,
    rejected_on,
)
from triage_tui.services.store_key import unlock_store
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import HybridClock
from triage_tui.team.log import case_ref, record_local

RULE = "pip is not linked to this case by a coordinator"


def test_a_maintainers_cell_on_a_case_no_coordinator_linked_to_their_project_shares_nothing(team: Team) -> None:
    pip, coordinator = team.maintainers["pip"], team.coordinator
    uv_case = team.cases[UV_CASE_TITLE]
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.read() as connection:
        ref = case_ref(connection, uv_case)  # what the maintainer would have to learn to name the report
    # The pip maintainer's altered client records a pip cell on the uv-only case; their own sync signs it, seals it
    # and appends it where their workstation may append (the coordinators' folder, the pip folder).
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    cell: dict[str, object] = {
        "status": "affected",
        "ranges": [],
        "fixed_version": None,
        "justification": None,
        "notes": "",
    }
    # The case is named by its ref; its id an id of no case here (each workstation numbers its cases on its own, so
    # the coordinator's id of the uv case may well be the id of another case on pip's).
    held_ids = {case["id"] for case in team.cases_of(pip)}
    unheld = next(f"PSC-2026-{n:04d}" for n in range(900, 1000) if f"PSC-2026-{n:04d}" not in held_ids)
    forged = TeamEvent(unheld, pip.fingerprint, HybridClock().now(), "impact", impacts={"pip": cell}, ref=ref)
    with Store(pip.home / "triage.db") as store, store.write() as connection:
        record_local(connection, forged, datetime.now(UTC))
    team.sync(pip)
    with Store(pip.home / "triage.db") as store, store.read() as connection:
        sent = connection.execute("SELECT sent FROM team_events WHERE id = ?", (forged.id,)).fetchone()[0]
    assert sent == 1  # it left the maintainer's workstation

    team.sync(coordinator)
    # A later decision of the coordinator on the case goes to its readers (the uv maintainers), not to pip's.
    team.ok(coordinator, "case", uv_case, "note", "a later decision on the uv case")
    team.sync(coordinator)  # a second sync: the late-joiner sharing finds nothing either
    team.sync(pip)

    # Not linked to pip on the coordinator's workstation, and listed under R with the rule.
    assert [i["project"] for i in case_on(team, coordinator, UV_CASE_TITLE)["impacts"]] == ["uv"]
    reasons = [reason for _kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint]
    assert len(reasons) == 1 and RULE in reasons[0], reasons
    # The coordinator's syncs shared nothing with pip.
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.read() as connection:
        shares = connection.execute("SELECT fingerprint FROM team_shares WHERE case_id = ?", (uv_case,)).fetchall()
    assert pip.fingerprint not in {row[0] for row in shares}
    # The pip workstation holds nothing of the case: not its title, report or reporter (its ids are its own, so
    # the case is looked for by what it is: no case there is the report the ref names, nor holds its message).
    assert UV_CASE_TITLE not in [case["title"] for case in team.cases_of(pip)]
    assert ref is not None and ref.startswith("hash:")
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    with Store(pip.home / "triage.db") as store, store.read() as connection:
        held = connection.execute(
            "SELECT count(*) FROM cases WHERE title = ? OR reporter LIKE ?", (UV_CASE_TITLE, f"%{UV_REPORTER}%")
        ).fetchone()[0]
        held += connection.execute(
            "SELECT count(*) FROM messages WHERE content_hash = ?", (ref.removeprefix("hash:"),)
        ).fetchone()[0]
        texts = connection.execute(
            "SELECT count(*) FROM messages WHERE subject LIKE ? OR body LIKE ? OR sender_name LIKE ?",
            (f"%{UV_CASE_TITLE}%", f"%{UV_CASE_TITLE}%", f"%{UV_REPORTER}%"),
        ).fetchone()[0]
    assert (held, texts) == (0, 0)


def test_a_maintainers_cell_on_a_case_a_coordinator_unlinked_from_their_project_is_refused_locally(team: Team) -> None:
    """The maintainer still holds a case the coordinator took their project off: a cell of it would be ignored by
    every workstation, so their own `triage-tui case ... cell` refuses it (exit 2, naming the rule)."""
    pip = team.maintainers["pip"]
    both = both_case_unlinked_from_pip(team)

    done = team.cli(pip, "case", both["id"], "cell", "pip", "affected")

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and RULE in done.stderr, done.stderr
    # Its own pip case, which a coordinator linked, takes the cell.
    team.ok(pip, "case", case_on(team, pip, PIP_CASE_TITLE)["id"], "cell", "pip", "affected")
