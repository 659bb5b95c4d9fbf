"""Provides `in_thread`: the blocking step of an async flow, run in a thread worker and awaited on the UI side, so
the flow sets the screen's state itself, never the thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import WorkerCancelled, WorkerFailed

ResultT = TypeVar("ResultT")


async def in_thread(node: DOMNode, job: Callable[[], ResultT], *, name: str, group: str = "default") -> ResultT | None:
    """Run `job` in a thread worker of `node` and return its result; None if it failed or was cancelled (a failure
    reaches the user through the node's `Worker.StateChanged` handler, as every failed read does)."""
    worker = node.run_worker(job, thread=True, name=name, group=group, exit_on_error=False)
    try:
        return await worker.wait()
    except (WorkerFailed, WorkerCancelled):
        return None
