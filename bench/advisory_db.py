"""Imports and exports the whole PyPA advisory database: given a checkout of pypa/advisory-database (an argument or
$ADVISORY_DATABASE), `triage-tui import` of its `vulns` folder as its own process on a fresh encrypted workspace
(records/s from process start to exit, and the count per outcome), then every kept record exported in every format
in this process through the functions `triage-tui export --record` uses (records/s per format; exported, and refused
by the export's gate with the most common reasons). Without a database on disk it says so and exits 0.
Target: >= 150 records/s for the import. `--base TREE` also imports the same files with another checkout's code
(`python -m triage_tui` with TREE/src first on the path, every file named on the command line, since older code
takes no folder) on its own fresh workspace, before the change's import in the same run.
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

CNA_CONFIG = '\n[advisories]\ncna_org_id = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"\ncna_short_name = "PSF"\n'
"""A CNA for the exports (an example UUID, as CVE Services hands out)."""
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


def base_workspace(home: Path) -> Path:
    """A workspace's config and keys at `home`, without its store, for older code to create its own."""
    new_workspace(home)[0].close()
    close_workspace(home)
    for path in home.glob("triage.db*"):
        path.unlink()
    return home


def run_base_import(tree: Path, home: Path, folder: Path) -> tuple[float, int, Counter[str]]:
    """The import of every file of `folder` by the code of checkout `tree`, as one process: its time, the cases it
    printed and why it refused the rest (their messages, ids and paths taken out so alike reasons count together)."""
    files = sorted(str(path) for suffix in ("*.yaml", "*.yml", "*.json") for path in folder.rglob(suffix))
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "triage_tui", "--home", str(home), "import", *files],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the base import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    reasons: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        if "not imported: " in line:
            reasons[re.sub(r"PSC-\d{4}-\d{4}", "PSC-…", line.split("not imported: ", 1)[1])[:90]] += 1
    return seconds, len(done.stdout.split()), reasons


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
    parser.add_argument("--base", type=Path, help="a checkout whose import to time on the same files first")
    args = parser.parse_args()
    folder = Path(args.database) / "vulns" if args.database else None
    if folder is None or not folder.is_dir():
        print("advisory_db: no checkout of pypa/advisory-database (give one or set $ADVISORY_DATABASE); skipped")
        return
    records = sum(1 for suffix in ("*.yaml", "*.yml", "*.json") for _ in folder.rglob(suffix))
    with tempfile.TemporaryDirectory() as scratch:
        if args.base is not None:
            # Only its config and keys: a store made by this code carries migrations older code refuses to open.
            base_home = base_workspace(Path(scratch) / "base-workspace")
            try:
                seconds, cases, reasons = run_base_import(args.base, base_home, folder)
            finally:
                close_workspace(base_home)
            print(f"base import ({args.base}): {records} records in {seconds:.1f} s: {records / seconds:.0f} "
                  f"records/s; {cases} cases, {sum(reasons.values())} refused")  # fmt: skip
            for reason, count in reasons.most_common(args.top):
                print(f"    {count:5}  {reason}")
        home = Path(scratch) / "workspace"
        store, _projects = new_workspace(home)
        store.close()
        with (home / "config.toml").open("a", encoding="utf-8") as config:
            config.write(CNA_CONFIG)  # CVE records name their CNA; without one every CVE export is refused
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
