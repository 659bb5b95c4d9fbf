"""Provides dialogs that do their work before they close: refused, a dialog stays open with its input and the reason.

A dialog that closed first and did its work after would lose what was typed whenever the work is refused (a case id
that does not exist, a file that is already there, a value changed meanwhile). `attempt` runs the work in a thread
worker of the dialog; the dialog closes only once it is done, and a refusal is shown on the dialog's refusal line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerState

from triage_tui.widgets.safe_text import safe_line

ResultT = TypeVar("ResultT")
DismissT = TypeVar("DismissT")
"""What a dialog closes with."""
ValueT = TypeVar("ValueT")

REFUSAL_CSS = ".dialog-refusal { color: $error; height: auto; display: none; }"
"""The refusal line: hidden until there is a refusal, so a dialog looks the same until then."""
GROUP = "dialog-attempt"


class Refused(Exception):
    """The work refused the dialog's input; the message says why, worded for the user."""


def refusal_line() -> Static:
    """The line a dialog shows a refusal on (place it under the input)."""
    return Static(Content(""), classes="dialog-refusal")


def show_refusal(dialog: Screen[DismissT], reason: str) -> None:
    """Say on `dialog`'s refusal line why its input was refused (the reason may quote what was typed: shown as
    text)."""
    line = dialog.query_one(".dialog-refusal", Static)
    line.update(Content.assemble(("✗ not done: ", "bold"), safe_line(reason)))
    line.display = True


def attempting(dialog: Screen[DismissT]) -> bool:
    """Whether `dialog`'s work is under way (it closes, or says why not, when that ends)."""
    running = (WorkerState.PENDING, WorkerState.RUNNING)
    return any(worker.node is dialog and worker.group == GROUP and worker.state in running for worker in dialog.workers)


def close_done(dialog: Screen[DismissT], value: DismissT) -> None:
    """Close `dialog` with `value` once its work is done, unless it was closed meanwhile."""
    if dialog.app.screen is dialog:
        dialog.dismiss(value)


def attempt(dialog: Screen[DismissT], job: Callable[[], ResultT], done: Callable[[ResultT], None]) -> None:
    """Run `job` in a thread worker of `dialog`, then `done(result)` on the UI thread; a `Refused` (or any failure)
    is shown on the dialog, which stays open. A second attempt while one runs is ignored (enter pressed twice)."""
    if attempting(dialog):
        return
    app = dialog.app

    def perform() -> None:
        try:
            result = job()
        except Refused as refusal:
            app.call_from_thread(show_refusal, dialog, str(refusal))
            return
        except Exception as error:
            app.call_from_thread(show_refusal, dialog, f"failed: {error}")
            return
        app.call_from_thread(done, result)

    dialog.run_worker(perform, thread=True, group=GROUP, exit_on_error=False, name="dialog work")


def perform_then_close(
    dialog: Screen[ValueT | None], value: ValueT, perform: Callable[[ValueT], str] | None, *, title: str
) -> None:
    """Close `dialog` with `value`, or, given `perform` (run in a worker; it returns what to tell the user, or
    raises `Refused`), once `perform(value)` is done: a refusal keeps the dialog open with its input."""
    if perform is None:
        dialog.dismiss(value)
        return
    job = perform

    def done(said: str) -> None:
        close_done(dialog, value)
        dialog.app.notify(said, title=title, markup=False)

    attempt(dialog, lambda: job(value), done)
