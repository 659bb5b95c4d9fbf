"""Provides reply-test helpers: a case from a reporter with a real key, and aiosmtpd on loopback."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from gpg_fixtures import GpgWorld
from triage_tui.config import Identity
from triage_tui.domain import Decryption, Signature, SignatureScope
from triage_tui.intake.records import CryptoVerdict
from triage_tui.store.batches import TeamSenders
from triage_tui.store.connection import reader
from triage_tui.store.queries import CaseDetail, get_case
from ui_fixtures import BASE, message, seeded_store

CASE_ID = "PSC-2026-0001"


def good_from(fingerprint: str) -> CryptoVerdict:
    return CryptoVerdict(
        encrypted=True,
        decryption=Decryption.OK,
        signature=Signature.GOOD,
        signer_fingerprint=fingerprint,
        scope=SignatureScope.WHOLE,
    )


def reply_store(path: Path, world: GpgWorld, *, title: str = "pip: wheel RECORD path traversal") -> Path:
    """A store with one case: a signed report from the reporter, our answer, and the reporter's follow-up."""
    reporter = ("Rita Reporter", world.reporter.email)
    team = TeamSenders(addresses=frozenset({world.team.email}), fingerprints=frozenset({world.team.fingerprint}))
    return seeded_store(
        path,
        [
            message(1, title, sender=reporter, date=BASE, verdict=good_from(world.reporter.fingerprint)),
            message(
                2,
                f"Re: {title}",
                sender=("Team", world.team.email),
                date=BASE + timedelta(days=1),
                reply_to="<1@reports.test>",
                verdict=good_from(world.team.fingerprint),
            ),
            message(
                3,
                f"Re: {title}",
                sender=reporter,
                date=BASE + timedelta(days=2),
                reply_to="<2@reports.test>",
                verdict=good_from(world.reporter.fingerprint),
            ),
        ],
        team=team,
    )


def set_case(database: Path, case_id: str = CASE_ID, **values: Any) -> None:
    """Change columns of a case directly (embargo, reporter address) for a test."""
    connection = sqlite3.connect(database)
    with connection:
        for column, value in values.items():
            stored = value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
            connection.execute(f"UPDATE cases SET {column} = ? WHERE id = ?", (stored, case_id))
    connection.close()


def load_case(database: Path, case_id: str = CASE_ID) -> CaseDetail:
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return detail


def team_identity(world: GpgWorld) -> Identity:
    return Identity(name="Team Coordinator", email=world.team.email, fingerprint=world.team.fingerprint)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One message the loopback server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message, or refuses recipients in `refuse`."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    host: str
    port: int
    collector: Collector


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a random loopback port, collecting what it receives."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, collector)
    finally:
        controller.stop()
