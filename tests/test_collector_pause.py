"""The cycle collector paused while a batch of team events is applied: off inside, on again after (if it was on),
counted across nested and concurrent uses, and paused around the transport's batch."""

from __future__ import annotations

import gc
import threading

from triage_tui.team import transport
from triage_tui.team.apply_batch import HeldBatch
from triage_tui.team.collector_pause import collector_paused


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer use still holds it
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_uses_end_with_the_collector_on() -> None:
    entered, release = threading.Barrier(3), threading.Event()

    def batch() -> None:
        with collector_paused():
            entered.wait()
            release.wait(5)

    threads = [threading.Thread(target=batch) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join(5)
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_batch_that_fails() -> None:
    try:
        with collector_paused():
            raise RuntimeError("a batch that fails")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_the_transport_applies_each_batch_with_the_collector_paused() -> None:
    seen: list[bool] = []

    class Stop(Exception):
        pass

    class Store:
        def read(self) -> None:  # the first thing a batch does: reading the roster
            seen.append(gc.isenabled())
            raise Stop

    class Transport:
        store = Store()

    try:
        transport.TeamTransport._apply(Transport(), HeldBatch())  # type: ignore[arg-type]
    except Stop:
        pass
    assert seen == [False] and gc.isenabled()
