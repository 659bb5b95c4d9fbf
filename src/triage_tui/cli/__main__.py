"""Provides `python -m triage_tui.cli`, as before the command line became a package."""

from triage_tui.cli.entry import main

if __name__ == "__main__":
    main()
