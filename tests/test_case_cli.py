"""Tests `triage-tui case CASE_ID ACTION ...`: every decision the screens make, from the command line, writes the event
the service writes (a team event too with team sync on), prints it with --json, and is refused in one line (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gpg_fixtures import GpgWorld, write_team_config
from triage_tui.domain import CaseState, Disposition, ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell
from triage_tui.services.embargo_policy import parse_utc
from triage_tui.services.store_key import unlock_store
from triage_tui.services.triage import Event, TriageService
from triage_tui.store import cipher
from triage_tui.store.store import Store
from ui_fixtures import seeded_store, small_inbox

AUTHOR = "Team"
"""The identity name `write_team_config` writes: who the command line decides as."""
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
TEAM_SOURCES = """
[sources.mailbox]
kind = "imap"
host = "127.0.0.1"
port = 143
security = "none"
username = "team"
password_env = "TT_TEAM_IMAP"
folders = ["INBOX"]

[team]
coordinators = ["{fingerprint}"]
source = "mailbox"
"""


def cli(home: Path, *args: str, stdin: str | None = None, home_first: bool = False) -> subprocess.CompletedProcess[str]:
    where = ["--home", str(home)]
    argv = [*where, *args] if home_first else [*args, *where]
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def decide(home: Path, *args: str, stdin: str | None = None) -> dict[str, Any]:
    done = cli(home, "case", *args, "--json", stdin=stdin)
    assert done.returncode == 0, done.stderr
    event: dict[str, Any] = json.loads(done.stdout)
    return event


def events_of(home: Path, case_id: str) -> list[dict[str, Any]]:
    shown = cli(home, "show", case_id, "--json")
    assert shown.returncode == 0, shown.stderr
    events: list[dict[str, Any]] = json.loads(shown.stdout)["events"]
    return events


def workspace(home: Path, world: GpgWorld, sources: str = "") -> Iterator[Path]:
    write_team_config(home, world, sources)
    database = seeded_store(home / "triage.db", small_inbox())
    unlock_store(database, world.team.fingerprint, world.team.home)  # encrypted here, so this process reads it too
    try:
        yield home
    finally:
        cipher.forget_key(database)


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld) -> Iterator[Path]:
    """A workspace holding the small inbox, without team sync."""
    yield from workspace(tmp_path / "home", gpg_world)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TriageService]:
    """The service on a plain store seeded alike: what the screens' decisions write."""
    with Store(seeded_store(tmp_path / "plain.db", small_inbox())) as store:
        yield TriageService(store, AUTHOR)


