"""Tests for Maildir sync end to end with the real gpg: incremental, resumable, failures kept, contract output."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, write_team_config
from store_fixtures import engine_path
from triage_tui import compose
from triage_tui.cli import run
from triage_tui.config import Config, load_config
from triage_tui.sources.base import RawItem
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store.connection import reader
from triage_tui.store.database import open_engine
from triage_tui.store.queries import count_cases, get_case, list_cases
from triage_tui.store.store import Store
from triage_tui.sync import mail_source as sync_service
from triage_tui.sync.jobs import SyncProgress
from triage_tui.sync.mail_source import sync_source
from triage_tui.sync.run import sync_all

BASE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def write_config(home: Path, world: GpgWorld, maildir: Path) -> Config:
    return load_config(write_team_config(home, world, f'[sources.local]\nkind = "maildir"\npath = "{maildir}"\n'))


class Mailbox:
    """A Maildir the tests deliver into, one file per message, names in arrival order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        for folder in ("new", "cur", "tmp"):
            (path / folder).mkdir(parents=True, exist_ok=True)

    def deliver(self, data: bytes) -> str:
        self.count += 1
        name = f"{1_700_000_000 + self.count}.{self.count:06d}.test"
        (self.path / "tmp" / name).write_bytes(data)
        os.rename(self.path / "tmp" / name, self.path / "new" / name)
        return name

    def report(self, world: GpgWorld, n: int, subject: str, *, reply_to: str | None = None) -> str:
        inner = compose.mime_report(
            subject=subject,
            sender=f"Rita <{world.reporter.email}>",
            to=world.team.email,
            body=f"Report number {n}.\nSteps to reproduce: pip install ./evil.whl\n",
            date=BASE + timedelta(hours=n),
            message_id=f"<report-{n}@example.org>",
            in_reply_to=reply_to,
            references=(reply_to,) if reply_to else (),
        )
        return self.deliver(
            compose.encrypt_pgpmime(
                inner, world.reporter.gpg, [world.team.fingerprint], sign_with=world.reporter.fingerprint
            )
        )


@pytest.fixture
def workspace(tmp_path: Path, gpg_world: GpgWorld) -> tuple[Path, Mailbox, Config]:
    mailbox = Mailbox(tmp_path / "Maildir")
    return tmp_path, mailbox, write_config(tmp_path, gpg_world, mailbox.path)


