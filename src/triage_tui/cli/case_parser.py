"""Provides the parser of `triage-tui case CASE_ID ACTION ...`: one decision per action, as the screens make it."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

from triage_tui.domain import CaseState, Disposition, ImpactStatus, VexJustification

LABEL_HELP = """\
Add or remove labels relative to the case's labels: +LABEL adds one, -LABEL removes one (a bare LABEL is refused).
The rest stay; labels are trimmed and lower-cased as the screen stores them. Write `--` before a removal that
argparse would read as an option (`label -- -h`)."""


def _words(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def add_case_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    home_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add `case CASE_ID ACTION ...` to the sub-commands."""
    case = commands.add_parser(
        "case",
        help="take one decision on a case, as the screens take it",
        description=(
            "One decision, written as one event exactly as the screens write it (with team sync on, a team event "
            "too). Exit 0: done (with --json, the event on stdout); 2: refused, the reason on stderr; 1: any other "
            "error."
        ),
    )
    home_option(case)
    _json_option(case)
    case.add_argument("case_id", metavar="CASE_ID")
    actions = case.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, description: str | None = None) -> argparse.ArgumentParser:
        parser = actions.add_parser(
            name,
            help=help_text,
            description=description or help_text,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        home_option(parser)
        _json_option(parser)
        return parser

    state = action("state", "move the case along its lifecycle")
    state.add_argument("state", metavar="STATE", help=_words(CaseState))

    close = action("close", "close a new or triaged case with a disposition")
    close.add_argument(
        "disposition", metavar="DISPOSITION", help=_words(d for d in Disposition if d is not Disposition.DUPLICATE)
    )
    close.add_argument("--reason", metavar="REASON", help="the policy reason (only with not-a-vulnerability)")

    assign = action("assign", "assign the case to a person or a project team (team:pip); none clears it")
    assign.add_argument("assignee", metavar="WHO|none")

    label = action("label", "add (+L) or remove (-L) labels", LABEL_HELP)
    label.add_argument("changes", metavar="+L|-L", nargs="*")

    note = action("note", "attach a note to the case")
    note.add_argument("text", metavar="TEXT|-", help="the note; - reads it from stdin (at most 64 KiB)")

    embargo = action("embargo", "set or clear the embargo end")
    # A date and a time as two words too (`embargo 2027-01-15 12:00`, unquoted, as the help shows it).
    embargo.add_argument(
        "until", metavar="DATE|none", nargs="+", help="YYYY-MM-DD or YYYY-MM-DD HH:MM, in UTC; none clears"
    )

    cvss = action("cvss", "store a CVSS 3.1 or 4.0 vector (the score is computed from it)")
    cvss.add_argument("vector", metavar="VECTOR")

    duplicate = action("duplicate-of", "close the case as a duplicate of another, crediting its reporter there")
    duplicate.add_argument("of", metavar="CASE_ID")

    cell = action(
        "cell",
        "set the case's impact cell for a project (the whole cell, as the matrix's editor saves it)",
        "Set the case's impact cell for PROJECT to exactly what is given: an option left out is empty, as a field "
        "left empty in the matrix's editor.",
    )
    cell.add_argument("project", metavar="PROJECT")
    cell.add_argument("status", metavar="STATUS", help=_words(ImpactStatus))
    cell.add_argument("--ranges", metavar="SPEC", default="", help="PEP 440 specifier sets, ';' between them")
    cell.add_argument("--fixed", metavar="VERSION", help="the fixed version (fixed, fix-in-progress)")
    cell.add_argument("--justification", metavar="J", help=_words(VexJustification) + " (not-affected)")
    cell.add_argument("--notes", metavar="TEXT", default="")

    unlink = action("unlink", "unlink a project from the case (its cell goes)")
    unlink.add_argument("project", metavar="PROJECT")

    action("undo", "undo your last decision on the case")


def _json_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS, as for --home: `case X --json state triage` and `case X state triage --json` both work.
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the event as JSON")
