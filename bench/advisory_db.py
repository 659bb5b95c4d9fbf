"""Imports and exports the whole PyPA advisory database: given a checkout of pypa/advisory-database (an argument or
$ADVISORY_DATABASE), `triage-tui import` of its `vulns` folder as its own process on a fresh encrypted workspace
(records/s from process start to exit, and the count per outcome), then every kept record exported in every format
in this process through the functions `triage-tui export --record` uses (records/s per format; exported, and refused
by the export's gate with the most common reasons). Without a database on disk it says so and exits 0.
Target: >= 150 records/s for the import.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from startup import close_workspace, new_workspace

from triage_tui.advisories.format_names import FORMATS
from triage_tui.config import load_config
from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft, DraftError, InvalidDraftError
from triage_tui.store.advisory_records_store import every_kept_record
from triage_tui.store.store import Store

SUMMARY = re.compile(r"imported (\d+) \((\d+) new cases\), updated (\d+), unchanged (\d+), refused (\d+)")


def run_import(home: Path, folder: Path) -> tuple[float, dict[str, int], list[str]]:
    """`triage-tui --home H import FOLDER` as its own process: its time, its counts and its refusal lines."""
    executable = shutil.which("triage-tui", path=str(Path(sys.executable).parent)) or "triage-tui"
    started = time.perf_counter()
    done = subprocess.run(
        [executable, "--home", str(home), "import", str(folder)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    found = SUMMARY.search(done.stderr)
    if found is None or done.returncode not in (0, 1):
        raise SystemExit(f"import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    names = ("imported", "new cases", "updated", "unchanged", "refused")
    counts = dict(zip(names, (int(n) for n in found.groups()), strict=True))
    refusals = [line for line in done.stderr.splitlines() if line.startswith("refused (")]
    return seconds, counts, refusals


def export_all(home: Path, top: int) -> None:
    """Every kept record in every format, through `load_record` and `checked_outputs` as `export --record` runs."""
    config = load_config(home / "config.toml")
    store = Store(home / "triage.db")
    drafts = AdvisoryDrafts(store, config.identity.email, config)
    try:
        with store.read() as connection:
            kept = every_kept_record(connection)
        started = time.perf_counter()
        loaded: list[Draft] = []
        unreadable = 0
        for case_id, record_id in kept:
            try:
                loaded.append(drafts.load_record(case_id, record_id))
            except DraftError:
                unreadable += 1
        seconds = time.perf_counter() - started
        print(f"loaded {len(loaded)} kept records in {seconds:.1f} s ({len(loaded) / seconds:.0f}/s); "
              f"{unreadable} unreadable")  # fmt: skip
        for fmt in FORMATS:
            exported = 0
            reasons: Counter[str] = Counter()
            crashes: Counter[str] = Counter()
            started = time.perf_counter()
            for draft in loaded:
                try:
                    drafts.checked_outputs(draft, [fmt])
                    exported += 1
                except InvalidDraftError as error:
                    reasons.update({f"{p.field}: {p.message[:90]}" for p in error.problems})
                except DraftError as error:
                    reasons[str(error)[:100]] += 1
                except Exception as error:  # a crash of a format is counted and named, and the rest go on
                    crashes[f"{type(error).__name__}: {str(error)[:80]}"] += 1
            seconds = time.perf_counter() - started
            refused = len(loaded) - exported - sum(crashes.values())
            print(f"export {fmt:7}: {len(loaded) / seconds:6.0f} records/s  exported {exported}, "
                  f"refused by the gate {refused}, failed {sum(crashes.values())}")  # fmt: skip
            for reason, count in reasons.most_common(top):
                print(f"    {count:5}  {reason}")
            for reason, count in crashes.most_common(top):
                print(f"    {count:5}  failed: {reason}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", nargs="?", type=Path, default=os.environ.get("ADVISORY_DATABASE"),
                        help="a checkout of pypa/advisory-database (default: $ADVISORY_DATABASE)")  # fmt: skip
    parser.add_argument("--top", type=int, default=5, help="refusal reasons to list per format")
    args = parser.parse_args()
    folder = Path(args.database) / "vulns" if args.database else None
    if folder is None or not folder.is_dir():
        print("advisory_db: no checkout of pypa/advisory-database (give one or set $ADVISORY_DATABASE); skipped")
        return
    records = sum(1 for suffix in ("*.yaml", "*.yml", "*.json") for _ in folder.rglob(suffix))
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "workspace"
        store, _projects = new_workspace(home)
        store.close()
        try:
            seconds, counts, refusals = run_import(home, folder)
            print(f"import: {records} records in {seconds:.1f} s from process start to exit: "
                  f"{records / seconds:.0f} records/s (target >= 150)")  # fmt: skip
            print("  " + ", ".join(f"{name} {count}" for name, count in counts.items()))
            for line in refusals:
                print(f"  {line}")
            export_all(home, args.top)
        finally:
            close_workspace(home)


if __name__ == "__main__":
    main()
