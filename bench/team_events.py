"""Measures applying team events: 10,000 received events (state changes, labels, impact cells and notes over 1,000
cases) applied to a store that has the cases but no decisions yet, against inserting the same changes directly
(one UPDATE or INSERT per change, and the timeline rows). Targets: with the roster checks <= 1.5x the direct
inserts (without them, as first measured, <= 2x). The direct inserts are timed twice: through Python's sqlite3
module (the baseline as first measured) and through the store's own driver and pragmas (sqlcipher3, foreign keys
on), which the applied paths write through.

Two applied paths, each from a copy of the same store:
- without the roster: the events handed to `receive` in one transaction, unjudged (the first measurement);
- with the roster checks, as a real team has them: a signed roster (a founding coordinator, a second coordinator,
  maintainers of pip, uv and poetry, real keys) folded in the store; the events come from all of them, in batches
  of `transport.APPLY_BATCH_EVENTS` as a team sync applies them (fetched in rounds of `PULL_GROUP_MESSAGES`, applied
  a batch at a time, each batch in one write transaction with the cursor), and each batch goes through the
  functions the transport uses (`judge_round`, whose `judge_received` judges each event against
  `roster_at(event.at)` and the rights rule, then `receive` and `settle`, told which roster events the batch kept,
  as the transport tells it, so a roster change judges again only the events from its first change on). The stream
  also carries roster changes: the pip maintainer's key rotation midway (their later events are signed by the new
  key) and a second uv maintainer added late.
Decryption and signature verification by gpg are not timed (the events arrive opened); the key material of the
roster events in the stream is checked and imported by gpg as on receipt.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gnupg
from startup import build_store, close_workspace

from triage_tui.demo.keys import generate_keys, kill_agent, open_gpg, short_home
from triage_tui.demo.people import Person
from triage_tui.store import cipher
from triage_tui.store.connection import apply_pragmas
from triage_tui.store.ingest import save_cursor
from triage_tui.store.store import Store
from triage_tui.store.team_log_store import IGNORED_SOURCE
from triage_tui.team.collector_pause import collector_paused
from triage_tui.team.envelope import Opened, TeamRoles
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent, decode
from triage_tui.team.hlc import Timestamp
from triage_tui.team.memos import forget_all
from triage_tui.team.receive import receive
from triage_tui.team.roster_keys import sign_rotation
from triage_tui.team.roster_receipt import JudgedOn, batch_history, judge_round, load_history, settle
from triage_tui.team.transport import APPLY_BATCH_EVENTS, PULL_GROUP_MESSAGES

STATES = ["new", "triage", "accepted", "fixing", "ready"]
LABELS = ["tarfile", "wheel", "ci", "regression", "sdist"]
PROJECTS = ["pip", "uv", "poetry"]
CELLS = [
    {"status": "affected", "ranges": []},
    {"status": "investigating", "ranges": []},
    {"status": "not-affected", "ranges": [], "justification": "component_not_present"},
]
NOW = datetime(2026, 6, 1, tzinfo=UTC)
T0 = 1_780_000_000_000
"""The first event's time (ms); the roster was made a day before."""
NO_CONFIG_ROLES = TeamRoles(frozenset())
"""Once the roster exists it alone decides: the config names only the founder."""


@dataclass(frozen=True)
class Team:
    """The members' keys (one keyring holds every secret key, so rotations can be proved) and the roster events."""

    ring: gnupg.GPG
    home: Path
    c: str
    d: str
    maintainers: dict[str, str]
    """Project -> its maintainer's first key."""
    p2: str
    """The pip maintainer's next key."""
    v: str
    """The second uv maintainer, added late."""

    def add(self, author: str, member: str, role: str, projects: Sequence[str], at: Timestamp) -> TeamEvent:
        spec = {
            "name": f"M {member[:6]}", "email": f"{member[:6].lower()}@team.example", "role": role,
            "projects": sorted(projects), "imap_user": None, "fingerprint": member,
            "key": str(self.ring.export_keys(member)),
        }  # fmt: skip
        return TeamEvent(ROSTER_CASE, author, at, "member-add", roster={"member": spec})

    def rotate(self, old: str, new: str, at: Timestamp) -> TeamEvent:
        proof = sign_rotation(self.ring, old, new, at)
        change = {"old": old, "new": new, "key": str(self.ring.export_keys(new)), "proof": proof}
        return TeamEvent(ROSTER_CASE, old, at, "key-rotate", roster=change)


