"""Tests for the IMAP source against a real Dovecot on loopback and the real gpg: incremental, resumable, robust."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace
from sqlalchemy import Engine, insert

from dovecot_fixtures import DovecotServer
from gpg_fixtures import GpgWorld, write_team_config
from store_fixtures import engine_path
from triage_tui import compose
from triage_tui.cli import run
from triage_tui.config import Config, load_config
from triage_tui.services.store_key import unlock_store
from triage_tui.sources.imap import ImapSource
from triage_tui.store import cipher
from triage_tui.store.connection import reader
from triage_tui.store.database import open_engine, write_transaction
from triage_tui.store.queries import count_cases, get_case, list_cases
from triage_tui.store.store import Store
from triage_tui.store.tables import EVENTS
from triage_tui.sync import mail_source as sync_service
from triage_tui.sync.jobs import SourceReport, SyncProgress
from triage_tui.sync.mail_source import sync_source
from triage_tui.sync.run import sync_all

BASE = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def write_config(
    home: Path,
    world: GpgWorld,
    dovecot: DovecotServer,
    user: str,
    *,
    security: str = "none",
    port: int | None = None,
    ca_file: Path | None = None,
    folders: tuple[str, ...] = ("INBOX",),
    password_env: str = "TT_IMAP_PASSWORD",
) -> Config:
    ca_line = f'ca_file = "{ca_file}"\n' if ca_file else ""
    host = "localhost" if security != "none" else dovecot.host
    source = f"""
[sources.mailbox]
kind = "imap"
host = "{host}"
port = {port or dovecot.port}
security = "{security}"
username = "{user}"
password_env = "{password_env}"
folders = {json.dumps(list(folders))}
{ca_line}"""
    return load_config(write_team_config(home, world, source))


def report(world: GpgWorld, n: int, subject: str, *, reply_to: str | None = None) -> bytes:
    inner = compose.mime_report(
        subject=subject,
        sender=f"Rita <{world.reporter.email}>",
        to=world.team.email,
        body=f"Report {n}: pip install ./evil-{n}.whl writes outside site-packages.\n",
        date=BASE + timedelta(minutes=n),
        message_id=f"<imap-{n}@example.org>",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
    )
    return compose.encrypt_pgpmime(
        inner, world.reporter.gpg, [world.team.fingerprint], sign_with=world.reporter.fingerprint
    )


class Mailbox:
    """One test's IMAP account, its workspace and store."""

    def __init__(self, home: Path, world: GpgWorld, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch):
        self.home = home
        self.world = world
        self.dovecot = dovecot
        self.user, password = dovecot.new_user()
        monkeypatch.setenv("TT_IMAP_PASSWORD", password)
        self.config = write_config(home, world, dovecot, self.user)
        self.engine: Engine = open_engine(home / "triage.db")

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> list[int]:
        return self.dovecot.append_many(self.user, folder, messages)

    def reports(self, numbers: range, folder: str = "INBOX") -> list[int]:
        return self.deliver(*(report(self.world, n, f"pip: report {n}") for n in numbers), folder=folder)

    def source(self) -> ImapSource:
        source_config = self.config.sources["mailbox"]
        assert source_config.kind == "imap"
        return ImapSource(source_config)  # type: ignore[arg-type]

    def sync(self, **kwargs: object) -> tuple[ImapSource, SourceReport]:
        source = self.source()
        return source, sync_source(Store(engine_path(self.engine)), self.config, source, **kwargs)  # type: ignore[arg-type]

    def message_keys(self) -> list[tuple[str, bool]]:
        with reader(engine_path(self.engine)) as c:
            return [(r[0], bool(r[1])) for r in c.execute("SELECT source_key, gone FROM messages ORDER BY id")]


