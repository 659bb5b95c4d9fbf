"""Tests the one bounded reader of user-named files: a file at the bound is read, one over it is refused without
being read through, a folder, a FIFO (without hanging) and, where the caller says so, a symlink are refused; and the
invitation and advisory readers, which hung on a FIFO, now refuse it in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

import triage_tui
from gpg_fixtures import GpgWorld
from test_advisory_cve import CVE_RECORD
from test_advisory_import import cli_home
from triage_tui.services.safe_read import ReadRefused, read_bounded
from triage_tui.team.invitation import read_sealed
from triage_tui.team.invitation_document import InvitationError

T = TypeVar("T")


def within(seconds: float, fifo: Path, call: Callable[[], T]) -> T:
    """`call()`'s result (or its exception), failing the test if it has not returned in `seconds`: a reader stuck
    opening the FIFO is then let go by opening it for writing, so that a failing test does not hang the run."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # the stuck reader's open returns; it reads EOF
        thread.join(seconds)
        pytest.fail(f"still reading the FIFO after {seconds} s")
    if failure:
        raise failure[0]
    return outcome[0]


def test_a_file_at_the_bound_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "at.bin"
    path.write_bytes(b"x" * 1000)

    assert read_bounded(path, 1000) == b"x" * 1000
    assert read_bounded(path, 1001) == b"x" * 1000
    (tmp_path / "empty").write_bytes(b"")
    assert read_bounded(tmp_path / "empty", 0) == b""


def test_a_file_one_byte_over_the_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "over.bin"
    path.write_bytes(b"x" * 1001)

    with pytest.raises(ReadRefused) as refused:
        read_bounded(path, 1000)
    assert refused.value.kind == "too-big" and refused.value.reason == "over 1000 bytes"


def test_a_huge_file_is_refused_after_reading_no_more_than_the_bound(tmp_path: Path) -> None:
    # 64 GiB of holes: reading it through (or into memory) would take minutes and more memory than the machine has.
    path = tmp_path / "sparse.bin"
    with path.open("wb") as handle:
        handle.truncate(64 * 1024**3)

    started = time.monotonic()
    with pytest.raises(ReadRefused) as refused:
        read_bounded(path, 1024 * 1024)
    assert refused.value.kind == "too-big"
    assert time.monotonic() - started < 5


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadRefused) as refused:
        read_bounded(tmp_path, 1000)
    assert refused.value.kind == "not-regular" and refused.value.reason == "Is a directory"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    with pytest.raises(ReadRefused) as refused:
        within(10, fifo, lambda: read_bounded(fifo, 1000))
    assert refused.value.kind == "not-regular" and refused.value.reason == "not a regular file: a FIFO"


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ReadRefused) as refused:
        read_bounded(tmp_path / "missing", 1000)
    assert refused.value.kind == "unreadable" and refused.value.reason == "No such file or directory"


def test_a_symlink_is_followed_unless_the_caller_refuses_them(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"kept")
    link = tmp_path / "link.txt"
    link.symlink_to(target)

    assert read_bounded(link, 100) == b"kept"
    with pytest.raises(ReadRefused) as refused:
        read_bounded(link, 100, follow_symlinks=False)
    assert refused.value.kind == "symlink"
    assert read_bounded(target, 100, follow_symlinks=False) == b"kept"


def test_an_invitation_that_is_a_fifo_is_refused_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "pip.invitation"
    os.mkfifo(fifo)

    with pytest.raises(InvitationError) as refused:
        within(10, fifo, lambda: read_sealed(fifo))
    assert str(refused.value) == f"cannot read the invitation {fifo}: not a regular file: a FIFO"


def test_an_advisory_that_is_a_fifo_is_not_imported_and_the_others_are(tmp_path: Path, gpg_world: GpgWorld) -> None:
    home = cli_home(tmp_path, gpg_world)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    good = tmp_path / "cve.json"
    good.write_text(json.dumps(CVE_RECORD))
    source = str(Path(triage_tui.__file__).resolve().parents[1])

    done = subprocess.run(  # a process of its own: one stuck opening the FIFO is killed at the timeout
        [sys.executable, "-m", "triage_tui", "--home", str(home), "import", str(fifo), str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": source},
    )

    assert done.returncode == 1, done.stderr
    assert f"{fifo}: not imported: cannot be read (not a regular file: a FIFO)" in done.stderr
    assert len(done.stdout.split()) == 1  # the other file's case
