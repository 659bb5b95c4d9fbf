"""triage-tui: a keyboard-driven workstation for coordinating packaging security disclosures."""

import os

__version__ = "0.1.0"

# Textual paints a changed screen on a 1/FPS grid; at its default 60 a keystroke whose result arrives just after the
# echo of the key waits up to 16.7 ms for the next frame. 120 halves that; screens only repaint when something
# changed, so an idle app costs nothing more. Set before Textual is imported; TEXTUAL_FPS in the environment wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
