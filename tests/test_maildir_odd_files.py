"""A Maildir with a FIFO or a symlink out of it among its mails: each is kept as an intake failure naming what it is,
never opened or followed, and the mails after it are read. A mail with no Date shows "(no date)" in `show`'s text
(JSON keeps null). Reports' controls are neutralised on the way in, as the README says."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path

from gpg_fixtures import GpgWorld
from hostile_http import run_with_limit
from store_fixtures import engine_path
from test_maildir_sync import Mailbox, write_config
from triage_tui.cli import run
from triage_tui.store.connection import reader
from triage_tui.store.database import open_engine
from triage_tui.store.queries import list_cases
from triage_tui.store.store import Store
from triage_tui.sync.jobs import SourceReport
from triage_tui.sync.run import sync_all


def plain_mail(subject: str, *, date: str | None) -> bytes:
    """An unencrypted mail from a reporter (kept as an unsigned case); no Date header if `date` is None."""
    dated = f"Date: {date}\r\n" if date else ""
    unique = hashlib.sha256(subject.encode()).hexdigest()[:16]
    return (
        f"From: Rita <rita@example.org>\r\nTo: security@example.org\r\nSubject: {subject}\r\n{dated}"
        f"Message-ID: <{unique}@example.org>\r\n\r\nSteps to reproduce: pip install ./evil.whl\r\n"
    ).encode()


def _release(fifo: Path) -> None:
    """Open the FIFO's write end, so a reader blocked on it (today's code) can go on and the test process ends."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_and_a_symlink_out_of_the_maildir_are_failures_and_the_rest_are_read(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    mailbox = Mailbox(tmp_path / "Maildir")
    config = write_config(tmp_path, gpg_world, mailbox.path)
    mailbox.deliver(plain_mail("pip: first", date="Wed, 01 Apr 2026 09:00:00 +0000"))
    fifo = mailbox.path / "new" / "1700000001.500000.fifo"  # between the first and the second mail
    os.mkfifo(fifo)
    outside = tmp_path / "outside.eml"
    outside.write_bytes(plain_mail("pip: read from outside the Maildir", date=None))
    os.symlink(outside, mailbox.path / "new" / "1700000001.600000.link")
    mailbox.deliver(plain_mail("uv: second", date="Wed, 01 Apr 2026 10:00:00 +0000"))
    engine = open_engine(tmp_path / "triage.db")
    try:
        finished, reports = run_with_limit(30, lambda: sync_all(Store(engine_path(engine)), config))
    finally:
        _release(fifo)
    assert finished, "a FIFO in Maildir/new held the sync"
    assert isinstance(reports, list)
    [report] = reports
    assert isinstance(report, SourceReport) and report.ok and report.new_cases == 2 and report.failures == 2
    with reader(engine_path(engine)) as connection:
        titles = sorted(case.title for case in list_cases(connection))
        failures = dict(connection.execute("SELECT source_key, reason FROM intake_failures").fetchall())
    assert titles == ["pip: first", "uv: second"]  # nothing read through the link
    assert "not a regular file (a FIFO); it was not opened" in failures["1700000001.500000.fifo"]
    assert "a symbolic link, which is never followed" in failures["1700000001.600000.link"]


def test_show_prints_no_date_for_a_mail_without_one_and_json_keeps_null(tmp_path: Path, gpg_world: GpgWorld) -> None:
    mailbox = Mailbox(tmp_path / "Maildir")
    write_config(tmp_path, gpg_world, mailbox.path)
    mailbox.deliver(plain_mail("pip: undated \x1b[2J report", date=None))
    out, err = io.StringIO(), io.StringIO()
    assert run(["--home", str(tmp_path), "sync"], out=out, err=err) == 0, err.getvalue()
    out = io.StringIO()
    assert run(["--home", str(tmp_path), "show", "PSC-2026-0001"], out=out, err=err) == 0, err.getvalue()
    text = out.getvalue()
    assert "--- (no date)  Rita" in text and "None" not in text
    out = io.StringIO()
    assert run(["--home", str(tmp_path), "show", "PSC-2026-0001", "--json"], out=out, err=err) == 0
    shown = out.getvalue()
    [message] = json.loads(shown)["messages"]
    assert message["date"] is None
    # A report's controls were neutralised when it came in: JSON shows the placeholder, not an escape (README).
    assert "pip: undated ␛[2J report" in shown and "\\u001b" not in shown


def test_the_readme_says_reports_are_neutralised_on_the_way_in_and_team_text_escaped_in_json() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    paragraph = " ".join(readme.split("Whatever a field holds", 1)[1].split("\n\n", 1)[0].split())
    assert "A report's text (a mail, a GitHub report" in paragraph and "is neutralised when it comes in" in paragraph
    assert "so every output, JSON included, shows those placeholders" in paragraph
    assert "Team members' decisions" in paragraph and "kept exactly as sent" in paragraph