class RecordingMaildir(MaildirSource):
    """A real Maildir source that remembers which files it read."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name, path)
        self.read: list[str] = []

    def fetch(self, keys: Iterable[str]) -> Iterator[RawItem]:
        for item in super().fetch(keys):
            self.read.append(item.key)
            yield item


def test_first_sync_threads_decrypts_and_keeps_bad_items(
    workspace: tuple[Path, Mailbox, Config], gpg_world: GpgWorld
) -> None:
    home, mailbox, config = workspace
    mailbox.report(gpg_world, 1, "pip: wheel RECORD path traversal")
    mailbox.report(gpg_world, 2, "Re: pip: wheel RECORD path traversal", reply_to="<report-1@example.org>")
    mailbox.report(gpg_world, 3, "uv: cache dir TOCTOU")
    mailbox.deliver(b"\x00\x01 this is not an email at all \xff")
    os.symlink("/etc/hostname", mailbox.path / "new" / "1800000000.999.evil")
    engine = open_engine(home / "triage.db")
    [report] = sync_all(Store(engine_path(engine)), config)
    assert report.ok and report.messages >= 3
    with reader(engine_path(engine)) as c:
        cases = list_cases(c)
        titles = sorted(s.title for s in cases)
        assert "pip: wheel RECORD path traversal" in titles and "uv: cache dir TOCTOU" in titles
        pip_case = next(s for s in cases if s.title.startswith("pip"))
        detail = get_case(c, pip_case.id)
        failures = dict(c.execute("SELECT source_key, reason FROM intake_failures").fetchall())
    assert detail is not None and len(detail.messages) == 2
    assert all(m.decryption == "ok" and m.signature == "good" for m in detail.messages)
    assert detail.messages[0].signer_fingerprint == gpg_world.reporter.fingerprint
    assert [p.project for p in pip_case.projects] == ["pip"]
    assert "symbolic link" in failures["1800000000.999.evil"]


def test_second_sync_reads_only_new_files_and_flag_renames_are_not_new(
    workspace: tuple[Path, Mailbox, Config], gpg_world: GpgWorld
) -> None:
    home, mailbox, config = workspace
    first = mailbox.report(gpg_world, 1, "pip: one")
    mailbox.report(gpg_world, 2, "uv: two")
    engine = open_engine(home / "triage.db")
    source = RecordingMaildir("local", mailbox.path)
    assert sync_source(Store(engine_path(engine)), config, source).messages == 2
    # A mail reader marks the first one seen: it moves to cur/ with flags, and must not be taken in again.
    os.rename(mailbox.path / "new" / first, mailbox.path / "cur" / f"{first}:2,S")
    third = mailbox.report(gpg_world, 3, "pip: three")
    source.read.clear()
    second = sync_source(Store(engine_path(engine)), config, source)
    assert source.read == [third]
    assert second.messages == 1 and second.new_cases == 1
    source.read.clear()
    assert sync_source(Store(engine_path(engine)), config, source).messages == 0
    assert source.read == []


def test_an_interrupted_sync_resumes_with_every_message_exactly_once(
    workspace: tuple[Path, Mailbox, Config], gpg_world: GpgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, mailbox, config = workspace
    for n in range(10):
        mailbox.report(gpg_world, n, f"pip: report {n}")
    monkeypatch.setattr(sync_service, "CHUNK_SIZE", 2)
    monkeypatch.setattr(sync_service, "MAX_IN_FLIGHT", 1)
    engine = open_engine(home / "triage.db")
    cancel = threading.Event()

    def stop_after_first_chunk(state: SyncProgress) -> None:
        if state.done >= 2:
            cancel.set()

    [partial] = sync_all(Store(engine_path(engine)), config, progress=stop_after_first_chunk, cancel=cancel)
    assert not partial.ok and 0 < partial.messages < 10
    [rest] = sync_all(Store(engine_path(engine)), config)
    assert rest.ok and partial.messages + rest.messages == 10
    with reader(engine_path(engine)) as c:
        assert count_cases(c) == 10
        assert tuple(c.execute("SELECT COUNT(*), COUNT(DISTINCT source_key) FROM messages").fetchone()) == (10, 10)


def test_cli_sync_and_contract_json(
    workspace: tuple[Path, Mailbox, Config], gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    home, mailbox, _config = workspace
    mailbox.report(gpg_world, 1, "pip: netrc token leak")
    assert run(["--home", str(home), "sync", "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["source"] == "local" and report["ok"] and report["messages"] == 1
    assert run(["cases", "--json", "--home", str(home)]) == 0
    [case] = json.loads(capsys.readouterr().out)
    required = {"id", "title", "state", "disposition", "severity", "projects", "reporter", "received_at",
                "updated_at", "embargo_until", "message_count", "signature", "sources"}  # fmt: skip
    assert required <= case.keys()
    assert case["signature"] == "good" and case["sources"] == ["local"] and case["severity"] is None
    assert case["projects"] == [{"project": "pip", "status": "unknown"}]
    assert run(["show", case["id"], "--json", "--home", str(home)]) == 0
    shown = json.loads(capsys.readouterr().out)
    [message] = shown["messages"]
    assert {"from", "date", "subject", "body", "signature", "signer", "attachments"} <= message.keys()
    assert message["signer"] == gpg_world.reporter.fingerprint
    assert "Report number 1." in message["body"]
    assert shown["impacts"][0]["status"] == "unknown" and shown["events"] == []
    assert run(["show", "PSC-1999-0001", "--home", str(home)]) == 2


def test_cli_sync_exits_1_and_explains_a_missing_maildir(
    tmp_path: Path, gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tmp_path, gpg_world, tmp_path / "nowhere")
    assert run(["--home", str(tmp_path), "sync"]) == 1
    err = capsys.readouterr().err
    assert "is not a Maildir" in err and "nowhere" in err
