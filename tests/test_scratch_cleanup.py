"""Tests that decrypted text written to scratch files never outlives the process: signals, SIGKILL, the editor."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, write_team_config
from report_maildir import (
    REPORTS,
    Reports,
    build_reports,
    children_of,
    files_holding,
    maildir_source,
    sync_caught_decrypting,
    wait_gone,
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, gpg_world: GpgWorld) -> Reports:
    return build_reports(tmp_path_factory.mktemp("reports"), gpg_world)


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld, reports: Reports) -> Path:
    write_team_config(tmp_path, gpg_world, maildir_source(reports))
    return tmp_path


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the sync's gpg processes")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_sync_ended_by_a_signal_leaves_no_decrypted_file(home: Path, reports: Reports, signum: int) -> None:
    process, children = sync_caught_decrypting(home, reports.marker)
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode == -signum  # it still ends as the signal says
    wait_gone(children)  # a gpg still running must not be able to leave anything either
    assert files_holding(reports.marker) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the sync's gpg processes")
def test_the_next_start_wipes_what_a_killed_sync_left(home: Path, reports: Reports) -> None:
    for _attempt in range(3):
        process, children = sync_caught_decrypting(home, reports.marker)
        process.kill()  # SIGKILL: nothing runs in the process any more
        process.communicate(timeout=60)
        wait_gone(children)
        if files_holding(reports.marker):
            break  # (else the chunk caught was removed in the instant before the kill: catch another)
    assert files_holding(reports.marker) != []
    started = subprocess.run(
        [sys.executable, "-m", "triage_tui", "cases", "--home", str(home)], capture_output=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert files_holding(reports.marker) == []


def test_a_reply_open_in_the_editor_is_removed_when_the_terminal_closes(tmp_path: Path) -> None:
    marker = f"REPLY-{secrets.token_hex(8)}"
    ready = tmp_path / "editor-started"
    # A reply handed to an "editor" that waits like a person would, as the reply screen hands it over.
    script = (
        "from triage_tui.replies.editor import edit_text\n"
        f"edit_text({marker!r}, command=['sh', '-c', 'touch {ready}; exec sleep 60'])\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert files_holding(marker.encode()) != []  # the draft is in its file while the editor runs
    editor = children_of(process.pid)
    process.send_signal(signal.SIGHUP)
    assert process.wait(timeout=60) == -signal.SIGHUP
    for pid in editor:
        os.kill(pid, signal.SIGKILL)
    assert files_holding(marker.encode()) == []


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root and unshare")
def test_without_a_memory_backed_folder_the_sync_says_so_and_still_leaves_nothing(home: Path, reports: Reports) -> None:
    import tempfile

    # As on macOS: no writable /dev/shm (a read-only tmpfs over it, in a mount namespace of the sync's own).
    command = f"mount -t tmpfs -o ro tmpfs /dev/shm && exec {sys.executable} -m triage_tui sync --home {home}"
    environment = {key: value for key, value in os.environ.items() if key != "XDG_RUNTIME_DIR"}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, timeout=300, env=environment
    )
    assert done.returncode == 0, done.stderr
    assert "no memory-backed folder (/dev/shm) here; decrypted text passes through private files in " in done.stderr
    assert tempfile.gettempdir() in done.stderr
    assert f"{REPORTS} new messages" in done.stderr
    assert files_holding(reports.marker, [Path(tempfile.gettempdir())]) == []