Step = tuple[tuple[str, ...], Callable[[TriageService], Event], str | None]
ONE, TWO, FOUR, FIVE, SIX = (f"PSC-2026-000{n}" for n in (1, 2, 4, 5, 6))
STEPS: list[Step] = [
    ((ONE, "state", "triage"), lambda s: s.transition(ONE, CaseState.TRIAGE), None),
    ((ONE, "assign", "team:pip"), lambda s: s.assign(ONE, "team:pip"), None),
    ((ONE, "assign", "none"), lambda s: s.assign(ONE, None), None),
    ((ONE, "label", "+tarfile", "+Needs-Repro"), lambda s: s.set_labels(ONE, ["tarfile", "needs-repro"]), None),
    ((ONE, "label", "-needs-repro", "+wheel"), lambda s: s.set_labels(ONE, ["tarfile", "wheel"]), None),
    ((ONE, "note", "Reproduced.\nSee the trace."), lambda s: s.add_note(ONE, "Reproduced.\nSee the trace."), None),
    ((ONE, "note", "-"), lambda s: s.add_note(ONE, "From stdin\n\u202eline two\n"), "From stdin\n\u202eline two\n"),
    ((ONE, "embargo", "2026-06-01 12:00"), lambda s: s.set_embargo(ONE, parse_utc("2026-06-01 12:00")), None),
    ((ONE, "embargo", "none"), lambda s: s.set_embargo(ONE, None), None),
    # The date and the time as two words, unquoted, as `--help` shows the form.
    ((ONE, "embargo", "2026-06-01", "12:00"), lambda s: s.set_embargo(ONE, parse_utc("2026-06-01 12:00")), None),
    ((ONE, "cvss", VECTOR), lambda s: s.set_severity(ONE, VECTOR), None),
    (
        (ONE, "cell", "pip", "affected", "--ranges", ">=1.0,<1.4; >=2.0,<2.1", "--notes", "since 1.0"),
        lambda s: s.set_impact(
            ONE, "pip", ImpactCell(ImpactStatus.AFFECTED, (">=1.0,<1.4", ">=2.0,<2.1"), "", None, "since 1.0")
        ),
        None,
    ),
    (
        (ONE, "cell", "pip", "fixed", "--ranges", "<24.1", "--fixed", "24.1"),
        lambda s: s.set_impact(ONE, "pip", ImpactCell(ImpactStatus.FIXED, ("<24.1",), "24.1")),
        None,
    ),
    (
        (ONE, "cell", "uv", "not-affected", "--justification", "component_not_present"),
        lambda s: s.set_impact(
            ONE, "uv", ImpactCell(ImpactStatus.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT)
        ),
        None,
    ),
    ((ONE, "unlink", "pip"), lambda s: s.remove_project(ONE, "pip"), None),
    ((ONE, "undo"), lambda s: _undo_written(s, ONE), None),
    ((FOUR, "close", "informative"), lambda s: s.close(FOUR, Disposition.INFORMATIVE), None),
    (
        (FIVE, "close", "not-a-vulnerability", "--reason", "malicious-package"),
        lambda s: s.close(FIVE, Disposition.NOT_A_VULNERABILITY, "malicious-package"),
        None,
    ),
    ((SIX, "duplicate-of", TWO), lambda s: s.mark_duplicate(SIX, TWO), None),
    ((SIX, "undo"), lambda s: _undo_written(s, SIX), None),
]


def _undo_written(service: TriageService, case_id: str) -> Event:
    """The undo event `undo_last` writes (it returns the event undone)."""
    from triage_tui.store.queries import get_case

    undone = service.undo_last(case_id)
    with service.store.read() as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    [undo] = [e for e in detail.events if e.kind == "undo" and e.payload["undoes"] == undone.id]
    return Event(undo.id, case_id, undo.author, undo.at, undo.kind, undo.payload)


def test_every_decision_writes_the_event_the_service_writes_and_prints_it(home: Path, service: TriageService) -> None:
    for args, expected, stdin in STEPS:
        printed = decide(home, *args, stdin=stdin)
        wanted = expected(service)
        assert (printed["case_id"], printed["author"]) == (args[0], AUTHOR), args
        assert (printed["kind"], printed["payload"]) == (wanted.kind, json.loads(json.dumps(wanted.payload))), args
        shown = {event["id"]: event for event in events_of(home, args[0])}
        assert shown[printed["id"]] == {k: v for k, v in printed.items() if k != "case_id"}, args
    # The duplicate's merge event on the case it duplicates, and its undo, were written there too.
    assert [e["kind"] for e in events_of(home, TWO)] == ["merge", "undo"]