def make_team(folder: Path) -> Team:
    home = short_home(folder / "team-keys")
    ring = open_gpg(home)
    names = ["c", "d", "pip", "uv", "poetry", "pip2", "uv2"]
    keys = generate_keys(ring, [Person(name, f"{name}@team.example") for name in names])
    fpr = {name: keys[f"{name}@team.example"] for name in names}
    maintainers = {p: fpr[p] for p in PROJECTS}
    return Team(ring, home, fpr["c"], fpr["d"], maintainers, fpr["pip2"], fpr["uv2"])


def founding_roster(team: Team) -> list[TeamEvent]:
    """The roster kept before the events: the founder, a second coordinator and one maintainer per project."""
    day_before = T0 - 86_400_000
    events = [team.add(team.c, team.c, "coordinator", [], Timestamp(day_before, 0))]
    events.append(team.add(team.c, team.d, "coordinator", [], Timestamp(day_before + 1, 0)))
    for n, (project, key) in enumerate(team.maintainers.items()):
        events.append(team.add(team.d, key, "maintainer", [project], Timestamp(day_before + 2 + n, 0)))
    return events


def make_events(
    team: Team, refs: dict[str, str], linked: dict[str, str], count: int, rng: random.Random
) -> list[TeamEvent]:
    """`count` case decisions over the cases of `refs` (case id -> its team reference) in time order, from every
    member within their rights (coordinators decide anything; a maintainer sets their project's cells and adds notes
    on their project's cases), with the pip key rotation at the middle and the second uv maintainer's addition at
    three quarters among them. Each names its case as a team with a roster sends it: by its ref alone
    (`team_log.team_named`)."""
    rotation, addition = count // 2, count * 3 // 4
    by_project = {p: sorted(c for c, linked_to in linked.items() if linked_to == p) for p in PROJECTS}
    events = []
    for n in range(count):
        at = Timestamp(T0 + n, 0)
        if n == rotation:
            events.append(team.rotate(team.maintainers["pip"], team.p2, Timestamp(T0 + n, 1)))
        if n == addition:
            events.append(team.add(team.c, team.v, "maintainer", ["uv"], Timestamp(T0 + n, 1)))
        if rng.random() < 0.5:
            author = rng.choice([team.c, team.d])
            case_id = rng.choice(sorted(refs))
            kind = rng.choice(["state", "labels", "impact", "note"])
        else:
            project = rng.choice(PROJECTS)
            author = team.maintainers[project]
            if project == "pip" and n > rotation:
                author = team.p2
            elif project == "uv" and n > addition and rng.random() < 0.5:
                author = team.v
            case_id = rng.choice(by_project[project])
            kind = rng.choice(["impact", "note"])
        ref = refs[case_id]  # the case as the team names it: its ref, also as the event's case
        if kind == "state":
            changes = {"state": (rng.choice(STATES), rng.choice(STATES))}
            events.append(TeamEvent(ref, author, at, kind, changes, ref=ref))
        elif kind == "labels":
            changes = {"labels": (sorted(rng.sample(LABELS, 2)), sorted(rng.sample(LABELS, 2)))}
            events.append(TeamEvent(ref, author, at, kind, changes, ref=ref))
        elif kind == "impact":
            project = linked[case_id] if author not in (team.c, team.d) else rng.choice(PROJECTS)
            events.append(TeamEvent(ref, author, at, kind, impacts={project: rng.choice(CELLS)}, ref=ref))
        else:
            events.append(TeamEvent(ref, author, at, kind, note=f"note {n}", ref=ref))
    return events


def opened_forms(events: list[TeamEvent]) -> list[TeamEvent]:
    """Each event as opening its envelope gives it: decoded from its bytes (part of opening, not timed)."""
    return [decode(event.encode()) for event in events]


def apply_unjudged(
    database: Path, events: list[TeamEvent], _gpg: gnupg.GPG, _founders: list[str], _here: Mapping[str, str]
) -> float:
    """The first measurement: every case event handed to `receive` in one transaction, no judgement."""
    case_events = opened_forms([event for event in events if event.roster is None])
    with Store(database) as store:
        _ = store.engine  # built before the clock starts: opening the store is not what is measured
        started = time.perf_counter()
        with collector_paused(), store.write() as connection:  # as `TeamTransport._apply` applies each batch
            receive(connection, [Opened(event, event.author, None) for event in case_events], NOW)
        return time.perf_counter() - started


