"""Provides the intake workers: threads, each running one gpg process per chunk, with one GnuPG handle shared."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from triage_tui.intake.pipeline import GnuPG, process_batch, too_large
from triage_tui.intake.plaintext_budget import PlaintextAllowance
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.sources.base import RawItem

# Two threads keep both cores busy: while one waits on its gpg process the other parses MIME. Worker processes
# were measured too (bench/sync_throughput.py): starting them and pickling results made sync ~15% slower.
WORKERS = 2


class IntakeWorkers:
    """A pool that turns chunks of raw items into intake results."""

    def __init__(self, gnupg_home: Path | None, plaintext_budget: int | None = None) -> None:
        self._gnupg_home = gnupg_home
        # Shared by the workers: large plaintexts are parsed one at a time, not one per worker at once.
        self._allowance = PlaintextAllowance(plaintext_budget) if plaintext_budget is not None else None
        self._gpg: GnuPG | None = None
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="intake")

    def submit(self, items: Sequence[RawItem]) -> Future[list[ParsedMessage | IntakeFailure]]:
        """Start intake of one chunk; items the source could not read become failures. The results are those of a
        prefix of `items` when the chunk's plaintext passed the budget: the caller stores them and submits the rest."""
        if self._gpg is None:
            # Made on first use: building it runs `gpg --version`, which a no-change sync can skip.
            self._gpg = GnuPG(self._gnupg_home)
            from triage_tui.memory import return_large_blocks

            # Messages of megabytes are parsed one after another, by either worker: each one's buffers go back to
            # the system when it is stored, instead of adding up in the heap.
            return_large_blocks()
        return self._pool.submit(self._intake, items, self._gpg, self._allowance)

    @staticmethod
    def _intake(
        items: Sequence[RawItem], gpg: GnuPG, allowance: PlaintextAllowance | None
    ) -> list[ParsedMessage | IntakeFailure]:
        readable = [item for item in items if item.error is None and item.whole_size is None]
        with allowance.lease() if allowance is not None else nullcontext(None) as lease:
            parsed = iter(process_batch([item.data for item in readable], gpg, lease=lease))
        results: list[ParsedMessage | IntakeFailure] = []
        for item in items:
            if item.error is not None:
                results.append(IntakeFailure(raw=item.data, reason=f"could not read the item: {item.error}"))
            elif item.whole_size is not None:
                results.append(too_large(item.data, item.whole_size))
            else:
                result = next(parsed, None)
                if result is None:
                    break  # the plaintext budget stopped here: the rest is handed back
                results.append(result)
        return results

    def __enter__(self) -> IntakeWorkers:
        return self

    def __exit__(self, *_exc: object) -> None:
        # cancel_futures: after an error or a cancel, chunks not yet started are dropped, not decrypted for nothing.
        self._pool.shutdown(wait=True, cancel_futures=True)
