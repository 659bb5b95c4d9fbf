"""Provides the one way a failed store read reaches the user: an error notification, never an exit.

`Worker.StateChanged` does not bubble, so each node that starts workers routes its failures here.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState


def report_worker_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Notify about `event` if its worker failed (workers run with exit_on_error=False)."""
    if event.state == WorkerState.ERROR:
        # The app's notify never parses markup, and the error may quote untrusted text.
        node.app.notify(f"{event.worker.name} failed: {event.worker.error}", title="Error", severity="error")
