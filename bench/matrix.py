"""Measures the impact matrix: computing it over 100k cases (column totals and the first page of rows with their
cells), and the key to the painted matrix screen for 500 cases x 20 projects (Pilot-driven).

Cells are spread the way a busy team's are: most cases never checked, a fifth with 1-4 projects in some state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from startup import bench_message, close_workspace, new_workspace, store_all
from triage_inbox import Probe, _quantiles

from triage_tui.domain import ImpactStatus, Signature

STATUSES = [s.value for s in ImpactStatus if s != ImpactStatus.UNKNOWN]
CHECKED_SHARE = 0.2


def fill_cells(database: Path, rng: random.Random) -> int:
    """Give a fifth of the cases cells on 1-4 projects, each rule-abiding; how many cells were written."""
    connection = sqlite3.connect(database)
    projects = [row[0] for row in connection.execute("SELECT id FROM projects")]
    cases = [row[0] for row in connection.execute("SELECT id FROM cases")]
    rows = []
    for case_id in cases:
        if rng.random() >= CHECKED_SHARE:
            continue
        for project in rng.sample(projects, rng.randint(1, min(4, len(projects)))):
            status = rng.choice(STATUSES)
            fixed = "2.1" if status == "fixed" else None
            justification = "component_not_present" if status == "not-affected" else None
            ranges = '["<2.1"]' if status in ("affected", "fixed", "fix-in-progress", "wont-fix") else "[]"
            rows.append((case_id, project, status, ranges, fixed, justification, "", "bench", "2026-01-01 00:00:00"))
    with connection:
        connection.executemany(
            "INSERT OR REPLACE INTO impacts (case_id, project_id, status, ranges, fixed_version, justification, notes, "
            "set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.close()
    return len(rows)


def build(home: Path, cases: int, projects: list[str]) -> None:
    store, configured = new_workspace(home, projects, encrypted=False)
    close_workspace(home)  # the store stays plain: no gpg from here on
    start = datetime(2015, 1, 1, tzinfo=UTC)
    messages = (
        bench_message(n, f"{projects[n % len(projects)]}: report {n}", f"report {n}", start + timedelta(hours=n),
                      Signature.GOOD)
        for n in range(cases)
    )  # fmt: skip
    store_all(store, messages, configured)
    fill_cells(home / "triage.db", random.Random(5))


def compute_ms(home: Path, runs: int) -> dict[str, list[float]]:
    """The reads the matrix screen makes: its first read (rows, count, column totals) and a further page."""
    from triage_tui.store.queries import CaseFilter
    from triage_tui.store.reads import StoreReads
    from triage_tui.store.store import Store
    from triage_tui.widgets.matrix_grid import PAGE_ROWS

    reads = StoreReads(Store(home / "triage.db"))
    timings: dict[str, list[float]] = {"first read": [], "next page": []}
    for _ in range(runs + 2):
        began = time.perf_counter()
        reads.matrix(CaseFilter(), PAGE_ROWS)  # rows, projects, count and totals, as the screen opens
        middle = time.perf_counter()
        reads.matrix_page(CaseFilter(), PAGE_ROWS, PAGE_ROWS)  # a page read as the grid scrolls
        ended = time.perf_counter()
        timings["first read"].append((middle - began) * 1000)
        timings["next page"].append((ended - middle) * 1000)
    reads.close()
    return {name: values[2:] for name, values in timings.items()}  # the first two warm the caches


async def _render_session(home: Path, runs: int) -> list[float]:
    from triage_tui.app import TriageApp
    from triage_tui.config import load_config
    from triage_tui.screens.inbox import InboxScreen
    from triage_tui.screens.matrix import MatrixScreen
    from triage_tui.widgets.case_list import CaseList
    from triage_tui.widgets.matrix_grid import MatrixGrid

    app = TriageApp(home / "triage.db", load_config(home / "config.toml"))
    shown: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        probe = Probe(app)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        while not (inbox.query_one(CaseList).count and inbox.count is not None):
            await asyncio.sleep(0.005)

        def painted() -> bool:
            screen = app.screen
            return isinstance(screen, MatrixScreen) and screen.query_one(MatrixGrid).count > 0

        for _ in range(runs):
            await pilot.pause(0.05)
            wall, _cpu = await probe.key("m", painted)
            shown.append(wall)
            await pilot.press("escape")
            while not isinstance(app.screen, InboxScreen):
                await asyncio.sleep(0.005)
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--store", type=Path, help="reuse (or build once into) this workspace for the 100k reads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-matrix-") as scratch:
        big = args.store or Path(scratch) / "big"
        if not (big / "triage.db").exists():
            began = time.perf_counter()
            build(big, args.cases, [f"tool{n:02d}" for n in range(9)])
            print(f"built a store of {args.cases} cases in {time.perf_counter() - began:.1f} s")
        else:
            fill_cells(big / "triage.db", random.Random(5))
        computed = compute_ms(big, args.runs)
        small = Path(scratch) / "small"
        build(small, 500, [f"tool{n:02d}" for n in range(20)])
        rendered = asyncio.run(_render_session(small, args.runs))
    print(f"impact matrix at {args.cases} cases:")
    for name, values in computed.items():
        p50, p90 = _quantiles(values)
        print(f"  compute: {name:<11} p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  (target: <= 50 ms)")
    p50, p90 = _quantiles(rendered)
    print(f"  key to painted matrix, 500 cases x 20 projects: p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  (target <= 200 ms)")
    print(json.dumps({"compute": {k: statistics.median(v) for k, v in computed.items()}, "render": p50}))


if __name__ == "__main__":
    main()
