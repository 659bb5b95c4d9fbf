"""Provides the `triage-tui` command line: one entry point whose sub-commands call the same services as the app."""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from triage_tui.advisories.format_names import FORMATS
from triage_tui.config import Config, ConfigError, load_config
from triage_tui.workspace import Workspace, resolve_workspace

if TYPE_CHECKING:
    from triage_tui.sync.run import SourceReport, SyncProgress

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_EMBARGOED = 3
EXIT_CLOSED_PIPE = 141
"""What a shell reports for a program ended by a closed pipe (128 + SIGPIPE), as `yes | head` does."""


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


def _home_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets `--home` appear before or after the sub-command without one default hiding the other.
    parser.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help="workspace folder")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="triage-tui", description="Keyboard-driven workstation for packaging security disclosures."
    )
    _home_option(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="build a demo workspace with its own keys and reports, sync it, open it")
    _home_option(demo)
    demo.add_argument("--cases", type=int, default=200, metavar="N", help="number of reports (default 200)")
    demo.add_argument("--no-open", action="store_true", help="build and sync, but do not open the app")

    sync = commands.add_parser("sync", help="sync sources into the store (progress on stderr)")
    _home_option(sync)
    sync.add_argument("--source", metavar="NAME", help="only this source")
    sync.add_argument("--json", action="store_true", help="print the outcome as JSON")

    cases = commands.add_parser("cases", help="list cases")
    _home_option(cases)
    cases.add_argument("--json", action="store_true", help="print a JSON list")
    cases.add_argument("--state", metavar="S")
    cases.add_argument("--project", metavar="P")
    cases.add_argument("--search", metavar="Q")

    matrix = commands.add_parser("matrix", help="print the impact matrix (cases x projects)")
    _home_option(matrix)
    matrix.add_argument("--format", choices=("markdown", "csv", "json"), default="markdown")
    matrix.add_argument("--state", metavar="S")
    matrix.add_argument("--project", metavar="P")
    matrix.add_argument("--search", metavar="Q")

    export = commands.add_parser("export", help="print or write a case's advisory in one format (validated)")
    _home_option(export)
    export.add_argument("case_id", metavar="CASE_ID")
    export.add_argument("--format", required=True, choices=(*FORMATS, "all"), help="all needs --output FOLDER")
    export.add_argument("--output", metavar="PATH", type=Path, help="file to write (a folder for --format all)")
    export.add_argument("--force", action="store_true", help="export even while the case is under embargo")
    export.add_argument("--overwrite", action="store_true", help="replace an existing file")

    import_ = commands.add_parser("import", help="seed cases and advisory drafts from OSV, GHSA or CVE JSON 5 files")
    _home_option(import_)
    import_.add_argument("files", metavar="FILE", nargs="+", type=Path)

    show = commands.add_parser("show", help="show one case")
    _home_option(show)
    show.add_argument("case_id", metavar="CASE_ID")
    show.add_argument("--json", action="store_true", help="print the case as JSON")
    return parser


def _config(workspace: Workspace) -> Config:
    return load_config(workspace.config_path)


def _unlock(workspace: Workspace, config: Config, err: TextIO) -> None:
    """Unlock (or on first use create) the encrypted store before anything opens it."""
    from triage_tui.services.store_key import StoreUnlock, key_file_of, unlock_store

    def say_waiting(holder: int | None) -> None:
        who = f"another triage-tui (pid {holder})" if holder else "another triage-tui"
        print(f"triage-tui: waiting for {who} to finish setting up the store…", file=err, flush=True)

    outcome = unlock_store(
        workspace.database_path, config.identity.fingerprint, config.gnupg_home(), on_wait=say_waiting
    )
    if outcome is StoreUnlock.ENCRYPTED:
        print(f"triage-tui: {workspace.database_path} is now encrypted at rest", file=err)
    if outcome is not StoreUnlock.OPENED:
        print(
            f"triage-tui: its key is {key_file_of(workspace.database_path)}, encrypted to your OpenPGP key; "
            "back both up together",
            file=err,
        )


@contextmanager
def _reader(workspace: Workspace) -> Iterator[sqlite3.Connection]:
    from triage_tui.store.connection import prepare_database, reader

    prepare_database(workspace.database_path)
    with reader(workspace.database_path) as connection:
        yield connection


