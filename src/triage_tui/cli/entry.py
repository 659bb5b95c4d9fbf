"""Provides the entry point: parse the command line, open the workspace's store once, run one sub-command."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from triage_tui.cli.advisories import export_advisory, import_advisories
from triage_tui.cli.decisions import take_decision
from triage_tui.cli.demo import run_demo
from triage_tui.cli.opening import open_app, unlock
from triage_tui.cli.outbox_command import run_outbox
from triage_tui.cli.output import EXIT_CLOSED_PIPE, EXIT_FAILED, EXIT_USAGE, CliError
from triage_tui.cli.parser import build_parser
from triage_tui.cli.reads import list_cases, list_rejected, print_matrix, show_case
from triage_tui.cli.rekey import rekey
from triage_tui.cli.sync_command import run_sync
from triage_tui.cli.team_command import run_team
from triage_tui.cli.team_onboard_command import run_join
from triage_tui.config import ConfigError, load_config
from triage_tui.store.store import Store
from triage_tui.workspace import resolve_workspace


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


def run(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    """Run the command line and return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    # Known args only, so `case X label -wheel` reaches the label action; anywhere else, unknown is an error.
    args, extras = parser.parse_known_args(argv)
    if extras and (args.command, getattr(args, "action", None)) != ("case", "label"):
        parser.error("unrecognized arguments: " + " ".join(extras))
    workspace = resolve_workspace(getattr(args, "home", None))
    try:
        _guard_scratch(args.command, err)
        if args.command == "demo":
            return run_demo(workspace, args, out, err)
        if args.command == "init":  # before the config: init writes it
            from triage_tui.cli.init_command import run_init

            return run_init(workspace, args, out, err)
        if args.command == "team" and args.team_action == "join":  # before the config: joining writes it
            return run_join(workspace, args, out)
        config = load_config(workspace.config_path)
        if args.command == "rekey":  # before unlocking: a plain store is refused, not encrypted first
            return rekey(workspace, config, args.new_fingerprint, out, err)
        unlock(workspace, config, err)
        if args.command == "sync":
            return run_sync(workspace.database_path, config, only=args.source, json_output=args.json, out=out, err=err)
        # One store for the whole command: its schema is checked once, and what opens it shares its writer.
        with Store(workspace.database_path) as store:
            if args.command == "cases":
                return list_cases(store, args, out, err)
            if args.command == "show":
                return show_case(store, args, out, config)
            if args.command == "rejected":
                return list_rejected(store, args, out, config)
            if args.command == "matrix":
                return print_matrix(store, args, out, err)
            if args.command == "export":
                return export_advisory(store, config, args, out, err)
            if args.command == "import":
                return import_advisories(store, config, args, out, err)
            if args.command == "case":
                return take_decision(store, config, args, extras, stdin or sys.stdin.buffer, out)
            if args.command == "team":
                return run_team(store, config, workspace, args, out)
            if args.command == "key":
                from triage_tui.cli.key_command import run_key

                return run_key(store, config, args, stdin or sys.stdin.buffer, out, err)
            if args.command == "outbox":
                return run_outbox(store, config, args, out)
            return open_app(store, config)
    except (ConfigError, CliError) as error:
        from triage_tui.untrusted import neutralise_line

        print(neutralise_line(f"triage-tui: {error}"), file=err)  # it can quote a typed --home or argument
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