def test_without_json_one_line_says_what_was_decided(home: Path) -> None:
    done = cli(home, "case", ONE, "state", "triage")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{ONE}: #1 state: state new → triage"]
    noted = cli(home, "case", ONE, "note", "-", stdin="\x1b[31mred\u202e\nsecond line")
    assert noted.returncode == 0, noted.stderr
    assert "\x1b" not in noted.stdout and "\u202e" not in noted.stdout and len(noted.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((ONE, "state", "published"), f"{ONE} is new; it can move to: triage"),
        (
            (ONE, "state", "done"),
            "not a state: 'done'; one of: new, triage, accepted, fixing, ready, published, closed",
        ),
        ((ONE, "cvss", "CVSS:3.1/AV:X"), "not a valid CVSS 3.1 or 4.0 vector: 'CVSS:3.1/AV:X'"),
        ((ONE, "cell", "nonesuch", "affected"), "no project 'nonesuch' in the store (projects come from the config)"),
        ((ONE, "cell", "pip", "fixed"), "a fixed cell needs the version that fixes it"),
        ((ONE, "cell", "uv", "not-affected", "--justification", "because"), "not a justification: 'because'; one of:"),
        ((ONE, "close", "not-a-vulnerability"), "not-a-vulnerability needs one of: malicious-index"),
        ((ONE, "close", "duplicate"), "use duplicate-of to close a duplicate, so the reporters are merged"),
        ((ONE, "undo"), f"nothing of yours to undo on {ONE}"),
        ((ONE, "unlink", "twine"), f"twine is not linked to {ONE}"),
        ((ONE, "duplicate-of", ONE), "a case cannot duplicate itself"),
        ((ONE, "embargo", "next week"), "not a time: 'next week'; type YYYY-MM-DD HH:MM (UTC)"),
        ((ONE, "embargo", "1999-12-31"), "the embargo end 1999-12-31 00:00 is not between 2000 and 9000"),
        ((ONE, "embargo", "2999-12-31"), "the embargo end 2999-12-31 00:00 UTC is more than 2 years ahead; choose an"),
        ((ONE, "embargo", "2001-01-01"), "the embargo end 2001-01-01 00:00 UTC is before the report was received ("),
        (
            (ONE, "assign", "team:nosuchproject"),
            "team:nosuchproject names no project this workspace knows; the project",
        ),
        (
            (ONE, "embargo", "2026-06-01", "12:00", "UTC"),
            "an embargo end is a date and at most a time, not '2026-06-01 12:00 UTC'",
        ),
        ((ONE, "note", " "), "an empty note is not saved"),
        ((ONE, "label", "wheel"), "a label change is +LABEL (add) or -LABEL (remove), not 'wheel'"),
        ((ONE, "label", "-absent"), "nothing to change"),
        # An unknown case is said to be one, whatever the action (undo said "nothing of yours to undo").
        (("PSC-2099-0001", "state", "triage"), "no case PSC-2099-0001 here"),
        (("PSC-2099-0001", "undo"), "no case PSC-2099-0001 here"),
        (("PSC-2099-0001", "assign", "x"), "no case PSC-2099-0001 here"),
        (("PSC-2099-0001", "note", "x"), "no case PSC-2099-0001 here"),
        (("PSC-2099-0001", "unlink", "pip"), "no case PSC-2099-0001 here"),
    ],
)
def test_a_refused_decision_exits_2_with_the_reason_in_one_line_and_writes_nothing(
    home: Path, args: tuple[str, ...], reason: str
) -> None:
    done = cli(home, "case", *args, "--json")
    assert (done.returncode, done.stdout) == (2, "")
    [line] = done.stderr.splitlines()
    assert line.startswith(f"triage-tui: {reason}"), line
    assert events_of(home, ONE) == []


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("cases", "--state", "bogus"), "bogus is not a state; the states are: new, triage, accepted, fixing, ready,"),
        (("cases", "--project", "nosuch"), "nosuch is not a project this workspace knows; the projects are: pip"),
        (("matrix", "--state", "bogus"), "bogus is not a state; the states are: new, triage,"),
    ],
)
def test_an_unknown_state_or_project_to_list_by_is_refused_naming_the_valid_ones(
    home: Path, args: tuple[str, ...], reason: str
) -> None:
    """Listing by a state or project that does not exist would print nothing and look like "no such cases"."""
    done = cli(home, *args)
    assert (done.returncode, done.stdout) == (2, "")
    [line] = done.stderr.splitlines()
    assert line.startswith(f"triage-tui: {reason}"), line
    assert cli(home, "cases", "--state", "new", "--project", "pip").returncode == 0


