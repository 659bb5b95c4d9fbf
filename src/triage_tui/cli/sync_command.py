"""Provides `triage-tui sync`: a headless sync with a progress line on stderr and one report per source."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK, print_json
from triage_tui.config import Config
from triage_tui.store.store import Store
from triage_tui.sync.jobs import SourceReport, SyncProgress


class ProgressLine:
    """A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()

    def __call__(self, state: SyncProgress) -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * state.done / state.total) if state.total else width
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\r{state.source}: {bar} {state.done}/{state.total} items  {state.rate:5.0f}/s  "
            f"{state.new_cases} new cases  {state.failures} failed "
        )
        self.stream.flush()

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *_exc: object) -> None:
        # The line is ended however the sync ended, so what is printed next starts on a line of its own.
        if self.enabled:
            self.stream.write("\n")


def run_sync(database: Path, config: Config, *, only: str | None, json_output: bool, out: TextIO, err: TextIO) -> int:
    """`triage-tui sync`: every source (or only `only`) into the store at `database`."""
    from triage_tui.sync.run import sync_in_turn, sync_turn

    # The turn comes before the store is opened: on a first sync, creating the store is part of the sync, and a
    # disk too small for it fails there, with the store's own message.
    with ProgressLine(err, enabled=not json_output) as progress, sync_turn(database), Store(database) as store:
        reports = sync_in_turn(store, config, only=only, progress=progress)
    return report_sync(reports, json_output=json_output, out=out, err=err)


def report_sync(reports: list[SourceReport], *, json_output: bool, out: TextIO, err: TextIO) -> int:
    """Print a sync's reports (on stderr, or as JSON on stdout): exit 0 if each source synced, 1 if any failed
    (what did sync is kept)."""
    if json_output:
        print_json([report_json(r) for r in reports], out)
    else:
        for report in reports:
            print_report(report, err)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def report_json(report: SourceReport) -> dict[str, object]:
    """One source's report as `sync --json` prints it."""
    return {
        "source": report.source,
        "ok": report.ok,
        "messages": report.messages,
        "new_cases": report.new_cases,
        "failures": report.failures,
        "seconds": round(report.seconds, 3),
        "error": report.error,
        "note": report.note,
    }


def print_report(report: SourceReport, err: TextIO) -> None:
    """One source's report as lines for the terminal."""
    from triage_tui.untrusted import neutralise_line

    # A server's error text is quoted in reports: it is never written to the terminal raw.
    if report.error:
        report = replace(report, error=neutralise_line(report.error))
    outcome = "synced" if report.ok else "FAILED"
    if report.source == "outbox" and report.note and not report.messages and not report.failures:
        print(neutralise_line(report.note), file=err)  # "2 replies wait in the outbox: ..."
        return
    if report.source == "outbox":
        line = f"outbox: {report.messages} replies sent, {report.failures} refused ({report.seconds:.1f} s)"
        if report.error:
            line += f"\n  {report.error}"
        print(line, file=err)
        return
    line = (
        f"{report.source}: {outcome}: {report.messages} new messages, {report.new_cases} new cases, "
        f"{report.failures} with problems ({report.seconds:.1f} s)"
    )
    if report.error:
        line += f"\n  {report.error}"
    print(line, file=err)
