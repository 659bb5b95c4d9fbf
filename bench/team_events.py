"""Measures applying team events: 10,000 received events (state changes, labels, impact cells and notes over 1,000
cases) applied to a store that has the cases but no decisions yet, against inserting the same changes directly
(one UPDATE or INSERT per change, and the timeline rows). Target: applying takes <= 2x the direct inserts.

Both start from a copy of the same store; crypto is not timed (the events arrive opened and judged).
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
from datetime import UTC, datetime
from pathlib import Path

from startup import build_store, close_workspace

from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive

AUTHORS = ["A" * 40, "B" * 40, "C" * 40]
STATES = ["new", "triage", "accepted", "fixing", "ready"]
LABELS = ["tarfile", "wheel", "ci", "regression", "sdist"]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def make_events(refs: dict[str, str], count: int, rng: random.Random) -> list[TeamEvent]:
    """`count` decisions over the cases of `refs` (case id -> its team reference, as every local decision has)."""
    events = []
    case_ids = sorted(refs)
    for n in range(count):
        case_id = rng.choice(case_ids)
        at = Timestamp(1_780_000_000_000 + n, 0)
        author = rng.choice(AUTHORS)
        kind = rng.choice(["state", "labels", "impact", "note"])
        if kind == "state":
            changes = {"state": (rng.choice(STATES), rng.choice(STATES))}
            events.append(TeamEvent(case_id, author, at, kind, changes, ref=refs[case_id]))
        elif kind == "labels":
            old = sorted(rng.sample(LABELS, 2))
            changes = {"labels": (old, sorted(rng.sample(LABELS, 2)))}
            events.append(TeamEvent(case_id, author, at, kind, changes, ref=refs[case_id]))
        elif kind == "impact":
            cell = rng.choice(
                [
                    {"status": "affected", "ranges": []},
                    {"status": "investigating", "ranges": []},
                    {"status": "not-affected", "ranges": [], "justification": "component_not_present"},
                ]
            )
            impacts = {rng.choice(["pip", "uv"]): cell}
            events.append(TeamEvent(case_id, author, at, kind, impacts=impacts, ref=refs[case_id]))
        else:
            events.append(TeamEvent(case_id, author, at, kind, note=f"note {n}", ref=refs[case_id]))
    return events


def apply_events(database: Path, events: list[TeamEvent]) -> float:
    with Store(database) as store:
        _ = store.engine  # built before the clock starts: opening the store is not what is measured
        started = time.perf_counter()
        with store.write() as connection:
            receive(connection, [Opened(event, event.author, None) for event in events], NOW)
        return time.perf_counter() - started


def insert_directly(database: Path, events: list[TeamEvent]) -> float:
    """The same changes written straight to the tables, with their timeline rows (what a local decision costs)."""
    connection = sqlite3.connect(database)
    started = time.perf_counter()
    with connection:
        for event in events:
            for name, (_old, new) in event.changes.items():
                value = json.dumps(new) if name == "labels" else new
                connection.execute(f"UPDATE cases SET {name} = ?, updated_at = ? WHERE id = ?",
                                   (value, NOW.isoformat(), event.case_id))  # fmt: skip
            for project, cell in event.impacts.items():
                connection.execute(
                    "INSERT INTO impacts (case_id, project_id, status, ranges, notes, set_at) "
                    "VALUES (?, ?, ?, ?, '', ?) "
                    "ON CONFLICT (case_id, project_id) DO UPDATE SET status = excluded.status",
                    (event.case_id, project, cell["status"], "[]", NOW.isoformat()),
                )
            payload = json.dumps({"text": event.note} if event.note else {"changes": event.changes}, default=list)
            connection.execute(
                "INSERT INTO events (case_id, author, at, kind, payload) VALUES (?, ?, ?, ?, ?)",
                (event.case_id, event.author, NOW.isoformat(), event.kind, payload),
            )
            connection.execute(
                "INSERT INTO team_events (id, case_id, author, at, kind, body, origin, status, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'received', 'applied', ?)",
                (event.id, event.case_id, event.author, event.at.text(), event.kind, event.encode(), NOW.isoformat()),
            )
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-team-bench") as folder:
        home = Path(folder) / "base"
        build_store(home, args.cases, encrypted=False)
        close_workspace(home)  # no gpg from here on
        base = home / "triage.db"
        with sqlite3.connect(base) as connection:
            # Each case as the team names it (`team_log.case_ref`: a one-message case's content hash).
            rows = connection.execute("SELECT case_id, content_hash FROM messages")
            refs = {case_id: f"hash:{content_hash}" for case_id, content_hash in rows}
        events = make_events(refs, args.events, random.Random(7))
        applied, direct = [], []
        for run in range(args.runs):
            for timings, how in ((applied, apply_events), (direct, insert_directly)):
                copy = Path(folder) / f"run-{run}-{how.__name__}.db"
                shutil.copy(base, copy)
                timings.append(how(copy, events))
        a, d = statistics.median(applied), statistics.median(direct)
        print(f"{args.events} events over {args.cases} cases")
        print(f"apply as team events: median {a:.2f} s ({', '.join(f'{t:.2f}' for t in applied)})")
        print(f"insert directly:      median {d:.2f} s ({', '.join(f'{t:.2f}' for t in direct)})")
        print(f"ratio {a / d:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
