"""Provides a Maildir of real encrypted reports whose decrypted text carries a marker, and ways to look for it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gpg_fixtures import GpgWorld
from triage_tui import compose

REPORTS = 240
"""Five of the sync's chunks: enough for gpg to be caught writing plaintext."""
MEMORY_BASE = Path("/dev/shm") if os.path.isdir("/dev/shm") else None


@dataclass(frozen=True)
class Reports:
    """A Maildir of encrypted reports whose decrypted subjects and bodies all carry `marker`, found nowhere else."""

    maildir: Path
    marker: bytes


def build_reports(folder: Path, world: GpgWorld, count: int = REPORTS) -> Reports:
    """`count` reports from the world's reporter to its team, encrypted, in a Maildir under `folder`."""
    maildir = folder / "Maildir"
    for name in ("new", "cur", "tmp"):
        (maildir / name).mkdir(parents=True)
    marker = f"SECRET-{secrets.token_hex(8)}"
    for n in range(count):
        inner = compose.mime_report(
            subject=f"{marker} subject {n}",
            sender=f"Rita <{world.reporter.email}>",
            to=world.team.email,
            body=f"{marker}: report {n}, the private details of a vulnerability.\n",
            date=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=n),
            message_id=f"<scratch-{n}@example.org>",
        )
        data = compose.encrypt_pgpmime(inner, world.reporter.gpg, [world.team.fingerprint])
        (maildir / "new" / f"{1_700_000_000 + n}.{n:06d}.test").write_bytes(data)
    return Reports(maildir, marker.encode())


def maildir_source(reports: Reports) -> str:
    """The config's `[sources.local]` table for the reports' Maildir."""
    return f'[sources.local]\nkind = "maildir"\npath = "{reports.maildir}"\n'


def files_holding(marker: bytes, bases: list[Path] | None = None) -> list[Path]:
    """Every file under `bases` (default: where scratch files go here) whose content holds `marker`."""
    found = []
    default = [MEMORY_BASE] if MEMORY_BASE is not None else [Path(tempfile.gettempdir())]
    for base in bases or default:
        for folder, _dirs, files in os.walk(base):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.is_file() and path.stat().st_size < 1_000_000 and marker in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue  # removed while we looked
    return found


def children_of(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def wait_gone(pids: list[int]) -> None:
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


def sync_caught_decrypting(home: Path, marker: bytes) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A real `triage-tui sync`, returned once decrypted text of the reports is in a file; with its children."""
    process = subprocess.Popen(
        [sys.executable, "-m", "triage_tui", "sync", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if files_holding(marker):
            return process, children_of(process.pid)
        time.sleep(0.005)
    process.kill()
    raise AssertionError(f"the sync never wrote decrypted text to a file: {process.communicate()[1]!r}")
