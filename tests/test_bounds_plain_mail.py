"""A plain (unencrypted) mail too large to parse, through the real intake from a Maildir and from a real Dovecot:
kept as an intake failure naming its size, sender and subject, with its headers only; the mail after it is taken in.
Parsing holds about ten times a message's size, so a 60 MB one would pass 300 MB (bench/hostile_inputs.py)."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from dovecot_fixtures import DovecotServer
from gpg_fixtures import GpgWorld, write_team_config
from test_imap_sync import write_config
from triage_tui.config import load_config
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.sync.run import sync_all

OVER = 26 * 1024 * 1024
"""Just past the 24 MB intake parses: what main read and parsed whole (its bounds were 64 MB)."""


def plain_mail(subject: str, attachment_bytes: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Rita Reporter <rita@example.org>"
    message["To"] = "security@example.org"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.org>"
    message.set_content("pip install ./evil.whl writes outside site-packages; the core dump is attached.\n")
    if attachment_bytes:
        message.add_attachment(
            os.urandom(attachment_bytes), maintype="application", subtype="octet-stream", filename="core.dump"
        )
    return message.as_bytes()


def failures_and_subjects(database: Path) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    with reader(database) as connection:
        failures = connection.execute("SELECT source_key, reason, raw FROM intake_failures").fetchall()
        subjects = [row[0] for row in connection.execute("SELECT subject FROM messages")]
    return failures, subjects


def check_kept_as_too_large(failure: tuple[str, str, bytes], size: int) -> None:
    _key, reason, raw = failure
    assert reason == (
        f"too large to read: {size} bytes (at most {24 * 1024 * 1024} are read); kept for inspection; "
        "from Rita Reporter <rita@example.org>; subject 'pip: huge crash dump'"
    )
    assert raw.startswith(b"From: Rita Reporter") and len(raw) <= 64 * 1024  # its headers, not its 26 MB


def test_a_plain_mail_too_large_to_parse_is_kept_from_a_maildir_and_the_sync_goes_on(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    maildir = tmp_path / "Maildir"
    for folder in ("cur", "new", "tmp"):
        (maildir / folder).mkdir(parents=True)
    huge = plain_mail("pip: huge crash dump", OVER * 3 // 4)
    (maildir / "new" / "1700000001.huge.host").write_bytes(huge)
    (maildir / "new" / "1700000002.small.host").write_bytes(plain_mail("pip: small report", 0))
    config = load_config(
        write_team_config(tmp_path / "home", gpg_world, f'[sources.local]\nkind = "maildir"\npath = "{maildir}"\n')
    )
    database = tmp_path / "triage.db"

    (report,) = sync_all(Store(database), config, only="local")

    assert report.ok and report.new_cases == 1 and report.failures == 1
    failures, subjects = failures_and_subjects(database)
    assert subjects == ["pip: small report"]
    assert [key for key, _reason, _raw in failures] == ["1700000001.huge.host"]
    check_kept_as_too_large(failures[0], len(huge))


def test_a_plain_mail_too_large_to_parse_is_kept_from_imap_with_only_its_headers_fetched(
    tmp_path: Path, gpg_world: GpgWorld, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_IMAP_PASSWORD", password)
    huge = plain_mail("pip: huge crash dump", OVER * 3 // 4)
    dovecot.append(user, "INBOX", huge)
    dovecot.append(user, "INBOX", plain_mail("pip: small report", 0))
    database = tmp_path / "triage.db"

    (report,) = sync_all(Store(database), write_config(tmp_path / "home", gpg_world, dovecot, user), only="mailbox")

    assert report.ok and report.new_cases == 1 and report.failures == 1
    failures, subjects = failures_and_subjects(database)
    assert subjects == ["pip: small report"]
    assert len(failures) == 1 and failures[0][0].startswith("INBOX/") and failures[0][0].endswith("/1")
    check_kept_as_too_large(failures[0], len(huge.replace(b"\n", b"\r\n")))  # its RFC822.SIZE, in CRLF lines


def test_the_sources_read_whole_no_larger_message_than_intake_parses() -> None:
    from triage_tui.intake.pipeline import MAX_PARSED_BYTES
    from triage_tui.sources import base, imap_bounds

    assert base.MAX_MESSAGE_BYTES == imap_bounds.ImapBounds().max_message == MAX_PARSED_BYTES
    assert base.MAX_MESSAGE_BYTES <= imap_bounds.MAX_LITERAL_BYTES