def test_cases_with_nothing_to_show_says_so_on_stderr_only(home: Path) -> None:
    """Nothing printed at all looked like a hang or a failure; stdout stays empty for scripts, `--json` is `[]`."""
    listed = cli(home, "cases", "--state", "closed")
    assert (listed.returncode, listed.stdout) == (0, "")
    assert listed.stderr == "triage-tui: no case matches these filters\n"
    as_json = cli(home, "cases", "--state", "closed", "--json")
    assert (as_json.returncode, as_json.stdout.strip(), as_json.stderr) == (0, "[]", "")
    assert cli(home, "cases").stderr == ""  # cases to list: nothing on stderr


def test_an_unknown_case_is_refused_as_show_refuses_it(home: Path) -> None:
    shown = cli(home, "show", "PSC-2099-0001")
    decided = cli(home, "case", "PSC-2099-0001", "assign", "alex")
    assert shown.returncode == decided.returncode == 2


def test_a_refusal_quoting_what_was_typed_acts_on_no_terminal(home: Path) -> None:
    done = cli(home, "case", "\x1b]0;owned\x07\u202eX", "assign", "alex")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert not {"\x1b", "\x07", "\u202e"} & set(done.stderr), done.stderr


def test_a_note_longer_than_the_bound_is_refused_from_stdin(home: Path) -> None:
    done = cli(home, "case", ONE, "note", "-", stdin="x" * (64 * 1024 + 1))
    assert (
        done.returncode == 2
        and done.stderr == "triage-tui: the note on stdin is longer than 64 KiB; nothing was saved\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["case", ONE, "state", "triage", "--json"],
        ["case", "--json", ONE, "state", "triage"],
        ["case", ONE, "--json", "state", "triage"],
    ],
)
@pytest.mark.parametrize("home_first", [True, False])
def test_home_and_json_work_before_or_after_the_sub_command(home: Path, argv: list[str], home_first: bool) -> None:
    done = cli(home, *argv, home_first=home_first)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["payload"] == {"changes": {"state": ["new", "triage"]}}


def test_an_unknown_option_is_a_usage_error_outside_label(home: Path) -> None:
    done = cli(home, "case", ONE, "state", "triage", "-x")
    assert done.returncode == 2 and "unrecognized arguments: -x" in done.stderr
    assert events_of(home, ONE) == []


def test_with_team_sync_the_decision_is_a_team_event_too(tmp_path: Path, gpg_world: GpgWorld) -> None:
    from triage_tui.store.team_log_store import unsent_bodies
    from triage_tui.team.events import decode

    sources = TEAM_SOURCES.format(fingerprint=gpg_world.team.fingerprint)
    for team_home in workspace(tmp_path / "team", gpg_world, sources):
        printed = decide(team_home, ONE, "state", "triage")
        with Store(team_home / "triage.db") as store, store.read() as connection:
            [(case_id, body)] = unsent_bodies(connection)  # signed and sent by the next sync
        event = decode(body)
        assert case_id == ONE
        assert (event.kind, event.author, event.changes) == (
            "state",
            gpg_world.team.fingerprint,
            printed_changes(printed),
        )


def printed_changes(printed: dict[str, Any]) -> dict[str, tuple[object, object]]:
    return {name: (old, new) for name, (old, new) in printed["payload"]["changes"].items()}


def test_every_decision_prints_its_changes_in_words_never_a_repr_or_a_field_name(home: Path) -> None:
    printed = []
    for args, _expected, stdin in STEPS:
        done = cli(home, "case", *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout)
    for line in printed:
        for raw in ("None", "_until", "_reason", "_vector", "[(", "{'", '["'):
            assert raw not in line, (raw, line)
    text = "".join(printed)
    assert "assignee team:pip → nobody" in text
    assert "embargo end none → 2026-06-01 12:00 UTC" in text
    assert "embargo end 2026-06-01 12:00 UTC → none" in text
