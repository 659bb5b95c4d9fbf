"""Provides the `triage-tui` command line: one entry point whose sub-commands call the same services as the app."""

from triage_tui.cli.entry import main, run

__all__ = ["main", "run"]