def apply_with_roster(
    database: Path, events: list[TeamEvent], gpg: gnupg.GPG, founders: list[str], _here: Mapping[str, str]
) -> float:
    """A team sync's batches without the IMAP and gpg parts: per batch, the roster loaded and each event judged
    (`judge_round`), then kept and applied (`receive`) and the roster settled (`settle`) in one transaction with
    the cursor (as `TeamTransport._apply`)."""
    received = [Opened(event, event.author, None) for event in opened_forms(events)]  # as opening gives them
    with Store(database) as store:
        _ = store.engine
        started = time.perf_counter()
        for start in range(0, len(received), APPLY_BATCH_EVENTS):
            with collector_paused():  # as `TeamTransport._apply` applies each batch
                opened = received[start : start + APPLY_BATCH_EVENTS]
                cursor = {"uidvalidity": 1, "last_uid": start + len(opened)}
                with store.read() as connection:
                    roster = batch_history(connection, founders, opened)
                    judged_on: dict[str, JudgedOn] = {}
                    judged = judge_round(gpg, opened, NO_CONFIG_ROLES, roster, judged_on)
                with store.write() as connection:
                    receive(connection, judged, datetime.now(UTC), roster=roster)
                    new = [v.event.id for v in judged if v.event is not None and v.event.roster is not None]
                    settle(connection, gpg, founders, NO_CONFIG_ROLES, datetime.now(UTC), fresh=bool(new), new=new,
                           judged_under=roster, judged_on=judged_on)  # fmt: skip
                    save_cursor(connection, "team", "Team/pip", cursor, datetime.now(UTC))
        seconds = time.perf_counter() - started
        with store.read() as connection:
            refused = connection.execute(
                "SELECT count(*), min(reason) FROM team_events WHERE status != 'applied' AND origin = 'received'"
            ).fetchone()
            ignored = connection.execute(
                "SELECT count(*) FROM intake_failures WHERE source = ?", (IGNORED_SOURCE,)
            ).fetchone()[0]
        if refused[0]:  # every event is within its author's rights: a refusal means the measurement is wrong
            raise SystemExit(f"{refused[0]} events refused, e.g. {refused[1]}")
        if ignored:  # every maintainer's cell is on a project a coordinator linked
            raise SystemExit(f"{ignored} cells ignored")
        return seconds


def insert_directly(
    database: Path, events: list[TeamEvent], _gpg: gnupg.GPG, _founders: list[str], here: Mapping[str, str]
) -> float:
    """The same changes written straight to the tables, with their timeline rows (what a local decision costs), on
    each case here (`here`: ref -> case id, as a receiving workstation stores them), through Python's own sqlite3
    module (the baseline as first measured)."""
    return _insert(sqlite3.connect(database), events, here)


def insert_through_store_driver(
    database: Path, events: list[TeamEvent], _gpg: gnupg.GPG, _founders: list[str], here: Mapping[str, str]
) -> float:
    """The same, through the connection the store opens (the sqlcipher3 module and the store's pragmas: foreign keys
    on, as every write of the store has them): what the same writes cost the store itself."""
    connection = cipher.connect(database)
    apply_pragmas(connection)
    return _insert(connection, events, here)


