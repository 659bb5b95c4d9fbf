"""triage-tui: a keyboard-driven workstation for coordinating packaging security disclosures."""

__version__ = "0.1.0"
