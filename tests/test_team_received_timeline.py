"""Decisions received from the team are on the case's timeline with their author and time, as the decisions made
here are, and a received cell names who set it and when (the event's author and time, not this workstation's user):
on a team onboarded from the command line, over a real access-controlled Dovecot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onboarding_fixtures import PIP_CASE_TITLE, Team, case_on


def test_a_coordinators_decisions_are_on_the_maintainers_timeline_with_their_author_and_time(
    pip_team: Team,
) -> None:
    built = pip_team
    pip, coordinator = built.maintainers["pip"], built.coordinator
    case = built.cases[PIP_CASE_TITLE]
    built.ok(coordinator, "case", case, "state", "triage")
    built.ok(coordinator, "case", case, "assign", "team:pip")
    soon = datetime.now(UTC) + timedelta(days=60)  # an embargo end is at most two years ahead
    built.ok(coordinator, "case", case, "embargo", f"{soon:%Y-%m-%d}")
    built.ok(coordinator, "case", case, "cell", "pip", "affected", "--ranges", "<24.1")
    built.sync(coordinator)
    built.sync(pip)

    shown = case_on(built, pip, PIP_CASE_TITLE)
    # `show` names an author the roster knows and keeps the key beside the name.
    received = [
        e
        for e in shown["events"]
        if e.get("author_fingerprint", e["author"]) == coordinator.fingerprint and e["kind"] != "note"
    ]
    kinds = [e["kind"] for e in received]
    assert {"state", "assign", "embargo", "impact"} <= set(kinds), kinds
    by_kind = {e["kind"]: e for e in received}
    assert by_kind["state"]["payload"]["changes"]["state"] == ["new", "triage"]
    assert by_kind["assign"]["payload"]["changes"]["assignee"][1] == "team:pip"
    assert by_kind["impact"]["payload"]["after"]["status"] == "affected"
    assert by_kind["impact"]["payload"]["before"]["status"] == "investigating"
    # Each at the time its author decided it, in the order decided.
    times = [datetime.fromisoformat(by_kind[k]["at"]) for k in ("state", "assign", "embargo", "impact")]
    assert times == sorted(times)
    mine = case_on(built, coordinator, PIP_CASE_TITLE)
    made = {e["kind"]: e for e in mine["events"] if e["kind"] in ("state", "impact")}
    assert abs((datetime.fromisoformat(made["state"]["at"]) - times[0]).total_seconds()) < 5
    (cell,) = [c for c in shown["impacts"] if c["project"] == "pip"]
    assert cell.get("set_by_fingerprint", cell["set_by"]) == coordinator.fingerprint
    assert abs((datetime.fromisoformat(cell["set_at"]) - times[-1]).total_seconds()) < 1
    # Shown once, however often the case is recomputed.
    built.ok(coordinator, "case", case, "note", "recomputes the case on the maintainer's side")
    built.sync(coordinator)
    built.sync(pip)
    again = case_on(built, pip, PIP_CASE_TITLE)
    assert sorted(e["kind"] for e in again["events"] if e["kind"] in ("state", "assign", "embargo", "impact")) == (
        sorted(k for k in kinds if k in ("state", "assign", "embargo", "impact"))
    )
