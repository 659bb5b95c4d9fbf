"""Tests of the outbox outside the app: an unconfigured SMTP holds replies without failing the sync, the `[smtp]`
sink (the demo's) receives over real SMTP (aiosmtpd on loopback) into .eml files, and `triage-tui outbox` lists,
retries and cancels replies and GitHub pushes."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replies_fixtures import SmtpServer, free_port, smtp_server
from test_config import FPR
from triage_tui.cli.outbox_command import run_outbox
from triage_tui.cli.output import CliError
from triage_tui.cli.parser import build_parser
from triage_tui.cli.sync_command import run_sync
from triage_tui.config import Config, SmtpConfig, parse_config
from triage_tui.demo.config_writer import smtp_lines
from triage_tui.demo.people import Person
from triage_tui.replies.smtp_send import send_queued
from triage_tui.replies.smtp_sink import sent_mail
from triage_tui.store.github_store import queue_push
from triage_tui.store.outbox_store import mark_failed, outbox_items, queue_reply
from triage_tui.store.store import Store
from ui_fixtures import seeded_store, small_inbox

__all__ = ["smtp_server"]  # the fixture, imported so pytest finds it here

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CASE = "PSC-2026-0001"
IDENTITY = f'[identity]\nname = "Alex"\nemail = "alex@example.org"\nfingerprint = "{FPR}"\n'


def raw_mail(number: int) -> bytes:
    return f"From: alex@example.org\r\nTo: rita@example.net\r\nSubject: ...\r\n\r\nreply {number}\r\n".encode()


def queue(store: Store, number: int, to: str = "rita@example.net") -> int:
    return queue_reply(
        store, case_id=CASE, recipients=[to], subject=f"Re: report {number}", raw=raw_mail(number),
        author="alex@example.org", template=None, now=NOW,
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(seeded_store(tmp_path / "triage.db", small_inbox())) as opened:
        yield opened


def config_with(tmp_path: Path, smtp: str = "") -> Config:
    return parse_config(tmp_path / "config.toml", IDENTITY + smtp)


def sink_table(folder: Path, port: int) -> str:
    return (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "alex@example.org"\nsink = "{folder}"\n'
    )


def test_an_unconfigured_smtp_holds_replies_without_failing_the_sync(store: Store, tmp_path: Path) -> None:
    queue(store, 1)
    queue(store, 2)
    err = io.StringIO()
    code = run_sync(store.path, config_with(tmp_path), only=None, json_output=False, out=io.StringIO(), err=err)
    assert code == 0, err.getvalue()
    [line] = err.getvalue().splitlines()
    assert line == (
        "2 replies wait in the outbox: SMTP is not configured (add an [smtp] table to config.toml; see the README)"
    )
    assert {item.last_error for item in outbox_items(store)} == {line.split("outbox: ", 1)[1]}
    out = io.StringIO()
    assert run_sync(store.path, config_with(tmp_path), only=None, json_output=True, out=out, err=io.StringIO()) == 0
    [report] = json.loads(out.getvalue())
    assert report["ok"] and report["error"] is None and report["note"].startswith("2 replies wait")


def test_the_sink_receives_each_reply_over_smtp_into_an_eml_file(store: Store, tmp_path: Path) -> None:
    """Nothing listens before `triage-tui sync`: its send runs the sink itself, and nothing listens after it."""
    first, second = queue(store, 1), queue(store, 2)
    port, folder = free_port(), tmp_path / "sent-mail"
    config = config_with(tmp_path, sink_table(folder, port))
    err = io.StringIO()
    assert run_sync(store.path, config, only=None, json_output=False, out=io.StringIO(), err=err) == 0
    assert err.getvalue().startswith("outbox: 2 replies sent, 0 refused"), err.getvalue()
    assert [item.id for item in outbox_items(store) if item.state == "sent"] == [first, second]
    kept = sent_mail(folder)
    assert [path.read_bytes().replace(b"\r\n", b"\n") for path in kept] == [
        raw_mail(n).replace(b"\r\n", b"\n") for n in (1, 2)
    ]
    assert [item.state for item in outbox_items(store)] == ["sent", "sent"]
    assert {path.stat().st_mode & 0o777 for path in kept} == {0o600}
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the sink stopped with the send


def test_a_sink_whose_port_was_taken_listens_on_another(store: Store, tmp_path: Path) -> None:
    queue(store, 1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = config_with(tmp_path, sink_table(tmp_path / "sent-mail", taken.getsockname()[1]))
        assert config.smtp is not None
        assert send_queued(store, config.smtp).ok
    assert len(sent_mail(tmp_path / "sent-mail")) == 1


def test_a_sink_that_cannot_start_leaves_the_replies_waiting_with_why(store: Store, tmp_path: Path) -> None:
    queue(store, 1)
    (tmp_path / "a-file").write_text("not a folder")
    config = config_with(tmp_path, sink_table(tmp_path / "a-file" / "sent-mail", free_port()))
    assert config.smtp is not None
    report = send_queued(store, config.smtp)
    assert report.waiting and "cannot start the SMTP sink" in (report.error or "")
    [item] = outbox_items(store)
    assert item.state == "queued" and "cannot start the SMTP sink" in (item.last_error or "")


def test_the_demo_config_sends_through_its_sink(tmp_path: Path) -> None:
    team = Person("Demo Team", "security@demo.example")
    config = config_with(tmp_path, "\n".join(smtp_lines(team, tmp_path / "sent-mail")))
    assert config.smtp is not None
    assert config.smtp.sink == tmp_path / "sent-mail" and config.smtp.host == "127.0.0.1"
    assert config.smtp.security == "none" and config.smtp.from_address == "security@demo.example"


def test_a_sink_with_tls_is_refused_naming_the_key(tmp_path: Path) -> None:
    from triage_tui.config import ConfigError

    table = sink_table(tmp_path, 2525).replace('security = "none"', 'security = "starttls"')
    with pytest.raises(ConfigError, match="security"):
        config_with(tmp_path, table)


def outbox(store: Store, *argv: str) -> str:
    out = io.StringIO()
    args = build_parser().parse_args(["outbox", *argv])
    assert run_outbox(store, config_with(store.path.parent), args, out) == 0
    return out.getvalue()


def test_the_outbox_command_lists_replies_and_pushes_with_why(store: Store) -> None:
    assert outbox(store) == "The outbox is empty: nothing waits to be sent.\n"
    first = queue(store, 1, to="rita@example.net")
    queue(store, 2, to="[red]x\x1b[2J@example.net")
    [item, _other] = outbox_items(store)
    mark_failed(store, item, "550 5.1.1 no such user here")
    with store.write() as connection:
        queue_push(connection, CASE, "gh", "pypa/pip", "GHSA-aaaa-bbbb-cccc", {}, "alex@example.org", NOW)
    listed = json.loads(outbox(store, "--json"))
    assert [(e["id"], e["kind"], e["case"], e["state"], e["attempts"]) for e in listed] == [
        (f"reply-{first}", "reply", CASE, "failed", 1),
        (f"reply-{first + 1}", "reply", CASE, "queued", 0),
        ("push-1", "github-push", CASE, "queued", 0),
    ]
    assert listed[0]["reason"] == "550 5.1.1 no such user here" and listed[0]["target"] == "rita@example.net"
    assert listed[2]["target"] == "pypa/pip GHSA-aaaa-bbbb-cccc"
    text = outbox(store)
    failed = "failed, tried once; the next sync tries again"
    assert f"reply-{first}  reply  {CASE}  to rita@example.net  {failed}: 550 5.1.1 no such user here" in text
    assert "\x1b" not in text and "␛[2J" in text


def test_retry_and_cancel_from_the_command_line(store: Store, smtp_server: SmtpServer) -> None:
    first, second = queue(store, 1), queue(store, 2)
    [item, _other] = outbox_items(store)
    mark_failed(store, item, "421 try later")
    assert outbox(store, "retry", f"reply-{first}").startswith(f"reply-{first} is queued again")
    assert outbox(store, "cancel", f"reply-{second}").startswith(f"reply-{second} is cancelled")
    assert [(i.state, i.attempts) for i in outbox_items(store)] == [("queued", 0), ("cancelled", 0)]
    smtp = SmtpConfig(host="127.0.0.1", port=smtp_server.port, security="none", from_address="alex@example.org")
    assert send_queued(store, smtp).sent == [first]  # the cancelled reply never goes
    assert len(smtp_server.collector.messages) == 1
    for argv, refusal in [
        (("cancel", f"reply-{first}"), "is sent; only a queued or failed item can be cancelled"),
        (("retry", "reply-99"), "there is no outbox item reply-99"),
        (("retry", "99"), "ids look like reply-3 or push-7"),
        (("cancel",), "needs the item's id"),
    ]:
        with pytest.raises(CliError, match=refusal):
            outbox(store, *argv)
    with store.read() as connection:
        kinds = [row[0] for row in connection.execute("SELECT kind FROM events WHERE kind LIKE 'outbox-%' ORDER BY id")]
    assert kinds == ["outbox-retry", "outbox-cancel"]


@pytest.mark.parametrize("action", ["cancel", "retry"])
@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("reply-99999999999999999999999", "there is no outbox item reply-99999999999999999999999;"),
        ("reply-\u00b2", "is not an outbox item"),  # a superscript digit: isdigit() says yes, int() refuses it
        ("\x1b[31mx\u202e", "'␛[31mx"),
    ],
)
def test_an_id_out_of_range_or_hostile_is_no_such_item_in_one_line(
    store: Store, action: str, item: str, said: str
) -> None:
    # A CliError is what the entry point prints as one `triage-tui: ...` line with exit 2 (an OverflowError was an
    # "internal error", exit 1); the typed id in it is neutralised.
    with pytest.raises(CliError) as refused:
        outbox(store, action, item)
    line = str(refused.value)
    assert said in line and "\n" not in line
    assert "\x1b" not in line and "\u202e" not in line


def test_a_send_the_server_refused_shows_as_a_failed_try_in_words(store: Store) -> None:
    """After a send to a server that refuses the connection, the reply is failed with one try and the reason in
    words, on the command line and in the outbox screen's detail, never "queued, never tried" or an exception."""
    from triage_tui.screens.outbox import entry_detail
    from triage_tui.store.outbox_entries import outbox_entries

    first = queue(store, 1)
    port = free_port()
    smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="alex@example.org")
    send_queued(store, smtp, timeout=5)
    text = outbox(store)
    said = f"the SMTP server at 127.0.0.1:{port} refused the connection"
    assert f"reply-{first}  reply  {CASE}  to rita@example.net  failed, tried once; the next sync tries again: " in text
    assert said in text and "never tried" not in text and "Error" not in text
    with store.read() as connection:
        [entry] = outbox_entries(connection)
    detail = entry_detail(entry).plain
    assert "failed, tried once; the next sync tries again" in detail and said in detail
    assert "never tried" not in detail and "ConnectionRefusedError" not in detail
