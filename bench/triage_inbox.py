"""Measures the inbox at 100k cases: start-up, search, cursor, filter, opening a case and memory (Pilot-driven).

The store is built once (records go straight to the store, as in startup.py) and then triaged with plain SQL so
states, severities, assignees and embargoes are spread the way a real inbox's are. The Pilot session runs in a child
process, so its peak RSS is the app's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from startup import PROJECTS, bench_message, close_workspace, new_workspace, store_all, time_to_inbox, unlock

from triage_tui.domain import Signature
from triage_tui.intake.records import ParsedMessage
from triage_tui.store import cipher

FLAWS = [
    ("path traversal", "wheel extraction writes outside the target directory through a crafted member name"),
    ("symlink escape", "a tarfile member links outside the build directory and a later member writes through it"),
    ("credential leak", "the netrc password is logged when verbose output is enabled for a private index"),
    ("dependency confusion", "an extra index can shadow an internal package name with a higher version"),
    ("hash-checking bypass", "a requirement with an URL fragment skips the hash check in require-hashes mode"),
    ("regular expression denial of service", "version parsing backtracks for minutes on a long crafted string"),
    ("command injection", "a VCS URL with an option-like revision is passed to git without a separator"),
    ("cache poisoning", "two indexes share one HTTP cache key, so a response from one is served for the other"),
    ("TLS verification disabled", "a proxy environment variable turns certificate verification off silently"),
    ("zip bomb", "a small archive expands to many gigabytes during metadata preparation"),
]
WORDS = (
    "install build resolver metadata index lockfile environment sdist wheel archive download upload token keyring "
    "proxy mirror cache virtualenv interpreter script entrypoint manifest record signature checksum release upstream "
    "maintainer reproducer traceback exploit attacker victim network filesystem permission directory"
).split()
SIGNATURES = ["good"] * 6 + ["unsigned"] * 2 + ["unknown-key", "bad"]
VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
]
RARE_WORD = "zipimporter"
"""Appears in a handful of reports."""
TERMS = {"common": "install", "rare": RARE_WORD, "prefix": "trav"}
FILTER_STATE = "triage"
"""The state the filter measurement selects; the store puts 10,000 cases in it."""


def _body(rng: random.Random, n: int, project: str, flaw: tuple[str, str]) -> str:
    lines = [f"Hello {project} security team,", "", f"I found a {flaw[0]} in {project}: {flaw[1]}."]
    for _ in range(rng.randint(3, 8)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + ".")
    if n % 20_000 == 7:
        lines.append(f"The {RARE_WORD} path is also affected.")
    lines += ["", "Steps to reproduce:", f"  python -m {project} install ./poc-{n}.tar.gz"]
    lines += ["", f"-- Reporter {n % 977}"]
    return "\n".join(lines)


def build_store(home: Path, cases: int) -> str:
    """Fill a workspace (plain, so it can be measured both ways) with `cases` one-message reports and triage them;
    return the id of the newest."""
    store, projects = new_workspace(home, encrypted=False)
    rng = random.Random(4)
    # An hour apart from 2015 on: about 8,700 reports a year, so ids keep their four-digit form (PSC-2020-0042).
    start = datetime(2015, 1, 1, tzinfo=UTC)

    def report(n: int) -> ParsedMessage:
        project, flaw = PROJECTS[n % len(PROJECTS)], FLAWS[rng.randrange(len(FLAWS))]
        subject = f"{project}: {flaw[0]} in {rng.choice(WORDS)} handling"
        signature = Signature(SIGNATURES[n % len(SIGNATURES)])
        return bench_message(n, subject, _body(rng, n, project, flaw), start + timedelta(hours=n), signature)

    store_all(store, (report(n) for n in range(cases)), projects)
    _triage(home / "triage.db", rng)
    return newest_case(home)


def newest_case(home: Path) -> str:
    """The id of the case the inbox shows first (it hides closed cases until asked)."""
    connection = cipher.connect(home / "triage.db")
    try:
        newest = "SELECT id FROM cases WHERE state <> 'closed' ORDER BY received_at DESC, id DESC LIMIT 1"
        return str(connection.execute(newest).fetchone()[0])
    finally:
        connection.close()


def _triage(database: Path, rng: random.Random) -> None:
    """Spread states, severities, assignees and embargoes over the cases (10% in FILTER_STATE exactly)."""
    connection = cipher.connect(database)
    ids = [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY rowid")]
    rng.shuffle(ids)
    updates = []
    for index, case_id in enumerate(ids):
        state = FILTER_STATE if index < len(ids) // 10 else rng.choice(["new", "new", "accepted", "closed", "fixing"])
        vector = rng.choice(VECTORS) if rng.random() < 0.3 else None
        v3, v4 = (None, vector) if vector and vector.startswith("CVSS:4.0") else (vector, None)
        assignee = rng.choice(["alex@example.org", "sam@example.org", "team:pip", None, None])
        embargo = (datetime(2026, 3, 1) + timedelta(days=rng.randint(0, 120))) if rng.random() < 0.05 else None
        updates.append((state, v3, v4, assignee, embargo.isoformat(" ") + ".000000" if embargo else None, case_id))
    with connection:
        connection.executemany(
            "UPDATE cases SET state = ?, cvss_vector = ?, cvss4_vector = ?, assignee = ?, embargo_until = ? "
            "WHERE id = ?",
            updates,
        )
    connection.close()


def _quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


class RawReads:
    """The same first-page read the inbox does for a term (the ordered walk, or the statement it falls back to), run
    directly on sqlite3 with a connection already open; and plain FTS5 reading every match of the term. Run right
    after each keystroke is timed, so the app and the raw read are compared at the same moment (this machine's
    speed drifts by 2x over tens of seconds)."""

    def __init__(self, database: Path) -> None:
        from triage_tui.store.connection import open_reader

        self.connection = open_reader(database)

    def page_ms(self, term: str) -> float:
        from triage_tui.screens.inbox import OPEN_CASES
        from triage_tui.store.queries import inbox_rows
        from triage_tui.widgets.case_list import PAGE_SIZE

        began = time.perf_counter()
        # The inbox's own read: closed cases hidden, each row's assignee and trust flags read with it.
        inbox_rows(self.connection, replace(OPEN_CASES, search=term), offset=0, limit=PAGE_SIZE)
        return (time.perf_counter() - began) * 1000

    def every_match_ms(self, term: str) -> float:
        from triage_tui.store.queries import fts_query

        began = time.perf_counter()
        statement = "SELECT rowid FROM message_fts WHERE message_fts MATCH ?"
        self.connection.execute(statement, (fts_query(term),)).fetchall()
        return (time.perf_counter() - began) * 1000


class Probe:
    """Sends keys the way a terminal does (no Pilot idle-waiting in the timing) and times them to the paint.

    The app is wrapped so every compositor update it would write to the terminal is checked: a key counts as handled
    at the first paint after which its condition holds.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.waiting: Any = None
        self.hit = 0.0
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and self.waiting is not None and self.waiting():
                self.hit = time.perf_counter()
                self.waiting = None

        app._display = timed_display

    async def key(self, key: str, done: Any, timeout: float = 10.0) -> tuple[float, float]:
        """Press `key` and wait for the first paint with `done()` true; return (wall ms, process CPU ms)."""
        from textual import events

        char = key if len(key) == 1 else None
        self.hit, self.waiting = 0.0, done
        wall, cpu = time.perf_counter(), time.process_time()
        self.app._driver.send_message(events.Key(key, char))
        while not self.hit:
            if time.perf_counter() - wall > timeout:
                raise SystemExit(f"timed out after {key!r}")
            await asyncio.sleep(0.0003)
        return (self.hit - wall) * 1000, (time.process_time() - cpu) * 1000


