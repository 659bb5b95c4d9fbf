"""Measures the time from `triage-tui` process start to a usable inbox, on a store of many cases."""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import pty
import select
import shutil
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from triage_tui.config import Project, load_config
from triage_tui.demo.keys import generate_keys, kill_agent, open_gpg, short_home
from triage_tui.demo.people import Person
from triage_tui.domain import Signature
from triage_tui.intake.records import CryptoVerdict, ParsedMessage
from triage_tui.services.store_key import unlock_store
from triage_tui.store.batches import IncomingItem
from triage_tui.store.ingest import store_batch
from triage_tui.store.store import Store

PROJECTS = ["pip", "uv", "poetry", "conda", "pdm", "hatch", "setuptools", "twine", "pypi"]
TOPICS = ["path traversal in wheel extraction", "tarfile symlink escape", "netrc credential leak",
          "dependency confusion via extra-index-url", "hash-checking bypass", "ReDoS in version parsing"]  # fmt: skip
CONFIG = """
[identity]
name = "Bench"
email = "bench@example.org"
fingerprint = "{fingerprint}"
gnupg_home = "{gnupg_home}"
"""
BENCH_EMAIL = "bench@example.org"
GNUPG_DIR = "gnupg"


def bench_identity(home: Path) -> tuple[str, Path]:
    """A key without passphrase for the workspace's user (the store is encrypted to it); its fingerprint and home."""
    gnupg_home = short_home(home / GNUPG_DIR)
    return generate_keys(open_gpg(gnupg_home), [Person("Bench", BENCH_EMAIL)])[BENCH_EMAIL], gnupg_home


def unlock(home: Path) -> None:
    """Unlock the workspace's store in this process, as `triage-tui` does at start (encrypting a plain one)."""
    config = load_config(home / "config.toml")
    unlock_store(home / "triage.db", config.identity.fingerprint, config.gnupg_home())


def close_workspace(home: Path) -> None:
    """Stop the workspace's gpg-agent (it would outlive a temporary folder); the key stays, for `--store` reuse."""
    gnupg_home = load_config(home / "config.toml").gnupg_home()
    if gnupg_home is not None:
        kill_agent(gnupg_home)


def new_workspace(
    home: Path, project_ids: Iterable[str] = PROJECTS, *, encrypted: bool = True
) -> tuple[Store, list[Project]]:
    """A workspace at `home` with the packaging projects in its config and store; its store and projects.

    `encrypted=False` leaves the store plain, to compare against (the app itself always encrypts it)."""
    home.mkdir(parents=True, exist_ok=True)
    ids = list(project_ids)
    fingerprint, gnupg_home = bench_identity(home)
    config = CONFIG.format(fingerprint=fingerprint, gnupg_home=gnupg_home)
    config += "".join(f'\n[projects.{p}]\nname = "{p}"\npackages = ["{p}"]\n' for p in ids)
    (home / "config.toml").write_text(config)
    if encrypted:
        unlock(home)
    store = Store(home / "triage.db")
    projects = [Project(id=p, name=p, packages=(p,)) for p in ids]
    store.sync_projects(projects)
    return store, projects


def bench_message(n: int, subject: str, body: str, date: datetime, signature: Signature) -> ParsedMessage:
    """Report number `n` as intake would hand it over, from reporter `n % 977`."""
    raw = f"{n}:{subject}".encode()
    return ParsedMessage(
        raw=raw, content_hash=hashlib.sha256(raw).hexdigest(), message_id=f"<bench-{n}@example.org>",
        in_reply_to=None, references=(), subject=subject, sender_name=f"Reporter {n % 977}",
        sender_email=f"r{n % 977}@example.org", date=date, body=body, verdict=CryptoVerdict(signature=signature),
    )  # fmt: skip


def store_all(store: Store, messages: Iterable[ParsedMessage], projects: list[Project]) -> None:
    """Store `messages` through the real ingest, 5,000 to a transaction, then close the store."""
    batch: list[IncomingItem] = []
    for n, message in enumerate(messages):
        batch.append(IncomingItem("bench", str(n), message))
        if len(batch) == 5000:
            store_batch(store, batch, projects)
            batch = []
    if batch:
        store_batch(store, batch, projects)
    store.close()


def build_store(home: Path, cases: int, *, encrypted: bool = True) -> str:
    """Fill a workspace with `cases` one-message cases; return the id of the newest."""
    store, projects = new_workspace(home, encrypted=encrypted)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def subject(n: int) -> str:
        return f"{PROJECTS[n % len(PROJECTS)]}: {TOPICS[n % len(TOPICS)]} (report {n})"

    messages = (
        bench_message(n, subject(n), f"{subject(n)}\n" * 20, start + timedelta(minutes=n), Signature.GOOD)
        for n in range(cases)
    )
    store_all(store, messages, projects)
    # Dates stay inside 2026 for any sensible size, so numbers run 1..cases and the newest is the last.
    return f"PSC-2026-{cases:04d}"


PLAIN_LAUNCHER = """
import sys
from triage_tui.cli.opening import open_app
from triage_tui.config import load_config
from triage_tui.store.store import Store
from triage_tui.workspace import resolve_workspace
workspace = resolve_workspace(sys.argv[1])
open_app(Store(workspace.database_path), load_config(workspace.config_path))
"""
"""`triage-tui --home` without the unlock step, for timing a plain store (the command would encrypt it)."""


def time_to_inbox(home: Path, needle: str, timeout: float = 20.0, *, plain: bool = False) -> float:
    """Start the app in a 120x36 pseudo-terminal and time until `needle` is drawn."""
    executable = shutil.which("triage-tui", path=str(Path(sys.executable).parent)) or "triage-tui"
    command = [sys.executable, "-c", PLAIN_LAUNCHER, str(home)] if plain else [executable, "--home", str(home)]
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    seen = b""
    elapsed = -1.0
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if needle.encode() in seen:
                elapsed = time.perf_counter() - started
                break
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    if elapsed < 0:
        raise SystemExit(f"the inbox never showed {needle!r} within {timeout} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plain", action="store_true", help="an unencrypted store, started without unlocking")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-bench-") as scratch:
        home = Path(scratch) / "ws"
        began = time.perf_counter()
        newest = build_store(home, args.cases, encrypted=not args.plain)
        kind = "plain" if args.plain else "encrypted"
        print(f"built a {kind} store of {args.cases} cases in {time.perf_counter() - began:.1f} s")
        try:
            time_to_inbox(home, newest, plain=args.plain)  # warm the page cache, as a user's second start would
            runs = [time_to_inbox(home, newest, plain=args.plain) for _ in range(args.runs)]
        finally:
            close_workspace(home)
        print(
            f"time from process start to usable inbox at {args.cases} cases ({kind} store): median "
            f"{statistics.median(runs):.3f} s (runs: {', '.join(f'{r:.3f}' for r in runs)}; target <= 1.0 s)"
        )


if __name__ == "__main__":
    main()
