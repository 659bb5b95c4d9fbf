"""Provides the SMTP sink of `[smtp] sink = "FOLDER"`: a real SMTP server (aiosmtpd) on the configured loopback
host and port, run only while the outbox is sent, that keeps each mail it accepts as a .eml file in FOLDER.

The demo sends its replies through it. Why in-process and only during a send, rather than a server started once by
`triage-tui demo`: whatever sends (the app's sync, `triage-tui sync`, after a reboot or from another terminal)
starts it itself, so it is running exactly when needed, with no process to find again, stop or clean up after a
crash; two senders cannot meet, because one sync runs on a store at a time (its sync lock)."""

from __future__ import annotations

import errno
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from triage_tui.config import SmtpConfig

READY_TIMEOUT_S = 5.0


class SinkError(Exception):
    """The sink could not start (its port is taken, its folder cannot be made); the message says why."""


class MailFolder:
    """An aiosmtpd handler that keeps every message as `<time>-<random>.eml`, written whole before it appears."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        partial = self.folder / f".{name}.part"
        # 0600, as every file triage-tui writes: a reply may be readable to its recipients only, but its headers
        # and who it went to are the team's business.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(bytes(content))
        os.replace(partial, self.folder / f"{name}.eml")  # whole or absent: a reader never sees half a mail
        return "250 Message kept"


def sent_mail(folder: Path) -> list[Path]:
    """The mails a sink kept in `folder`, oldest first."""
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _start(smtp: SmtpConfig, port: int) -> Any:
    from aiosmtpd.controller import Controller

    assert smtp.sink is not None
    controller = Controller(MailFolder(smtp.sink), hostname=smtp.host, port=port, ready_timeout=READY_TIMEOUT_S)
    controller.start()
    return controller


@contextmanager
def running_sink(smtp: SmtpConfig) -> Iterator[SmtpConfig]:
    """Run the sink of `smtp` (whose `sink` is set) for the block; yields where to send. SinkError if it cannot
    start. Its port is the configured one, or, when something else has taken that since the config was written,
    another free one: the sink is ours alone, so where it listens does not matter to anyone else."""
    assert smtp.sink is not None
    try:
        smtp.sink.mkdir(parents=True, exist_ok=True)
        try:
            controller, port = _start(smtp, smtp.port), smtp.port
        except OSError as taken:
            if taken.errno != errno.EADDRINUSE:
                raise
            port = _free_port(smtp.host)
            controller = _start(smtp, port)
    except (OSError, RuntimeError, TimeoutError) as error:
        raise SinkError(f"cannot start the SMTP sink on {smtp.host}:{smtp.port}: {error}") from None
    try:
        yield msgspec.structs.replace(smtp, port=port)
    finally:
        controller.stop()
