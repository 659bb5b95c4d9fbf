"""Tests that decrypted text written to scratch files never outlives the process: signals, SIGKILL, the editor."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, write_team_config
from triage_tui import compose

REPORTS = 240
"""Five of the sync's chunks: enough for gpg to be caught writing plaintext."""
MEMORY_BASE = Path("/dev/shm") if os.path.isdir("/dev/shm") else None


@dataclass(frozen=True)
class Reports:
    """A Maildir of encrypted reports whose decrypted bodies all carry `marker`, found nowhere else."""

    maildir: Path
    marker: bytes


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, gpg_world: GpgWorld) -> Reports:
    maildir = tmp_path_factory.mktemp("reports") / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    marker = f"SECRET-{secrets.token_hex(8)}"
    for n in range(REPORTS):
        inner = compose.mime_report(
            subject=f"report {n}",
            sender=f"Rita <{gpg_world.reporter.email}>",
            to=gpg_world.team.email,
            body=f"{marker}: report {n}, the private details of a vulnerability.\n",
            date=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=n),
            message_id=f"<scratch-{n}@example.org>",
        )
        data = compose.encrypt_pgpmime(inner, gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
        (maildir / "new" / f"{1_700_000_000 + n}.{n:06d}.test").write_bytes(data)
    return Reports(maildir, marker.encode())


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld, reports: Reports) -> Path:
    write_team_config(tmp_path, gpg_world, f'[sources.local]\nkind = "maildir"\npath = "{reports.maildir}"\n')
    return tmp_path


def _scratch_bases() -> list[Path]:
    """Where a process may put scratch files on this machine: the memory-backed folder, else the temp dir."""
    import tempfile

    return [MEMORY_BASE] if MEMORY_BASE is not None else [Path(tempfile.gettempdir())]


def _files_holding(marker: bytes, bases: list[Path] | None = None) -> list[Path]:
    """Every file under the scratch bases whose content holds `marker` (decrypted text of these reports)."""
    found = []
    for base in bases or _scratch_bases():
        for folder, _dirs, files in os.walk(base):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.is_file() and path.stat().st_size < 1_000_000 and marker in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue  # removed while we looked
    return found


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def _wait_gone(pids: list[int]) -> None:
    """Wait until these processes (gpg, orphaned by a killed sync) have ended."""
    deadline = time.monotonic() + 60
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break
            if state == "Z":
                break
            time.sleep(0.02)


def _sync_caught_decrypting(home: Path, marker: bytes) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A real `triage-tui sync`, returned once decrypted text of the reports is in a file; with its children."""
    process = subprocess.Popen(
        [sys.executable, "-m", "triage_tui", "sync", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _files_holding(marker):
            return process, _children(process.pid)
        time.sleep(0.005)
    process.kill()
    raise AssertionError(f"the sync never wrote decrypted text to a file: {process.communicate()[1]!r}")


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the sync's gpg processes")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_sync_ended_by_a_signal_leaves_no_decrypted_file(home: Path, reports: Reports, signum: int) -> None:
    process, children = _sync_caught_decrypting(home, reports.marker)
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode == -signum  # it still ends as the signal says
    _wait_gone(children)  # a gpg still running must not be able to leave anything either
    assert _files_holding(reports.marker) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the sync's gpg processes")
def test_the_next_start_wipes_what_a_killed_sync_left(home: Path, reports: Reports) -> None:
    process, children = _sync_caught_decrypting(home, reports.marker)
    process.kill()  # SIGKILL: nothing runs in the process any more
    process.communicate(timeout=60)
    _wait_gone(children)
    assert _files_holding(reports.marker) != []
    started = subprocess.run(
        [sys.executable, "-m", "triage_tui", "cases", "--home", str(home)], capture_output=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert _files_holding(reports.marker) == []


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
    assert _files_holding(marker.encode()) != []  # the draft is in its file while the editor runs
    editor = _children(process.pid)
    process.send_signal(signal.SIGHUP)
    assert process.wait(timeout=60) == -signal.SIGHUP
    for pid in editor:
        os.kill(pid, signal.SIGKILL)
    assert _files_holding(marker.encode()) == []


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
    assert _files_holding(reports.marker, [Path(tempfile.gettempdir())]) == []
