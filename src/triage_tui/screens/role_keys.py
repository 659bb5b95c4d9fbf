"""Provides `RoleKeys`: a screen whose footer and palette offer a coordinator's decisions to a coordinator only.

A maintainer's footer then lists what they may do. The keys themselves stay bound: pressed, each says the rule the team
would refuse the decision by (the footer is what the user is offered; a key they know from elsewhere still explains).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from triage_tui.screens.context import AppContext

COORDINATOR_KEYS = frozenset(
    {
        "case.reply",
        "case.change_state",
        "case.close",
        "case.assign",
        "case.labels",
        "case.duplicate",
        "case.severity",
        "case.embargo",
        "inbox.select",
        "inbox.bulk_close",
        "inbox.bulk_assign",
        "inbox.bulk_labels",
        "inbox.import",
        "matrix.unlink",
    }
)
"""The binding ids of a coordinator's decisions (selecting cases serves only the inbox's bulk decisions)."""


class RoleKeys:
    """Mixin for a screen holding the app's context: offers a binding of `COORDINATOR_KEYS` to a coordinator only
    (and to everyone until this user's standing is read, as before: a coordinator's screen never loses a key)."""

    context: AppContext

    def offers(self, binding: Binding) -> bool:
        standing = self.context.standing
        return standing is None or standing.coordinator or binding.id not in COORDINATOR_KEYS


class StandingRead(Message):
    """This user's standing has been read (`AppContext.standing`): the screens' keys are drawn again."""
