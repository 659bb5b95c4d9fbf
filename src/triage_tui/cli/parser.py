"""Provides the argument parser of every sub-command."""

from __future__ import annotations

import argparse
from pathlib import Path

from triage_tui.advisories.format_names import FORMATS
from triage_tui.cli.case_parser import add_case_command
from triage_tui.cli.init_command import add_init_command
from triage_tui.cli.key_command import add_key_command
from triage_tui.cli.outbox_command import add_outbox_command
from triage_tui.cli.team_command import add_team_command
from triage_tui.cli.version import PrintVersion


def _home_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets `--home` appear before or after the sub-command without one default hiding the other.
    parser.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help="workspace folder")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="triage-tui", description="Keyboard-driven workstation for packaging security disclosures."
    )
    _home_option(parser)
    parser.add_argument("--version", action=PrintVersion)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="build a demo workspace with its own keys and reports, sync it, open it")
    _home_option(demo)
    demo.add_argument("--cases", type=int, default=200, metavar="N", help="number of reports (default 200)")
    demo.add_argument("--no-open", action="store_true", help="build and sync, but do not open the app")
    demo.add_argument(
        "--team", action="store_true", help="three workstations (coordinator, pip, uv) and the team's private Dovecot"
    )
    demo.add_argument("--stop", action="store_true", help="with --team: stop the demo's Dovecot")
    demo.add_argument("--rebuild", action="store_true", help="build the demo anew, discarding the one in --home")

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
    matrix.add_argument(
        "--all", action="store_true", help="include spam and cases closed as invalid (left out by default)"
    )

    export = commands.add_parser("export", help="print or write a case's advisory in one format (validated)")
    _home_option(export)
    export.add_argument("case_id", metavar="CASE_ID")
    export.add_argument("--format", required=True, choices=(*FORMATS, "all"), help="all needs --output FOLDER")
    export.add_argument("--output", metavar="PATH", type=Path, help="file to write (a folder for --format all)")
    export.add_argument("--force", action="store_true", help="export even while the case is under embargo")
    export.add_argument("--overwrite", action="store_true", help="replace an existing file")
    export.add_argument("--record", metavar="ID", help="export this imported record of the case (default: its draft)")

    import_ = commands.add_parser(
        "import", help="seed cases and advisory drafts from OSV, GHSA or CVE JSON 5 files, or folders of them"
    )
    _home_option(import_)
    import_.add_argument(
        "files", metavar="PATH", nargs="+", type=Path, help="a file, or a folder searched for *.json, *.yaml, *.yml"
    )

    show = commands.add_parser("show", help="show one case")
    _home_option(show)
    show.add_argument("case_id", metavar="CASE_ID")
    show.add_argument("--json", action="store_true", help="print the case as JSON")

    rejected = commands.add_parser("rejected", help="list the team events this workstation refused, and why")
    _home_option(rejected)
    rejected.add_argument("--json", action="store_true", help="print them as JSON")

    add_case_command(commands, _home_option)
    add_init_command(commands, _home_option)
    add_key_command(commands, _home_option)
    add_team_command(commands, _home_option)
    add_outbox_command(commands, _home_option)

    rekey = commands.add_parser("rekey", help="re-encrypt the store's key to a new identity key")
    _home_option(rekey)
    rekey.add_argument("new_fingerprint", metavar="NEW_FPR", help="the new key's fingerprint (its secret key is here)")
    return parser