def _print_json(document: Any, out: TextIO) -> None:
    from triage_tui.untrusted import json_text

    # Every JSON output escapes controls and bidi overrides: its strings hold what reports, APIs and team members
    # sent, and it is read in terminals as often as by programs.
    out.write(json_text(document) + "\n")


class _ProgressLine:
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

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _run_sync(
    workspace: Workspace, config: Config, *, only: str | None, json_output: bool, out: TextIO, err: TextIO
) -> int:
    from triage_tui.sync.run import sync_all

    progress = _ProgressLine(err, enabled=not json_output)
    try:
        reports = sync_all(workspace.database_path, config, only=only, progress=progress)
    finally:
        progress.finish()
    if json_output:
        _print_json([_report_json(r) for r in reports], out)
    else:
        for report in reports:
            _print_report(report, err)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _report_json(report: SourceReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "ok": report.ok,
        "messages": report.messages,
        "new_cases": report.new_cases,
        "failures": report.failures,
        "seconds": round(report.seconds, 3),
        "error": report.error,
    }


def _print_report(report: SourceReport, err: TextIO) -> None:
    from triage_tui.untrusted import neutralise_line

    # A server's error text is quoted in reports: it is never written to the terminal raw.
    if report.error:
        report = replace(report, error=neutralise_line(report.error))
    outcome = "synced" if report.ok else "FAILED"
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


def _cases(workspace: Workspace, args: argparse.Namespace, out: TextIO) -> int:
    from triage_tui.services.case_json import case_summary_json
    from triage_tui.store.queries import CaseFilter, list_cases, sources_for
    from triage_tui.untrusted import terminal_document

    case_filter = CaseFilter(state=args.state, project=args.project, search=args.search)
    with _reader(workspace) as connection:
        summaries = list_cases(connection, case_filter, limit=None)
        sources = sources_for(connection, [s.id for s in summaries]) if args.json else {}
    documents = [case_summary_json(s, sources.get(s.id, ())) for s in summaries]
    if args.json:
        _print_json(documents, out)
        return EXIT_OK
    for case in terminal_document(documents):
        projects = ",".join(p["project"] for p in case["projects"]) or "-"
        out.write(
            f"{case['id']}  {case['received_at'][:10]}  {case['state']:<9} {case['signature']:<12} {projects:<18} "
            f"{case['reporter'][:24]:<24}  {case['title']}\n"
        )
    return EXIT_OK


def _matrix(workspace: Workspace, args: argparse.Namespace, out: TextIO) -> int:
    from triage_tui.services.matrix_export import export_matrix
    from triage_tui.store.matrix_reads import read_matrix
    from triage_tui.store.queries import CaseFilter, list_cases

    case_filter = CaseFilter(state=args.state, project=args.project, search=args.search)
    with _reader(workspace) as connection:
        matrix = read_matrix(connection, list_cases(connection, case_filter, limit=None))
    out.write(export_matrix(matrix.projects, matrix.rows, args.format, matrix.packages))
    return EXIT_OK


def _show(workspace: Workspace, args: argparse.Namespace, out: TextIO) -> int:
    from triage_tui.domain import NO_DATE
    from triage_tui.services.case_json import case_detail_json
    from triage_tui.store.queries import get_case
    from triage_tui.untrusted import terminal_document

    with _reader(workspace) as connection:
        detail = get_case(connection, args.case_id)
    if detail is None:
        raise CliError(f"no case {args.case_id!r} in {workspace.database_path}")
    if args.json:
        _print_json(case_detail_json(detail), out)
        return EXIT_OK
    # Text for the terminal: every field neutralised in one place, bodies keeping their lines.
    document = terminal_document(case_detail_json(detail), multiline={"body"})
    out.write(f"{document['id']}  {document['title']}\n")
    out.write(f"state: {document['state']}  reporter: {document['reporter']} <{document['reporter_email']}>\n")
    for message in document["messages"]:
        out.write(
            f"\n--- {message['date'] or NO_DATE}  {message['from']}\n"
            f"    decryption: {message['decryption']}  signature: {message['signature']}"
            f" ({message['signature_scope']})  signer: {message['signer'] or '-'}\n"
        )
        for warning in message["warnings"]:
            out.write(f"    warning: {warning}\n")
        if message["error"]:
            out.write(f"    error: {message['error']}\n")
        out.write(f"Subject: {message['subject']}\n\n{message['body']}\n")
        for attachment in message["attachments"]:
            out.write(
                f"    [attachment] {attachment['filename']} {attachment['content_type']} {attachment['size']} B\n"
            )
    return EXIT_OK


