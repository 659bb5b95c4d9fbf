"""Provides the inbox's keys for closed cases and undo, and its keys to the team's views (refused events, changed
keys, the roster): listed by help and the palette, and movable by the user's keymap through their ids."""

from __future__ import annotations

from textual.binding import Binding

TEAM_BINDINGS = [
    Binding(
        "R",
        "rejected_events",
        "Rejected",
        show=False,
        id="inbox.rejected_events",
        tooltip="Team events refused here, and why",
    ),
    Binding(
        "K",
        "changed_keys",
        "Changed keys",
        show=False,
        id="inbox.changed_keys",
        tooltip="Signing keys that changed since first use, for a coordinator to accept",
    ),
    Binding(
        "T",
        "team",
        "Team members",
        show=False,
        id="inbox.team",
        tooltip="The roster: members, roles, keys, your rights",
    ),
]
"""`R`, `K` and `T` from the inbox."""

DECISION_BINDINGS = [
    Binding(
        "c", "toggle_closed", "Closed cases", show=False, id="inbox.toggle_closed", tooltip="Show or hide closed cases"
    ),
    Binding(
        "u",
        "undo",
        "Undo",
        id="inbox.undo",
        tooltip="Undo the last inbox decision, on every case it touched",
    ),
    Binding(
        "I",
        "import_advisories",
        "Import advisories",
        show=False,
        id="inbox.import",
        tooltip="Import a file or folder of advisories (OSV JSON or YAML, GitHub, CVE JSON 5) as cases",
    ),
]
"""`c`, `u` and `I` from the inbox (`u` says so when nothing decided from the inbox is left to undo)."""
