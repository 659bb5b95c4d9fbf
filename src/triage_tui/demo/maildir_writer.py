"""Provides atomic Maildir delivery with time-ordered file names, so sorting names gives arrival order."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


def make_maildir(path: Path) -> Path:
    """Create `path` with its cur/, new/ and tmp/ folders (mode 0700: the mail is private)."""
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def message_name(date: datetime, seq: int) -> str:
    """A unique Maildir name whose lexical order is the order of (date, seq)."""
    return f"{int(date.timestamp()):010d}.{seq:06d}.demo"


def deliver(maildir: Path, name: str, data: bytes, date: datetime) -> Path:
    """Write `data` to tmp/ then rename it into new/, as a delivery agent does, so no reader sees half a file."""
    staging = maildir / "tmp" / name
    # No fsync: the demo can be rebuilt, and hundreds of fsyncs would dominate the build time.
    staging.write_bytes(data)
    # Stamp the file with the message date, so readers that sort by mtime agree with the name order.
    stamp = date.timestamp()
    os.utime(staging, (stamp, stamp))
    final = maildir / "new" / name
    os.replace(staging, final)
    return final
