"""Provides `python -m triage_tui`."""

from triage_tui.cli import main

main()