@pytest.fixture
def mailbox(tmp_path: Path, gpg_world: GpgWorld, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    return Mailbox(tmp_path, gpg_world, dovecot, monkeypatch)


def test_first_incremental_and_no_change_sync(mailbox: Mailbox) -> None:
    first = report(mailbox.world, 1, "pip: wheel RECORD traversal")
    reply = report(mailbox.world, 2, "Re: pip: wheel RECORD traversal", reply_to="<imap-1@example.org>")
    other = report(mailbox.world, 3, "uv: cache dir TOCTOU")
    mailbox.deliver(first, reply, other)

    source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 3 and outcome.new_cases == 2
    assert "UID FETCH BODY.PEEK[]" in source.commands
    with reader(engine_path(mailbox.engine)) as c:
        pip_case = next(s for s in list_cases(c) if s.title.startswith("pip"))
        detail = get_case(c, pip_case.id)
    assert detail is not None and len(detail.messages) == 2
    assert all(m.decryption == "ok" and m.signature == "good" for m in detail.messages)
    uidvalidity = mailbox.dovecot.status(mailbox.user, "INBOX")["uidvalidity"]
    assert [k for k, _ in mailbox.message_keys()] == [f"INBOX/{uidvalidity}/{uid}" for uid in (1, 2, 3)]

    mailbox.reports(range(4, 6))
    source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 2
    assert source.commands.count("UID FETCH BODY.PEEK[]") == 1  # only the two new UIDs, in one batch

    source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 0
    assert source.commands == ["STATUS INBOX"]


def test_new_mail_sizes_are_asked_for_once_for_many_batches(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sizes cut batches by bytes; asked for with each batch, they cost a round trip per 48 messages.
    mailbox.reports(range(1, 13))
    monkeypatch.setattr(sync_service, "CHUNK_SIZE", 3)

    source, outcome = mailbox.sync()

    assert outcome.ok and outcome.messages == 12
    assert source.commands == [
        "STATUS INBOX", "SELECT INBOX", "UID SEARCH ALL", "UID FETCH RFC822.SIZE", *["UID FETCH BODY.PEEK[]"] * 4
    ]  # fmt: skip
    assert [k for k, _ in mailbox.message_keys()] == [
        f"INBOX/{mailbox.dovecot.status(mailbox.user, 'INBOX')['uidvalidity']}/{uid}" for uid in range(1, 13)
    ]


def test_uidvalidity_change_relinks_without_duplicates_or_lost_decisions(mailbox: Mailbox) -> None:
    mailbox.reports(range(1, 5))
    mailbox.sync()
    with reader(engine_path(mailbox.engine)) as c:
        case_ids = sorted(s.id for s in list_cases(c))
    with write_transaction(mailbox.engine) as connection:
        connection.execute(
            insert(EVENTS),
            {"case_id": case_ids[0], "author": "alex", "at": BASE, "kind": "note", "payload": '{"text": "seen"}'},
        )
    mailbox.dovecot.set_uidvalidity(mailbox.user, "INBOX", 4242)
    mailbox.reports(range(5, 6))  # one genuinely new message arrives with the renumbering

    _source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 1 and outcome.new_cases == 1
    keys = mailbox.message_keys()
    assert len(keys) == 5
    assert all(key.startswith("INBOX/4242/") and not gone for key, gone in keys)
    with reader(engine_path(mailbox.engine)) as c:
        assert count_cases(c) == 5
        detail = get_case(c, case_ids[0])
    assert detail is not None and [e.kind for e in detail.events] == ["note"]
    assert mailbox.sync()[0].commands == ["STATUS INBOX"]


def test_server_side_expunge_marks_the_message_gone_and_keeps_it(mailbox: Mailbox) -> None:
    uids = mailbox.reports(range(1, 4))
    mailbox.sync()
    mailbox.dovecot.expunge(mailbox.user, "INBOX", uids[1])
    _source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 0
    assert [gone for _key, gone in mailbox.message_keys()] == [False, True, False]
    with reader(engine_path(mailbox.engine)) as c:
        assert count_cases(c) == 3


def test_hostile_and_malformed_messages_never_stop_the_others(mailbox: Mailbox) -> None:
    hostile_subject = "[@click=app.quit]x[/] \x1b]52;c;aGk=\x07 \u202etxt.exe"
    hostile = (
        f"From: =?utf-8?q?Eve_=1B[2J?= <eve@example.net>\r\nSubject: {hostile_subject}\r\n"
        "Message-ID: <hostile@x>\r\nContent-Type: text/plain\r\n\r\n\x1b[2J body [b]bold[/b]\r\n"
    ).encode()
    garbage = b"\x00\x01\x02 not mail at all \xff\xfe"
    truncated = report(mailbox.world, 2, "pip: truncated")[:700]
    mailbox.deliver(report(mailbox.world, 1, "pip: fine one"), hostile, garbage, truncated)
    mailbox.reports(range(3, 4))
    _source, outcome = mailbox.sync()
    assert outcome.ok
    with reader(engine_path(mailbox.engine)) as c:
        titles = [s.title for s in list_cases(c)]
        bodies = [r[0] for r in c.execute("SELECT body FROM messages")]
        failures = c.execute("SELECT COUNT(*) FROM intake_failures").fetchone()[0]
    assert "pip: fine one" in titles and "pip: report 3" in titles
    assert all("\x1b" not in text and "\u202e" not in text for text in [*titles, *bodies])
    assert any("␛]52;c;aGk=␇" in t for t in titles)
    assert outcome.messages + failures == 5


def test_tls_and_starttls_verify_against_the_configured_ca(
    tmp_path: Path, gpg_world: GpgWorld, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_IMAP_PASSWORD", password)
    dovecot.append(user, "INBOX", report(gpg_world, 1, "pip: over tls"))
    engine = open_engine(tmp_path / "triage.db")
    for security, port in (("tls", dovecot.tls_port), ("starttls", dovecot.port)):
        config = write_config(tmp_path, gpg_world, dovecot, user, security=security, port=port, ca_file=dovecot.ca_file)
        [outcome] = sync_all(Store(engine_path(engine)), config)
        assert outcome.ok, outcome.error
    with reader(engine_path(engine)) as c:
        assert count_cases(c) == 1  # the second sync found nothing new
    for security, port in (("tls", dovecot.tls_port), ("starttls", dovecot.port)):
        config = write_config(
            tmp_path, gpg_world, dovecot, user, security=security, port=port, ca_file=dovecot.wrong_ca_file
        )
        [outcome] = sync_all(Store(engine_path(engine)), config)
        assert not outcome.ok
        assert outcome.error and "certificate could not be verified" in outcome.error and "ca_file" in outcome.error


def test_wrong_password_is_explained_and_the_cli_exits_1(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mailbox.reports(range(1, 2))
    monkeypatch.setenv("TT_IMAP_PASSWORD", "not-the-password")
    assert run(["--home", str(mailbox.home), "sync"]) == 1
    err = capsys.readouterr().err
    assert f"login as '{mailbox.user}' failed" in err and "password" in err
    assert "Traceback" not in err
    with reader(engine_path(mailbox.engine)) as c:
        assert count_cases(c) == 0


def test_missing_folder_is_named_and_the_others_still_sync(
    tmp_path: Path, gpg_world: GpgWorld, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_IMAP_PASSWORD", password)
    dovecot.append(user, "Reports", report(gpg_world, 1, "pip: in Reports"))
    config = write_config(tmp_path, gpg_world, dovecot, user, folders=("Nope", "Reports"))
    engine = open_engine(tmp_path / "triage.db")
    [outcome] = sync_all(Store(engine_path(engine)), config)
    assert not outcome.ok and outcome.messages == 1
    assert outcome.error and "folder 'Nope' does not exist" in outcome.error and "folders" in outcome.error


def test_connection_killed_mid_fetch_then_resumed(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox.reports(range(1, 13))
    monkeypatch.setattr(sync_service, "CHUNK_SIZE", 3)
    monkeypatch.setattr(sync_service, "MAX_IN_FLIGHT", 1)
    kicked = threading.Event()

    def kick_after_first_batch(state: SyncProgress) -> None:
        if state.done >= 3 and not kicked.is_set():
            kicked.set()
            mailbox.dovecot.kick(mailbox.user)

    _source, broken = mailbox.sync(progress=kick_after_first_batch)
    assert kicked.is_set() and not broken.ok
    assert broken.error and "connection dropped" in broken.error and "sync again" in broken.error
    assert 3 <= broken.messages < 12
    _source, rest = mailbox.sync()
    assert rest.ok and broken.messages + rest.messages == 12
    keys = [key for key, _ in mailbox.message_keys()]
    assert len(keys) == len(set(keys)) == 12


def test_server_down_then_restarted(mailbox: Mailbox) -> None:
    mailbox.reports(range(1, 3))
    mailbox.dovecot.stop()
    try:
        _source, outcome = mailbox.sync()
        assert not outcome.ok and outcome.error and "connection refused" in outcome.error
    finally:
        mailbox.dovecot.start()
    _source, outcome = mailbox.sync()
    assert outcome.ok and outcome.messages == 2


def test_a_server_that_never_answers_times_out_with_a_clear_message(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection into its backlog and never sends a greeting
    try:
        source = mailbox.source()
        source.config = replace(source.config, port=silent.getsockname()[1])
        source.timeout = 0.5
        outcome = sync_source(Store(engine_path(mailbox.engine)), mailbox.config, source)
    finally:
        silent.close()
    assert not outcome.ok and outcome.error and "no answer within" in outcome.error


def _stored(database: Path) -> int:
    try:
        with cipher.connect(database, timeout=5) as c:
            return int(c.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
    except cipher.OperationalError:
        return 0


def test_sync_killed_with_sigkill_mid_batch_then_rerun_gives_every_message_once(mailbox: Mailbox) -> None:
    total = 150
    mailbox.reports(range(1, total + 1))
    command = [sys.executable, "-m", "triage_tui", "--home", str(mailbox.home), "sync", "--json"]
    database = mailbox.home / "triage.db"
    # The command encrypts the store on its first start; doing it here first lets this process read it too.
    mailbox.engine.dispose()
    unlock_store(database, mailbox.world.team.fingerprint, mailbox.world.team.home)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _stored(database) == 0 and process.poll() is None:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = _stored(database)
    assert 0 < partial < total, "the kill should land in the middle of the sync"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    [outcome] = json.loads(done.stdout)
    assert outcome["messages"] == total - partial
    keys = [key for key, _ in mailbox.message_keys()]
    assert len(keys) == len(set(keys)) == total
    cipher.forget_key(database)
