"""Provides `triage-tui import PATH...`: files and folders (searched recursively) of advisories imported in one
process, with a progress bar on stderr (a count line when stderr is not a terminal) and a summary by outcome."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK
from triage_tui.config import Config
from triage_tui.services.advisory_records import ImportResult
from triage_tui.services.import_paths import collect
from triage_tui.store.store import Store


class ImportProgress:
    """Progress on stderr: a bar redrawn in place on a terminal, else a line every few batches."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.terminal = stream.isatty()
        self.started = time.monotonic()
        self.shown = False
        self.last_line = 0.0

    def __call__(self, done: int, total: int) -> None:
        rate = done / max(time.monotonic() - self.started, 1e-6)
        if self.terminal:
            width = 24
            filled = int(width * done / total) if total else width
            bar = "█" * filled + "·" * (width - filled)
            self.stream.write(f"\rimporting: {bar} {done}/{total} records  {rate:5.0f}/s ")
            self.shown = True
        elif done == total or time.monotonic() - self.last_line >= 1.0:
            self.stream.write(f"importing: {done}/{total} records ({rate:.0f}/s)\n")
            self.last_line = time.monotonic()
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line, so what is printed next starts on a line of its own."""
        if self.shown:
            self.stream.write("\n")


def summary_lines(results: Sequence[ImportResult], skipped: int) -> list[str]:
    """The summary: how many records each outcome had, then the refused files grouped by reason."""
    from triage_tui.untrusted import neutralise_line

    counts = {outcome: 0 for outcome in ("imported", "updated", "unchanged", "refused")}
    refused: dict[str, list[str]] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        if result.outcome == "refused":
            reason = neutralise_line(result.message.removeprefix("not imported: "))
            refused.setdefault(reason, []).append(neutralise_line(str(result.path)))
    new_cases = sum(1 for result in results if result.new_case)
    lines = [
        f"imported {counts['imported']} ({new_cases} new cases), updated {counts['updated']}, "
        f"unchanged {counts['unchanged']}, refused {counts['refused']}"
        + (f"; {skipped} other files in the folders skipped (not .json, .yaml or .yml, or a link)" if skipped else "")
    ]
    for reason, files in sorted(refused.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"refused ({len(files)}): {reason}")
        lines += [f"  {name}" for name in files]
    return lines


def run_import(store: Store, config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`triage-tui import PATH...`: each record imported (its case, draft, cells and severity); the new case ids on
    stdout, a line per file and the summary on stderr; 0 when none was refused, else 1."""
    from triage_tui.cli.output import CliError
    from triage_tui.services.advisory_import import import_advisory_files
    from triage_tui.untrusted import neutralise_line

    try:
        files, skipped = collect(args.files)
    except (OSError, ValueError) as error:
        raise CliError(neutralise_line(str(error))) from None
    progress = ImportProgress(err)
    try:
        results = import_advisory_files(store, config, files, progress)
    finally:
        progress.finish()
    for result in results:
        if result.new_case and result.case_id:
            out.write(f"{result.case_id}\n")
        print(f"{neutralise_line(str(result.path))}: {neutralise_line(result.message)}", file=err)
        for warning in result.warnings:
            print(f"  warning: {neutralise_line(warning)}", file=err)
    for line in summary_lines(results, skipped):
        print(line, file=err)
    return EXIT_FAILED if any(result.outcome == "refused" for result in results) else EXIT_OK