async def _pilot_session(home: Path, runs: int, encrypted: bool) -> dict[str, Any]:
    from textual.widgets import Select

    from triage_tui.app import TriageApp
    from triage_tui.config import load_config
    from triage_tui.screens.case import CaseScreen
    from triage_tui.screens.inbox import OPEN_CASES, InboxScreen
    from triage_tui.store.queries import CaseFilter
    from triage_tui.widgets.case_list import CaseList

    if encrypted:
        unlock(home)
    app = TriageApp(home / "triage.db", load_config(home / "config.toml"))
    results: dict[str, Any] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        probe = Probe(app)
        raw_reads = RawReads(app.database)

        async def until(condition: Any, timeout: float = 20.0) -> None:
            deadline = time.perf_counter() + timeout
            while not condition():
                if time.perf_counter() > deadline:
                    raise SystemExit("timed out waiting for the inbox")
                await asyncio.sleep(0.001)
            await pilot.pause()

        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        case_list = inbox.query_one(CaseList)
        await until(lambda: case_list.count > 0 and inbox.count is not None)

        # The app's own reads of a search's first page, timed where it makes them: on its own thread, and again in
        # a worker if that attempt ran past its budget (the two then count as one read).
        app_reads: list[tuple[str | None, float]] = []
        page, page_within = app.reads.page, app.reads.page_within
        abandoned: list[float] = []

        def timed_page(case_filter: CaseFilter, offset: int, limit: int) -> list[Any]:
            began = time.perf_counter()
            rows = page(case_filter, offset, limit)
            if offset == 0:
                spent = sum(abandoned) + (time.perf_counter() - began) * 1000
                abandoned.clear()
                app_reads.append((case_filter.search, spent))
            return rows

        def timed_page_within(case_filter: CaseFilter, offset: int, limit: int, budget: float) -> list[Any] | None:
            began = time.perf_counter()
            rows = page_within(case_filter, offset, limit, budget)
            spent = (time.perf_counter() - began) * 1000
            if rows is None:
                abandoned.append(spent)
            elif offset == 0:
                app_reads.append((case_filter.search, spent))
            return rows

        app.reads.page = timed_page  # type: ignore[method-assign]
        app.reads.page_within = timed_page_within  # type: ignore[method-assign]

        # Search: the last keystroke of the term to its first page painted (the count follows on its own).
        for label, term in TERMS.items():
            app_reads.clear()
            await pilot.press("slash", *term)
            await until(lambda term=term: case_list._filter.search == term and inbox.count is not None)
            timings, counted, raw, fts = [], [], [], []
            for _ in range(runs):
                await pilot.press("backspace")
                await until(lambda term=term: case_list._filter.search == term[:-1] and inbox.count is not None)
                await pilot.pause(0.05)
                shown, _ = await probe.key(term[-1], lambda term=term: case_list._filter.search == term)
                timings.append(shown)
                began = time.perf_counter() - shown / 1000
                await until(lambda: inbox.count is not None)
                counted.append((time.perf_counter() - began) * 1000)
                raw.append(raw_reads.page_ms(term))
                fts.append(raw_reads.every_match_ms(term))
            in_app = [ms for search, ms in app_reads if search == term]
            results[f"search_{label}"] = {
                "term": term, "ui": timings, "raw": raw, "fts": fts, "app": in_app, "count": inbox.count.shown,
                "counted": counted,
            }  # fmt: skip
            await pilot.press("escape", "escape")
            await until(lambda: not inbox.case_filter.narrows_more and inbox.count is not None)

        # Cursor: process CPU (every thread) per move, pages loading on the way included.
        moves = []
        for index in range(runs * 10):
            key = "ctrl+d" if index % 25 == 24 else "j"
            before = case_list.cursor
            _, cpu = await probe.key(key, lambda before=before: case_list.cursor != before)
            moves.append(cpu)
        results["cursor_cpu"] = moves

        # Filter to about 10k results: from applying the filter modal to the first page painted, then the count.
        filter_page, filter_count = [], []
        for _ in range(max(3, runs // 2)):
            await pilot.press("f")
            await until(lambda: app.screen.id == "filter")
            app.screen.query_one("#f-state", Select).value = FILTER_STATE
            await pilot.pause(0.05)
            shown, _ = await probe.key("ctrl+s", lambda: case_list._filter.state == FILTER_STATE)
            filter_page.append(shown)
            began = time.perf_counter() - shown / 1000
            await until(lambda: inbox.count is not None)
            filter_count.append((time.perf_counter() - began) * 1000)
            results["filter_count"] = inbox.count.shown
            inbox.load(OPEN_CASES)  # the inbox's own start: closed cases hidden
            await until(lambda: not case_list._filter.narrows_more and inbox.count is not None)
            await pilot.pause(0.05)
        results["filter_page"], results["filter_counted"] = filter_page, filter_count

        # Opening a case: enter to the case screen painted with its thread.
        opened = []
        for _ in range(runs):
            await pilot.pause(0.05)
            shown, _ = await probe.key(
                "enter", lambda: isinstance(app.screen, CaseScreen) and app.screen.detail is not None
            )
            opened.append(shown)
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, InboxScreen))
            await pilot.press("j")
        results["open_case"] = opened
    results["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _report(results: dict[str, Any], startup: list[float], cases: int) -> None:
    def line(name: str, values: list[float], target: str) -> None:
        p50, p90 = _quantiles(values)
        print(f"  {name:<34} p50 {p50:7.1f} ms  p90 {p90:7.1f} ms   ({target})")

    print(f"at {cases} cases:")
    print(
        f"  {'process start to usable inbox':<34} median {statistics.median(startup):.3f} s "
        f"(runs {', '.join(f'{r:.3f}' for r in startup)}; target <= 1.0 s)"
    )
    for label in TERMS:
        found = results[f"search_{label}"]
        ui_p50, ui_p90 = _quantiles(found["ui"])
        raw_p50, raw_p90 = _quantiles(found["raw"])
        fts_p50 = _quantiles(found["fts"])[0]
        app_p50 = _quantiles(found["app"])[0]
        print(
            f"  search {label} {found['term']!r:<14} ({found['count']} cases) keystroke to results "
            f"p50 {ui_p50:6.1f} ms p90 {ui_p90:6.1f} ms (targets p50 <= 25, p90 <= 70)\n"
            f"      the app's read of the page p50 {app_p50:6.1f} ms = {app_p50 / raw_p50:4.2f}x the same read raw "
            f"on sqlite3 (p50 {raw_p50:6.1f} ms, p90 {raw_p90:6.1f}; target <= 1.3x); keystroke to results = "
            f"{ui_p50 / raw_p50:5.2f}x it; every FTS5 match raw p50 {fts_p50:6.1f} ms; count on screen p50 "
            f"{_quantiles(found['counted'])[0]:.1f} ms"
        )
    moves = results["cursor_cpu"]
    print(
        f"  {'CPU per cursor move':<34} mean {statistics.fmean(moves):.2f} ms  p90 {_quantiles(moves)[1]:.2f} ms  "
        f"max {max(moves):.2f} ms (target <= 15 ms)"
    )
    line(f"filter to {results['filter_count']} shown (page)", results["filter_page"], "target <= 100 ms")
    line("  ... and its count on screen", results["filter_counted"], "shown after the page")
    line("key to painted case view", results["open_case"], "target <= 50 ms")
    print(f"  {'peak memory (Pilot session RSS)':<34} {results['max_rss_mb']:.0f} MB (target <= 150 MB)")


def _measure(home: Path, runs: int, *, encrypted: bool) -> tuple[dict[str, Any], list[float]]:
    """Start-up times and the Pilot session's figures, with the store as it is now."""
    newest = newest_case(home)  # an encrypted store is unlocked in this process first
    time_to_inbox(home, newest, plain=not encrypted)  # warm the page cache, as a user's second start would
    startup = [time_to_inbox(home, newest, plain=not encrypted) for _ in range(5)]
    command = [sys.executable, __file__, "--pilot", str(home), "--runs", str(runs)]
    child = subprocess.run([*command, *(["--encrypted"] if encrypted else [])], capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"the Pilot session failed:\n{child.stderr[-4000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1]), startup


def _compare(plain: tuple[dict[str, Any], list[float]], encrypted: tuple[dict[str, Any], list[float]]) -> None:
    """The encrypted store's cost on the inbox's start and search figures, as ratios of the plain store's."""
    print("added cost of the encrypted store (encrypted / plain, p50; target <= 1.2x):")
    start_plain, start_encrypted = statistics.median(plain[1]), statistics.median(encrypted[1])
    print(f"  {'process start to usable inbox':<34} {start_encrypted:.3f} s / {start_plain:.3f} s = "
          f"{start_encrypted / start_plain:.2f}x")  # fmt: skip
    for label in TERMS:
        for figure, name in (("ui", "keystroke to results"), ("app", "the app's read of the page")):
            a = _quantiles(encrypted[0][f"search_{label}"][figure])[0]
            b = _quantiles(plain[0][f"search_{label}"][figure])[0]
            print(f"  search {label:<7} {name:<26} {a:6.1f} ms / {b:6.1f} ms = {a / b:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--store", type=Path, help="reuse (or build once into) this workspace folder")
    parser.add_argument("--pilot", type=Path, help=argparse.SUPPRESS)  # the child process's entry
    parser.add_argument("--encrypted", action="store_true", help=argparse.SUPPRESS)  # the child unlocks first
    args = parser.parse_args()
    if args.pilot:
        print(json.dumps(asyncio.run(_pilot_session(args.pilot, args.runs, args.encrypted))))
        return
    with tempfile.TemporaryDirectory(prefix="tt-bench-") as scratch:
        home = args.store or Path(scratch) / "ws"
        if not (home / "triage.db").exists():
            began = time.perf_counter()
            build_store(home, args.cases)
            print(f"built and triaged a store of {args.cases} cases in {time.perf_counter() - began:.1f} s")
        try:
            encrypted_already = not cipher.is_plain_database(home / "triage.db")
            if not encrypted_already:
                plain = _measure(home, args.runs, encrypted=False)
                print("plain store:")
                _report(*plain, args.cases)
                began = time.perf_counter()
                unlock(home)  # what the first start of this version does to an older workspace
                print(f"encrypted the store in place in {time.perf_counter() - began:.1f} s")
            else:
                unlock(home)
            encrypted = _measure(home, args.runs, encrypted=True)
            print("encrypted store:")
            _report(*encrypted, args.cases)
            if not encrypted_already:
                _compare(plain, encrypted)
        finally:
            close_workspace(home)


if __name__ == "__main__":
    main()