def _export(workspace: Workspace, config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from triage_tui.services.advisory_drafts import (
        AdvisoryDrafts,
        DraftError,
        EmbargoError,
        InvalidDraftError,
        exportable_formats,
    )
    from triage_tui.store.store import Store
    from triage_tui.untrusted import neutralise_line

    drafts = AdvisoryDrafts(Store(workspace.database_path), config.identity.email, config)
    try:
        draft = drafts.load(args.case_id)
        if args.format == "all":
            if args.output is None:
                raise CliError("--format all writes every format to a folder: give --output FOLDER")
            every = exportable_formats(draft.advisory)
            for path in drafts.export(draft, every, args.output, force=args.force, overwrite=args.overwrite):
                print(f"wrote {path}", file=err)
            return EXIT_OK
        (compiled,) = drafts.checked_outputs(draft, [args.format], force=args.force)
        for problem in compiled.problems:
            print(f"warning: {problem.field}: {neutralise_line(problem.message)}", file=err)
        if args.output is None:
            out.write(compiled.text)
            drafts.record_export(args.case_id, [args.format], "standard output")
            return EXIT_OK
        from triage_tui.services.safe_write import WriteError, write_new_file

        try:
            path = write_new_file(args.output, compiled.text.encode("utf-8"), overwrite=args.overwrite)
        except WriteError as error:
            hint = " (--overwrite replaces it)" if "already exists" in str(error) else ""
            raise CliError(f"{error}{hint}") from None
        drafts.record_export(args.case_id, [args.format], str(path))
        print(f"wrote {path}", file=err)
        return EXIT_OK
    except EmbargoError as error:
        print(f"triage-tui: {error}; pass --force to export it anyway", file=err)
        return EXIT_EMBARGOED
    except InvalidDraftError as error:
        print(f"triage-tui: {error} (edit it with A in the case view):", file=err)
        for problem in error.problems:
            print(f"  {problem.field}: {neutralise_line(problem.message)}", file=err)
        return EXIT_FAILED
    except DraftError as error:
        raise CliError(neutralise_line(str(error))) from None
    finally:
        drafts.close_store()


def _import(workspace: Workspace, config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from triage_tui.services.advisory_import import import_advisory_files
    from triage_tui.store.store import Store
    from triage_tui.untrusted import neutralise_line

    with Store(workspace.database_path) as store:
        results = import_advisory_files(store, config, args.files)
    for result in results:
        if result.case_id:
            out.write(f"{result.case_id}\n")
        print(f"{result.path}: {neutralise_line(result.message)}", file=err)
        for warning in result.warnings:
            print(f"  warning: {neutralise_line(warning)}", file=err)
    return EXIT_OK if all(result.case_id for result in results) else EXIT_FAILED


def _open_app(workspace: Workspace, config: Config) -> int:
    from triage_tui.app import TriageApp
    from triage_tui.store.connection import prepare_database

    prepare_database(workspace.database_path)
    app = TriageApp(workspace.database_path, config)
    app.run()
    return EXIT_FAILED if app.return_code else EXIT_OK  # 1 after a failure the app ended with (one line on stderr)


DEMO_MARKER = ".triage-tui-demo"


def _clear_previous_demo(home: Path) -> None:
    """Remove an earlier demo in `home`; refuse to touch a workspace the demo did not build."""
    if not home.exists() or not any(home.iterdir()):
        return
    if not (home / DEMO_MARKER).is_file():
        raise CliError(f"{home} is not empty and was not built by `triage-tui demo`; choose another --home")
    try:
        old_gnupg = load_config(home / "config.toml").identity.gnupg_home
    except ConfigError:
        old_gnupg = None
    if old_gnupg is not None:
        # The demo's gpg-agent would otherwise outlive its deleted home.
        # Only the agent is stopped; a GnuPG home outside the demo folder is never deleted.
        subprocess.run(["gpgconf", "--homedir", str(old_gnupg), "--kill", "all"], check=False, capture_output=True)
    shutil.rmtree(home)


def _demo(workspace: Workspace, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from triage_tui.demo.build import build_demo

    if args.cases < 1:
        raise CliError("--cases must be at least 1")
    home = workspace.root
    _clear_previous_demo(home)
    demo = build_demo(home, args.cases, progress=lambda line: print(line, file=err))
    (home / DEMO_MARKER).write_text("built by `triage-tui demo`; the next demo run may delete this folder\n")
    print(f"demo workspace: {demo.home} ({demo.messages} messages in {demo.maildir})", file=err)
    config = load_config(demo.config_path)
    _unlock(workspace, config, err)
    status = _run_sync(workspace, config, only=None, json_output=False, out=out, err=err)
    if status != EXIT_OK:
        return status
    from triage_tui.demo.advisories import fill_demo_advisories
    from triage_tui.demo.matrix import fill_demo_matrix
    from triage_tui.store.store import Store

    with Store(workspace.database_path) as store:
        cells = fill_demo_matrix(store, config.identity.email, list(config.projects))
        print(f"impact matrix: {cells} cells set across the projects", file=err)
        drafts = fill_demo_advisories(store, config)
    print(f"advisories: {drafts} drafts written (press A on a case)", file=err)
    if args.no_open:
        return status
    return _open_app(workspace, config)


def _guard_scratch(command: str | None, err: TextIO) -> None:
    """Decrypted text in scratch files goes on every exit; say so when it has to pass through a disk-backed folder."""
    from triage_tui.intake.scratch import choose_base, guard_process

    guard_process()
    if command in (None, "sync", "demo"):
        base, memory_backed = choose_base()
        if not memory_backed:
            print(
                f"triage-tui: warning: no memory-backed folder (/dev/shm) here; decrypted text passes through private "
                f"files in {base} on disk while it is processed (removed at once, and at the next start after a crash)",
                file=err,
            )


def _silence_closed_pipe() -> int:
    """The reader of our output went away (`triage-tui cases | head`): end quietly, as a shell tool does."""
    # Point both streams at /dev/null, so neither Python's flush at exit nor a last message hits the closed pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (tests), or already closed
    os.close(devnull)
    return EXIT_CLOSED_PIPE


def run(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line and return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    workspace = resolve_workspace(getattr(args, "home", None))
    try:
        _guard_scratch(args.command, err)
        if args.command == "demo":
            return _demo(workspace, args, out, err)
        config = _config(workspace)
        _unlock(workspace, config, err)
        if args.command == "sync":
            return _run_sync(workspace, config, only=args.source, json_output=args.json, out=out, err=err)
        if args.command == "cases":
            return _cases(workspace, args, out)
        if args.command == "show":
            return _show(workspace, args, out)
        if args.command == "matrix":
            return _matrix(workspace, args, out)
        if args.command == "export":
            return _export(workspace, config, args, out, err)
        if args.command == "import":
            return _import(workspace, config, args, out, err)
        return _open_app(workspace, config)
    except (ConfigError, CliError) as error:
        print(f"triage-tui: {error}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("triage-tui: interrupted; everything stored so far is kept", file=err)
        return 130
    except BrokenPipeError:
        return _silence_closed_pipe()
    except Exception as error:  # the store's, the sync's and anything unforeseen: one line, never a traceback
        from triage_tui.services.failures import failure_line
        from triage_tui.store.connection import StoreError
        from triage_tui.sync.run import SyncBusy

        if isinstance(error, StoreError):
            print(f"triage-tui: {error}", file=err)
            return EXIT_USAGE
        if isinstance(error, SyncBusy):
            print(f"triage-tui: {error}", file=err)
            return EXIT_FAILED
        print(f"triage-tui: {failure_line(error, workspace.database_path)}", file=err)
        return EXIT_FAILED


def main() -> None:
    """Console-script entry point."""
    try:
        code = run()
        sys.stdout.flush()  # here, not at exit, so a closed pipe is met where it can be handled
    except BrokenPipeError:
        code = _silence_closed_pipe()
    sys.exit(code)


if __name__ == "__main__":
    main()
