"""A case reaches only the projects a coordinator linked to it, on a real access-controlled Dovecot: a report intake
links to pip and uv by its text, the coordinator sets pip's cell alone, and the uv maintainer's workstation holds
nothing of it (no case, title, reporter or event) until the coordinator sets uv's cell too."""

from __future__ import annotations

import time
from email.message import EmailMessage

from onboarding_fixtures import Team, case_on, notes_of
from test_team_onboarding import _store_dump
from triage_tui.services.store_key import unlock_store
from triage_tui.store.store import Store
from triage_tui.store.team_case_store import cases_to_share, shared_with
from triage_tui.team.log import case_ref

TITLE = "pip and uv: resolver runs setup.py of an unpinned sdist"
REPORTER = "Quinn Prober"
BODY = "Both pip and uv build an sdist to read its metadata: a malicious setup.py runs on the resolver's host.\n"


def _report() -> bytes:
    message = EmailMessage()
    message["From"] = f"{REPORTER} <quinn@prober.example>"
    message["To"] = "security@team.example"
    message["Subject"] = TITLE
    message["Date"] = "Thu, 02 Apr 2026 09:00:00 +0000"
    message["Message-ID"] = "<resolver-sdist@prober.example>"
    message.set_content(BODY)
    return message.as_bytes()


def _held(team: Team, name: str) -> bool:
    return TITLE in {case["title"] for case in team.cases_of(team.maintainers[name])}


def test_a_project_intake_guessed_gets_nothing_of_the_case_until_a_coordinator_links_it(team: Team) -> None:
    coordinator, pip, uv = team.coordinator, team.maintainers["pip"], team.maintainers["uv"]
    team.server.deliver(team.server.reports_mailbox, [(_report(), time.time())])
    team.sync(coordinator)
    (case_id,) = [case["id"] for case in team.cases_of(coordinator) if case["title"] == TITLE]
    guessed = case_on(team, coordinator, TITLE)
    assert sorted(i["project"] for i in guessed["impacts"]) == ["pip", "uv"]  # both guessed from the report's text
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.read() as connection:
        ref = case_ref(connection, case_id)
    assert ref is not None and ref.startswith("hash:")

    team.ok(coordinator, "case", case_id, "cell", "pip", "affected")  # a coordinator decides pip is affected
    for station in (coordinator, pip, uv, coordinator, uv):
        team.sync(station)

    assert not _held(team, "uv")
    dump = _store_dump(uv.home, uv.fingerprint, uv.ring.home)
    for trace in (TITLE, REPORTER, "quinn@prober.example", "malicious setup.py", "resolver-sdist"):
        assert trace.lower() not in dump and trace.encode().hex() not in dump, trace
    assert ref.removeprefix("hash:").lower() not in dump  # no event about the report either: they name it so
    # The pip maintainer has it, linked to pip alone: the share names no project a coordinator did not link.
    shared = case_on(team, pip, TITLE)
    assert [(i["project"], i["status"]) for i in shared["impacts"]] == [("pip", "affected")]
    # The coordinator's own matrix keeps the guess; its syncs never find the case again to share it with uv (a sync
    # with nothing to share stays one query that finds nothing).
    assert sorted(i["project"] for i in case_on(team, coordinator, TITLE)["impacts"]) == ["pip", "uv"]
    unlock_store(coordinator.home / "triage.db", coordinator.fingerprint, coordinator.ring.home)
    with Store(coordinator.home / "triage.db") as store, store.read() as connection:
        readers = {"pip": [pip.fingerprint], "uv": [uv.fingerprint]}
        assert cases_to_share(connection, readers, 50, deciders=[coordinator.fingerprint]) == []
        assert shared_with(connection, case_id) == {pip.fingerprint}

    team.ok(coordinator, "case", case_id, "cell", "uv", "investigating")  # now a coordinator links uv
    team.sync(coordinator)
    team.sync(uv)
    team.sync(pip)

    linked = case_on(team, uv, TITLE)
    assert {i["project"]: i["status"] for i in linked["impacts"]}["uv"] == "investigating"
    assert REPORTER in linked["reporter"]
    on_pip = case_on(team, pip, TITLE)
    assert {i["project"]: i["status"] for i in on_pip["impacts"]} == {"pip": "affected", "uv": "investigating"}
    # The pip maintainer's workstation reads the same links off the team's events: their note reaches uv's.
    team.ok(pip, "case", on_pip["id"], "note", "pip 24.1 stops building sdists to resolve")
    team.sync(pip)
    team.sync(uv)
    assert "pip 24.1 stops building sdists to resolve" in notes_of(case_on(team, uv, TITLE))