def _insert(connection: sqlite3.Connection, events: list[TeamEvent], here: Mapping[str, str]) -> float:
    started = time.perf_counter()
    with connection:
        for event in events:
            if event.roster is not None:
                continue
            case_id = here[event.case_id]
            for name, (_old, new) in event.changes.items():
                value = json.dumps(new) if name == "labels" else new
                connection.execute(f"UPDATE cases SET {name} = ?, updated_at = ? WHERE id = ?",
                                   (value, NOW.isoformat(), case_id))  # fmt: skip
            for project, cell in event.impacts.items():
                connection.execute(
                    "INSERT INTO impacts (case_id, project_id, status, ranges, notes, set_at) "
                    "VALUES (?, ?, ?, ?, '', ?) "
                    "ON CONFLICT (case_id, project_id) DO UPDATE SET status = excluded.status",
                    (case_id, project, cell["status"], "[]", NOW.isoformat()),
                )
            payload = json.dumps({"text": event.note} if event.note else {"changes": event.changes}, default=list)
            connection.execute(
                "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, ?, ?, ?, ?)",
                (case_id, event.author, NOW.isoformat(), event.kind, payload),
            )
            connection.execute(
                "INSERT INTO team_events (id, case_id, author, at, kind, body, origin, status, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'received', 'applied', ?)",
                (event.id, case_id, event.author, event.at.text(), event.kind, event.encode(), NOW.isoformat()),
            )
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def prepare(folder: Path, cases: int, team: Team) -> tuple[Path, Path, dict[str, str], dict[str, str]]:
    """The base store (the cases, the founding roster kept, and each case linked to one of the projects by a
    coordinator's event received before, as a real team's cases are: a maintainer's cell counts only on a project a
    coordinator linked) and the receiving workstation's keyring; each case's ref and linked project."""
    home = folder / "base"
    build_store(home, cases, encrypted=False)
    close_workspace(home)  # no gpg from here on
    base = home / "triage.db"
    with sqlite3.connect(base) as connection:
        # Each case as the team names it (`team_log.case_ref`: a one-message case's content hash).
        rows = connection.execute("SELECT case_id, content_hash FROM messages ORDER BY case_id").fetchall()
        refs = {case_id: f"hash:{content_hash}" for case_id, content_hash in rows}
        linked = {case_id: PROJECTS[n % len(PROJECTS)] for n, case_id in enumerate(sorted(refs))}
    receiver = short_home(folder / "receiver")
    gpg = open_gpg(receiver)
    with Store(base) as store, store.write() as connection:
        founders = [team.c]
        judged = judge_round(
            gpg, [Opened(e, e.author, None) for e in founding_roster(team)], NO_CONFIG_ROLES,
            load_history(connection, founders), {},
        )  # fmt: skip
        receive(connection, judged, NOW)
        history = settle(connection, gpg, founders, NO_CONFIG_ROLES, NOW).history
        if not history.exists:
            raise SystemExit("the founding roster was not accepted")
        links = [
            TeamEvent(refs[case_id], team.c, Timestamp(T0 - 3_600_000 + n, 0), "impact",
                      impacts={project: {"status": "investigating", "ranges": []}}, ref=refs[case_id])
            for n, (case_id, project) in enumerate(sorted(linked.items()))
        ]  # fmt: skip
        judged = judge_round(gpg, [Opened(e, e.author, None) for e in links], NO_CONFIG_ROLES, history, {})
        receive(connection, judged, NOW, roster=history)
    kill_agent(receiver)
    return base, receiver, refs, linked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-team-bench") as name:
        folder = Path(name)
        team = make_team(folder)
        try:
            base, receiver, refs, linked = prepare(folder, args.cases, team)
            events = make_events(team, refs, linked, args.events, random.Random(7))
        finally:
            kill_agent(team.home)
        here = {ref: case_id for case_id, ref in refs.items()}
        paths: list[tuple[str, Callable[[Path, list[TeamEvent], gnupg.GPG, list[str], Mapping[str, str]], float]]] = [
            ("apply, no roster", apply_unjudged),
            ("apply with roster checks", apply_with_roster),
            ("insert directly", insert_directly),
            ("insert, store's driver", insert_through_store_driver),
        ]
        timings: dict[str, list[float]] = {label: [] for label, _ in paths}
        for run in range(args.runs):
            for label, how in paths:
                copy = folder / f"run-{run}-{how.__name__}.db"
                shutil.copy(base, copy)
                keyring = folder / f"ring-{run}-{how.__name__}"  # each run starts from the same keyring
                shutil.copytree(receiver, keyring, ignore=shutil.ignore_patterns("S.*"))
                forget_all()  # each run applies the events as a sync process that never saw them does
                try:
                    timings[label].append(how(copy, events, open_gpg(keyring), [team.c], here))
                finally:
                    kill_agent(keyring)
        medians = {label: statistics.median(times) for label, times in timings.items()}
        roster_events = sum(1 for event in events if event.roster is not None)
        print(f"{args.events} case events over {args.cases} cases, from 6 members (2 coordinators, 4")
        print(f"maintainers of {', '.join(PROJECTS)}), and {roster_events} roster changes among them; decryption")
        print(f"and signature verification by gpg not timed; fetched {PULL_GROUP_MESSAGES} at a time, applied in")
        print(f"batches of {APPLY_BATCH_EVENTS} events (one write transaction each, with the cursor)")
        for label, times in timings.items():
            print(f"{label + ':':26} median {medians[label]:.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
        direct = medians["insert directly"]
        print(f"ratio without the roster:   {medians['apply, no roster'] / direct:.2f}x (target <= 2x)")
        print(f"ratio with roster checks:   {medians['apply with roster checks'] / direct:.2f}x (target <= 1.5x)")
        same_driver = medians["insert, store's driver"]
        print("the same, against the inserts through the store's driver (sqlcipher3, foreign keys on):")
        print(f"  without the roster:       {medians['apply, no roster'] / same_driver:.2f}x")
        print(f"  with roster checks:       {medians['apply with roster checks'] / same_driver:.2f}x")


if __name__ == "__main__":
    main()
