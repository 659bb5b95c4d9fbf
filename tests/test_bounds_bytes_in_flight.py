"""The raw bytes a sync holds across messages are bounded, from a real Maildir and a real Dovecot with real large plain
mails: no chunk handed to intake holds more than 12 MB (a larger message goes alone), intake never holds more than
24 MB at once (two workers each parsing a 24 MB mail went past 300 MB), and every mail is still taken in, in order."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path

import pytest

from dovecot_fixtures import DovecotServer
from gpg_fixtures import GpgWorld, write_team_config
from test_bounds_plain_mail import failures_and_subjects, plain_mail
from test_imap_sync import write_config
from triage_tui.config import load_config
from triage_tui.intake.records import IntakeFailure, ParsedMessage
from triage_tui.sources.base import RawItem
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult
from triage_tui.store.store import Store
from triage_tui.sync.intake_pool import IntakeWorkers
from triage_tui.sync.run import sync_all
from triage_tui.sync.store_writer import StoreWriter

MB = 1024 * 1024
BATCH_BUDGET = 12 * MB
IN_FLIGHT_BUDGET = 24 * MB
LARGE = (9 * MB, 9 * MB, 13 * MB, 13 * MB)
"""Large mails' raw sizes: two 9 MB ones pass a batch's budget, a 13 MB one goes alone, two of those pass the bytes
in flight (as two 24 MB ones would, each parsed by a worker at once)."""


class IntakeWatch:
    """Records the chunks handed to intake and the most raw bytes handed to it and not yet stored (the real workers
    and store run; chunks are stored in the order they were handed over)."""

    def __init__(self) -> None:
        self.chunks: list[list[int]] = []
        self.peak = 0
        self._unstored: deque[int] = deque()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        submit, store = IntakeWorkers.submit, StoreWriter.store
        watch = self

        def watched_submit(
            workers: IntakeWorkers, items: Sequence[RawItem]
        ) -> Future[list[ParsedMessage | IntakeFailure]]:
            watch.chunks.append([len(item.data) for item in items])
            watch._unstored.append(sum(watch.chunks[-1]))
            watch.peak = max(watch.peak, sum(watch._unstored))
            return submit(workers, items)

        def watched_store(
            writer: StoreWriter, items: Sequence[IncomingItem], cursors: Sequence[CursorUpdate], gone: GoneItems | None
        ) -> StoreResult:
            if items:
                watch._unstored.popleft()
            return store(writer, items, cursors, gone)

        monkeypatch.setattr(IntakeWorkers, "submit", watched_submit)
        monkeypatch.setattr(StoreWriter, "store", watched_store)

    def check_within_budgets(self) -> None:
        for chunk in self.chunks:
            assert len(chunk) == 1 or sum(chunk) <= BATCH_BUDGET, f"a chunk of {sum(chunk)} bytes: {chunk}"
        assert self.peak <= IN_FLIGHT_BUDGET, f"{self.peak} bytes handed to intake and not yet stored"


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[IntakeWatch]:
    watched = IntakeWatch()
    watched.install(monkeypatch)
    yield watched


def mails() -> list[tuple[str, bytes]]:
    """The large plain mails between small ones, in delivery order."""
    found = [("pip: small report 0", plain_mail("pip: small report 0", 0))]
    for number, size in enumerate(LARGE, start=1):
        subject = f"pip: crash dump {number}"
        found.append((subject, plain_mail(subject, size * 3 // 4)))
    found.append(("pip: small report 5", plain_mail("pip: small report 5", 0)))
    return found


def test_a_maildir_sync_of_several_large_mails_keeps_batches_and_bytes_in_flight_within_budget(
    tmp_path: Path, gpg_world: GpgWorld, watch: IntakeWatch
) -> None:
    maildir = tmp_path / "Maildir"
    for folder in ("cur", "new", "tmp"):
        (maildir / folder).mkdir(parents=True)
    sent = mails()
    for number, (_subject, data) in enumerate(sent):
        (maildir / "new" / f"17000000{number:02d}.mail{number}.host").write_bytes(data)
    config = load_config(
        write_team_config(tmp_path / "home", gpg_world, f'[sources.local]\nkind = "maildir"\npath = "{maildir}"\n')
    )

    (report,) = sync_all(Store(tmp_path / "triage.db"), config, only="local")

    assert report.ok and report.messages == len(sent) and report.failures == 0
    watch.check_within_budgets()
    assert sum(len(chunk) for chunk in watch.chunks) == len(sent)
    _failures, subjects = failures_and_subjects(tmp_path / "triage.db")
    assert subjects == [subject for subject, _data in sent]


def test_an_imap_sync_of_several_large_mails_keeps_batches_and_bytes_in_flight_within_budget(
    tmp_path: Path,
    gpg_world: GpgWorld,
    dovecot: DovecotServer,
    monkeypatch: pytest.MonkeyPatch,
    watch: IntakeWatch,
) -> None:
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_IMAP_PASSWORD", password)
    sent = mails()
    for _subject, data in sent:
        dovecot.append(user, "INBOX", data)

    (report,) = sync_all(Store(tmp_path / "triage.db"), write_config(tmp_path / "home", gpg_world, dovecot, user))

    assert report.ok and report.messages == len(sent) and report.failures == 0
    watch.check_within_budgets()
    assert sum(len(chunk) for chunk in watch.chunks) == len(sent)
    _failures, subjects = failures_and_subjects(tmp_path / "triage.db")
    assert subjects == [subject for subject, _data in sent]
