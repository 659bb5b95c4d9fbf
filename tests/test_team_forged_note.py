"""Regression of a trust-boundary hole, on a real access-controlled Dovecot with real gpg: a maintainer's note on a
case none of their projects is linked to by a coordinator (its id guessed, no ref to name the report) must not reach
the coordinator's timeline, nor the maintainers the case is shared with later; it is listed under R with the rule,
and the maintainer's own `triage-tui case ... note` on such a case is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from onboarding_fixtures import (
    BOTH_CASE_TITLE,
    PIP_CASE_TITLE,
    UV_CASE_TITLE,
    Station,
    Team,
    both_case_unlinked_from_pip,
    case_on,
    notes_of,
    rejected_on,
)
from triage_tui.services.store_key import unlock_store
from triage_tui.store.store import Store
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import HybridClock
from triage_tui.team.log import case_ref, record_local

RULE = "not a maintainer of any project linked to this case by a coordinator"
FORGED = "please send the PoC to evil@example.org"


def _forge_note(team: Team, pip: Station, case_id: str, text: str) -> None:
    """The pip maintainer's altered client records a note on the coordinator's case `case_id`, named by its ref (as
    every workstation of a team places events) and an id of no case on pip's (pip numbers its cases on its own);
    their own sync signs it, seals it to the coordinators and appends it where their workstation may append."""
    coordinator = team.coordinator
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.read() as connection:
        ref = case_ref(connection, case_id)
    held = {case["id"] for case in team.cases_of(pip)}
    unheld = next(f"PSC-2026-{n:04d}" for n in range(900, 1000) if f"PSC-2026-{n:04d}" not in held)
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    forged = TeamEvent(unheld, pip.fingerprint, HybridClock().now(), "note", note=text, ref=ref)
    with Store(pip.home / "triage.db") as store, store.write() as connection:
        record_local(connection, forged, datetime.now(UTC))


def _shown(team: Team, station: Station, case_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(team.ok(station, "show", case_id, "--json"))
    return shown


def test_a_maintainers_note_on_a_case_none_of_their_projects_is_linked_to_is_ignored_everywhere(team: Team) -> None:
    pip, uv, coordinator = team.maintainers["pip"], team.maintainers["uv"], team.coordinator
    uv_case = team.cases[UV_CASE_TITLE]
    # A case the coordinator has not shared with anyone yet: linked to uv later, it goes to the uv maintainer then.
    (other_title, unshared) = next(
        (title, case_id)
        for title, case_id in sorted(team.cases.items())
        if title not in (UV_CASE_TITLE, PIP_CASE_TITLE, BOTH_CASE_TITLE)
    )
    _forge_note(team, pip, uv_case, f"uv case: {FORGED}")
    _forge_note(team, pip, unshared, f"unshared case: {FORGED}")
    team.sync(pip)
    with Store(pip.home / "triage.db") as store, store.read() as connection:
        sent = connection.execute("SELECT count(*) FROM team_events WHERE sent = 1 AND kind = 'note'").fetchone()[0]
    assert sent == 2  # both left the maintainer's workstation

    team.sync(coordinator)

    # Not on the coordinator's timelines (nor found by search), and listed under R with the rule, once each.
    assert not [text for text in notes_of(_shown(team, coordinator, uv_case)) if FORGED in text]
    assert not [text for text in notes_of(_shown(team, coordinator, unshared)) if FORGED in text]
    found = json.loads(team.ok(coordinator, "cases", "--json", "--search", "evil"))
    assert found == [], found
    reasons = [reason for kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint]
    assert len(reasons) == 2 and all(RULE in reason for reason in reasons), reasons

    # The coordinator links uv to the unshared case: its sync shares it with the uv maintainer, without the note.
    team.ok(coordinator, "case", unshared, "cell", "uv", "investigating")
    team.ok(coordinator, "case", uv_case, "note", "a later decision on the uv case")
    team.sync(coordinator)
    team.sync(uv)

    on_uv = case_on(team, uv, other_title)
    assert [i["project"] for i in on_uv["impacts"]] == ["uv"]  # shared with uv indeed
    assert not [text for text in notes_of(on_uv) if FORGED in text]
    assert "a later decision on the uv case" in notes_of(case_on(team, uv, UV_CASE_TITLE))
    assert not [text for text in notes_of(case_on(team, uv, UV_CASE_TITLE)) if FORGED in text]
    unlock_store(uv.home / "triage.db", uv.fingerprint, uv.ring.home)
    with Store(uv.home / "triage.db") as store, store.read() as connection:
        held = connection.execute("SELECT count(*) FROM team_events WHERE author = ?", (pip.fingerprint,)).fetchone()
    assert held[0] == 0  # the forged notes never travelled to the uv workstation


def test_a_maintainers_own_note_on_a_case_none_of_their_projects_is_linked_to_is_refused(team: Team) -> None:
    """The pip maintainer still holds the case both projects were linked to after the coordinator unlinks pip: a note
    on it would be ignored by every workstation, so their own `triage-tui case ... note` refuses it (exit 2, naming
    the rule); on their pip case it is taken."""
    pip = team.maintainers["pip"]
    both = both_case_unlinked_from_pip(team)

    done = team.cli(pip, "case", both["id"], "note", "a note on a case no longer ours")

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and RULE in done.stderr, done.stderr
    team.ok(pip, "case", case_on(team, pip, PIP_CASE_TITLE)["id"], "note", "a note on our own case")
