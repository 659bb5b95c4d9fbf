"""Acceptance of rights and problems on a team onboarded from the command line, on a real access-controlled Dovecot:
a maintainer's embargo change, state change and other project's cell are refused locally (exit 2 naming the rule)
and, sent anyway by an altered client, refused on every workstation that receives them; a missing recipient key, a
refused ACL and an unreachable server are each one line of `triage-tui sync`."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

from onboarding_fixtures import BOTH_CASE_TITLE, PIP_CASE_TITLE, Team, case_on, rejected_on
from triage_tui.config import load_config
from triage_tui.domain import CaseState, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.store_key import unlock_store
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store
from triage_tui.team.rights import CHANGES_RULE
from triage_tui.team.sharing import TeamSharer
from triage_tui.team.sync_outcome import ACCESS_HINT

REFUSED = {
    "embargo": (("embargo", "2030-01-01"), f"a maintainer may not change embargo_until: {CHANGES_RULE}"),
    "state": (("state", "triage"), f"a maintainer may not change state: {CHANGES_RULE}"),
    "cell": (("cell", "uv", "affected"), "a maintainer sets their own projects' cells only: not a maintainer of uv"),
}


def test_a_maintainers_embargo_state_and_other_projects_cell_are_refused_locally_with_exit_2(team: Team) -> None:
    pip = team.maintainers["pip"]
    case = case_on(team, pip, PIP_CASE_TITLE)["id"]
    both = case_on(team, pip, BOTH_CASE_TITLE)["id"]  # linked to uv too: the uv cell is there to be refused
    for name, (action, rule) in REFUSED.items():
        done = team.cli(pip, "case", both if name == "cell" else case, *action)

        assert done.returncode == 2, (action, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and rule in done.stderr, done.stderr
    assert case_on(team, pip, PIP_CASE_TITLE)["state"] == "new"


def test_what_an_altered_maintainers_client_sends_beyond_its_rights_is_refused_everywhere(team: Team) -> None:
    pip, coordinator = team.maintainers["pip"], team.coordinator
    case = case_on(team, pip, PIP_CASE_TITLE)["id"]
    both = case_on(team, pip, BOTH_CASE_TITLE)["id"]  # a coordinator linked it to uv too: uv's maintainers read it
    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    # A client without the local check (no roles given to its sharer) records, signs and sends what it likes.
    with Store(pip.home / "triage.db") as store:
        altered = TriageService(store, "pip", sharer=TeamSharer(pip.fingerprint))
        altered.set_embargo(case, datetime.now(UTC).replace(microsecond=0) + timedelta(days=60))
        altered.transition(case, CaseState.TRIAGE)
        altered.set_impact(both, "uv", ImpactCell(ImpactStatus.AFFECTED))
    # `team invite` gave the maintainer `i` on every other project's folder: an event of the case linked to both goes
    # to the uv maintainers too.
    team.sync(pip)  # sent to Team/coordinators, Team/pip (read back here too) and Team/uv
    team.sync(coordinator)
    team.sync(pip)

    on_coordinator = case_on(team, coordinator, PIP_CASE_TITLE)
    assert on_coordinator["state"] == "new" and on_coordinator["embargo_until"] is None
    assert [i["project"] for i in on_coordinator["impacts"]] == ["pip"]
    cells = {i["project"]: i["status"] for i in case_on(team, coordinator, BOTH_CASE_TITLE)["impacts"]}
    assert cells == {"pip": "investigating", "uv": "investigating"}
    # Listed under R with the rule each broke (the pip maintainer's own workstation skips its own events read back).
    reasons = sorted(reason for _kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint)
    assert len(reasons) == 3, reasons
    for _action, rule in REFUSED.values():
        assert any(rule in reason for reason in reasons), (rule, reasons)
    # The uv maintainer, who receives the uv cell, refuses it too and holds nothing of the pip-only case.
    uv = team.maintainers["uv"]
    team.sync(uv)
    refused_on_uv = [reason for _kind, author, reason in rejected_on(uv) if author == pip.fingerprint]
    # Each for the rule it breaks, judged from the event alone as on the coordinator's workstation.
    assert refused_on_uv and all(any(rule in reason for _a, rule in REFUSED.values()) for reason in refused_on_uv)
    assert PIP_CASE_TITLE not in [case["title"] for case in team.cases_of(uv)]


def _sync_lines(team: Team, station_name: str) -> tuple[int, list[str]]:
    station = team.coordinator if station_name == "coordinator" else team.maintainers[station_name]
    done = team.cli(station, "sync")
    problems = [line.strip() for line in done.stderr.splitlines() if line.startswith("  ")]
    return done.returncode, problems


def test_a_missing_key_a_refused_acl_and_an_unreachable_server_are_one_line_each(team: Team) -> None:
    pip, coordinator = team.maintainers["pip"], team.coordinator
    # The coordinator's keyring loses the pip maintainer's key: their events wait, naming it.
    subprocess.run(
        ["gpg", "--homedir", str(coordinator.ring.home), "--batch", "--yes", "--delete-keys", pip.fingerprint],
        check=True,
        capture_output=True,
    )
    team.ok(coordinator, "case", team.cases[PIP_CASE_TITLE], "note", "waits for the pip key")

    code, lines = _sync_lines(team, "coordinator")

    assert code == 1
    (line,) = lines
    assert line.startswith("1 team event waits for a usable key:") and pip.fingerprint in line

    # The admin takes the pip maintainer's rights on their folder away.
    admin = load_config(coordinator.home / "config.toml").team
    assert admin is not None and admin.server is not None
    team.server.doveadm("acl", "delete", "-u", admin.server.username, "Team/pip", "user=pipm")

    code, lines = _sync_lines(team, "pip")

    assert code == 1
    where = f"{team.server.host}:{team.server.port}"
    assert lines == [
        f"team folder 'Team/pip' on {where} does not exist or may not be read (Mailbox doesn't exist: Team/pip); "
        f"ask the server's admin; {ACCESS_HINT}"  # its only folder refused: it may have been removed
    ]

    team.server.stop()
    code, lines = _sync_lines(team, "pip")

    assert code == 1
    (line,) = lines
    assert where in line or team.server.host in line, line


def test_a_maintainers_unlink_is_refused_alike_everywhere_and_the_role_rule_is_said_first(team: Team) -> None:
    """Links are coordinators' decisions: a maintainer's unlink of their own project is refused locally naming that
    rule and, sent anyway, refused by the coordinator's workstation with the same reason (judged from the event and
    the roster alone, not from the case's projects there); a state the lifecycle would not allow either is refused
    for whose decision it is first."""
    pip, coordinator = team.maintainers["pip"], team.coordinator
    case = case_on(team, pip, PIP_CASE_TITLE)["id"]
    links_rule = "only coordinators link or unlink projects"

    unlinked = team.cli(pip, "case", case, "unlink", "pip")
    assert unlinked.returncode == 2 and links_rule in unlinked.stderr, unlinked.stderr
    accepted = team.cli(pip, "case", case, "state", "accepted")  # a new case moves to triage only
    assert accepted.returncode == 2 and f"a maintainer may not change state: {CHANGES_RULE}" in accepted.stderr
    assert "it can move to" not in accepted.stderr, accepted.stderr

    unlock_store(pip.home / "triage.db", pip.fingerprint, pip.ring.home)
    with Store(pip.home / "triage.db") as store:  # an altered client: no local check
        TriageService(store, "pip", sharer=TeamSharer(pip.fingerprint)).remove_project(case, "pip")
    team.sync(pip)
    team.sync(coordinator)

    assert [i["project"] for i in case_on(team, coordinator, PIP_CASE_TITLE)["impacts"]] == ["pip"]
    (reason,) = [reason for _kind, author, reason in rejected_on(coordinator) if author == pip.fingerprint]
    assert reason == f"beyond its author's rights: {links_rule}: a maintainer may not unlink pip"
