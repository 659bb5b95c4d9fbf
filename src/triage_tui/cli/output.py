"""Provides what every sub-command shares to end: the exit codes, the one-line error and the JSON document."""

from __future__ import annotations

from typing import TextIO

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_EMBARGOED = 3
EXIT_CLOSED_PIPE = 141
"""What a shell reports for a program ended by a closed pipe (128 + SIGPIPE), as `yes | head` does."""


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


def print_json(document: object, out: TextIO) -> None:
    """Write `document` as the command's one JSON document."""
    from triage_tui.untrusted import json_text

    # Every JSON output escapes controls and bidi overrides: its strings hold what reports, APIs and team members
    # sent, and it is read in terminals as often as by programs.
    out.write(json_text(document) + "\n")
