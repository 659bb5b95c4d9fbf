"""Provides `python -m triage_tui`."""

from triage_tui.cli import main

if __name__ == "__main__":
    main()
