"""Provides the private scratch folder where decrypted text may touch a file, removed on every exit path.

Each process gets one 0700 folder under a per-user root (memory-backed where there is one), holding a lock file it
keeps locked while it lives. The folder goes at exit, on SIGTERM and SIGHUP, and, after a SIGKILL or a power cut, at
the next start: a folder whose lock nobody holds belonged to a process that is gone.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import os
import re
import shutil
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

MEMORY_BASES = ("/dev/shm",)  # noqa: S108 - a private 0700 folder is made inside, never a file directly
"""Memory-backed folders tried first ($XDG_RUNTIME_DIR, a tmpfs where systemd runs, is tried after them)."""
ALIVE_FILE = ".alive"
_PROCESS_FOLDER = re.compile(r"^[0-9]+-[0-9a-f]+$")

_creating = threading.Lock()
_process_folder: Path | None = None
_alive_descriptor: int | None = None
_guarded = False


def choose_base() -> tuple[Path, bool]:
    """The folder to keep scratch files under, and whether it is memory-backed (else it is the disk's temp dir)."""
    candidates = list(MEMORY_BASES)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        candidates.append(runtime)
    for base in candidates:
        if os.path.isdir(base) and os.access(base, os.W_OK | os.X_OK):
            return Path(base), True
    import tempfile  # here: every start calls this, and only this case needs the module

    return Path(tempfile.gettempdir()), False


@functools.cache
def scratch_root() -> Path:
    """This user's root of scratch folders under `choose_base`, made private if new (once per process)."""
    root = choose_base()[0] / f"triage-tui-{os.getuid()}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = root.lstat()
    except OSError:
        info = None
    if info is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        # Someone else made that name in a shared folder: use a private folder of our own instead (its leftovers
        # are not found at the next start, but nobody else can read them).
        import tempfile

        return Path(tempfile.mkdtemp(prefix=f"triage-tui-{os.getuid()}-", dir=root.parent))
    return root


def process_folder() -> Path:
    """This process's scratch folder (0700), made on first use."""
    global _process_folder, _alive_descriptor
    with _creating:
        if _process_folder is not None and _process_folder.is_dir():
            return _process_folder
        import tempfile

        root = scratch_root()
        # Made under a dot-name and renamed once its lock is held, so a wipe never sees it unlocked.
        building = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
        descriptor = os.open(building / ALIVE_FILE, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        folder = root / f"{os.getpid()}-{os.urandom(4).hex()}"
        os.rename(building, folder)
        if _process_folder is None and _alive_descriptor is None:
            atexit.register(remove_process_folder)
        _process_folder, _alive_descriptor = folder, descriptor
        if threading.current_thread() is threading.main_thread():
            _remove_on_signals()  # a process that never called guard_process (signal handlers need the main thread)
        return folder


@contextmanager
def private_folder(prefix: str) -> Iterator[Path]:
    """A fresh 0700 folder inside this process's scratch folder, removed with everything in it on exit."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir=process_folder()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_process_folder() -> None:
    """Remove this process's scratch folder with everything in it (at exit, or on a signal)."""
    global _process_folder, _alive_descriptor
    folder, descriptor = _process_folder, _alive_descriptor
    if folder is None:
        return
    _remove_tree(folder)
    _process_folder, _alive_descriptor = None, None
    if descriptor is not None:
        os.close(descriptor)


def _remove_tree(folder: Path) -> None:
    """Remove `folder` and everything in it, however long a still-running gpg keeps writing into it (up to 1 s)."""
    # A gpg still running may create a file between rmtree's listing and its rmdir: try again until the folder is
    # gone (nothing can be created in a removed folder, so then no plaintext can appear in it any more).
    for _attempt in range(100):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            return
        time.sleep(0.01)


def wipe_leftovers() -> int:
    """Remove the scratch folders of processes that ended without removing theirs (SIGKILL, a crash); how many."""
    root = scratch_root()
    removed = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        if not _PROCESS_FOLDER.match(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if path == _process_folder:
            continue
        try:
            descriptor = os.open(path / ALIVE_FILE, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            descriptor = None  # a folder whose lock file is gone is being removed, or is a broken leftover
        except OSError:
            continue
        try:
            if descriptor is not None:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its process is alive
            _remove_tree(path)
            removed += 1
        finally:
            if descriptor is not None:
                os.close(descriptor)
    return removed


def _remove_then_die(signum: int, _frame: FrameType | None) -> None:
    """The SIGTERM/SIGHUP handler: remove this process's scratch folder, then die of the signal."""
    remove_process_folder()
    # Then end as the signal would have ended the process, so whoever sent it sees the usual status.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _remove_on_signals() -> None:
    """Install `_remove_then_die` for SIGTERM and SIGHUP where they still have their default action (once)."""
    global _guarded
    if _guarded:
        return
    _guarded = True
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # A signal the process was told to ignore (`nohup`) stays ignored; one it handles itself stays its own.
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _remove_then_die)


def guard_process() -> None:
    """Wipe leftovers of ended processes, and remove this process's folder on SIGTERM and SIGHUP (and at exit).

    Call from the main thread, at start: the folder itself is made later, often in a worker thread.
    """
    wipe_leftovers()
    _remove_on_signals()
