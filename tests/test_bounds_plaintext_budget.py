"""The plaintext a sync holds is bounded, with real gpg-made messages through a real Maildir sync: a chunk's gpg run
reads in at most its plaintext budget and hands the rest back, stored after the part read, in arrival order, each
message once and the cursor with the last; sub-cap compression bombs are refused whole and the store does not grow."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, pgpmime_envelope, write_team_config
from test_bounds_gpg import compression_bomb, log_lines
from test_bounds_plain_mail import failures_and_subjects
from triage_tui.config import load_config
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.sync import mail_source as sync
from triage_tui.sync.jobs import SyncProgress
from triage_tui.sync.run import sync_all

SIZE = 200 * 1024


def encrypted_mail(world: GpgWorld, subject: str, body: bytes, inflated: int) -> bytes:
    armour = compression_bomb(world.reporter, world.team.fingerprint, inflated, body)
    return pgpmime_envelope(armour, subject=subject).replace(b"<handmade@", f"<{subject.replace(' ', '-')}@".encode())


def maildir_config(tmp_path: Path, world: GpgWorld, mails: list[bytes]) -> Path:
    maildir = tmp_path / "Maildir"
    for folder in ("cur", "new", "tmp"):
        (maildir / folder).mkdir(parents=True)
    for number, data in enumerate(mails):
        (maildir / "new" / f"17000000{number:02d}.mail{number}.host").write_bytes(data)
    return write_team_config(tmp_path / "home", world, f'[sources.local]\nkind = "maildir"\npath = "{maildir}"\n')


def test_a_chunk_past_its_plaintext_budget_is_stored_in_parts_in_order_and_once(
    tmp_path: Path, gpg_world: GpgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    subjects = [f"pip: crash log {n}" for n in range(4)]
    mails = [encrypted_mail(gpg_world, subject, log_lines(SIZE, n), SIZE) for n, subject in enumerate(subjects)]
    config = load_config(maildir_config(tmp_path, gpg_world, mails))
    # Room for one 200 KB plaintext a run: each of the four (one Maildir batch) is stored before the next is read.
    monkeypatch.setattr(sync, "MAX_PLAINTEXT_PER_RUN", 300 * 1024, raising=False)
    stored_counts: list[int] = []

    def progress(state: SyncProgress) -> None:
        stored_counts.append(state.messages)

    (report,) = sync_all(Store(tmp_path / "triage.db"), config, only="local", progress=progress)

    assert report.ok and report.messages == 4 and report.failures == 0
    assert [count for count in stored_counts if count] == [1, 2, 3, 4]
    _failures, stored_subjects = failures_and_subjects(tmp_path / "triage.db")
    assert stored_subjects == subjects
    (again,) = sync_all(Store(tmp_path / "triage.db"), config, only="local")
    assert again.ok and again.messages == 0 and again.failures == 0


def test_ten_sub_cap_bombs_in_one_sync_are_refused_and_the_store_stays_small(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    bomb = compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, 4 * 1024 * 1024)
    mails = [
        pgpmime_envelope(bomb, subject=f"bomb {n}").replace(b"<handmade@", f"<bomb{n}@".encode()) for n in range(10)
    ]
    mails.append(encrypted_mail(gpg_world, "pip: real report", log_lines(SIZE), SIZE))
    config = load_config(maildir_config(tmp_path, gpg_world, mails))

    (report,) = sync_all(Store(tmp_path / "triage.db"), config, only="local")

    assert report.ok and report.messages == 11 and report.failures == 10
    with reader(tmp_path / "triage.db") as connection:
        rows = connection.execute("SELECT subject, length(body), error FROM messages ORDER BY id").fetchall()
    assert [subject for subject, _length, _error in rows] == [*(f"bomb {n}" for n in range(10)), "pip: real report"]
    for _subject, length, error in rows[:10]:
        assert not length and "a compression bomb?" in error
    assert rows[10][1] == SIZE and rows[10][2] is None
    assert (tmp_path / "triage.db").stat().st_size < 8 * 1024 * 1024  # main stored 40 MB of one letter


def test_the_plaintext_bounds_in_force_are_sane() -> None:
    from triage_tui.intake import gnupg_batch

    # A message at the cap still fits one run, and the chunks a sync holds keep their plaintext well under 300 MB.
    assert gnupg_batch.MAX_PLAINTEXT_PER_RUN >= gnupg_batch.MAX_PLAINTEXT_BYTES
    assert sync.MAX_IN_FLIGHT * gnupg_batch.MAX_PLAINTEXT_PER_RUN <= 64 * 1024 * 1024
    assert sync.MAX_PLAINTEXT_PER_RUN == gnupg_batch.MAX_PLAINTEXT_PER_RUN  # type: ignore[attr-defined]  # sync's own
    # Real reports compress 1-30x; a bomb thousands of times; a megabyte is never refused.
    assert 50 <= gnupg_batch.MAX_AMPLIFICATION <= 200
    assert gnupg_batch.AMPLIFICATION_FLOOR_BYTES == 1024 * 1024
    assert not gnupg_batch.too_amplified(1024 * 1024, 100)
    assert gnupg_batch.too_amplified(15 * 1024 * 1024, 3000)


def test_the_workers_parse_large_plaintexts_one_at_a_time() -> None:
    """A worker's first plaintext waits while another worker's would not fit beside it, and goes on once that one
    is parsed (its lease given back); a later plaintext of a run is refused instead of waited for."""
    import threading

    from triage_tui.intake.plaintext_budget import PlaintextAllowance

    allowance = PlaintextAllowance(16 * 1024 * 1024)
    taken = threading.Event()
    with allowance.lease() as first:
        assert first.admits(10 * 1024 * 1024)
        assert not first.admits(10 * 1024 * 1024) and first.exhausted

        def other_worker() -> None:
            with allowance.lease() as second:
                assert second.admits(10 * 1024 * 1024)
                taken.set()

        worker = threading.Thread(target=other_worker)
        worker.start()
        assert not taken.wait(0.3)  # waits while the first lease holds 10 MB
    assert taken.wait(5)
    worker.join()
