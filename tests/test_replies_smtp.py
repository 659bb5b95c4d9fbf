"""Tests for sending the outbox to a real SMTP server (aiosmtpd) on loopback: delivery, refusals, waiting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld
from replies_fixtures import CASE_ID, SmtpServer, free_port, load_case, reply_store, smtp_server, team_identity
from test_replies import decrypt_with
from triage_tui.config import SmtpConfig
from triage_tui.replies.compose_reply import compose_reply
from triage_tui.replies.smtp_send import send_queued
from triage_tui.replies.templates import render_reply
from triage_tui.store.outbox_store import outbox_items, queue_reply
from triage_tui.store.store import Store

__all__ = ["smtp_server"]  # the fixture, imported so pytest finds it here

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def queue(database: Path, world: GpgWorld, count: int = 1, *, cc: tuple[str, ...] = ()) -> list[tuple[int, bytes]]:
    """`count` acknowledgements queued for the reporter (plus `cc`); their outbox ids and bytes."""
    detail = load_case(database)
    store = Store(database)
    queued = []
    for _ in range(count):
        draft = render_reply("acknowledgement", detail, "Team", NOW)
        reply = compose_reply(
            draft, detail, team_identity(world), world.team.gpg, sender=world.team.email, now=NOW, cc=cc
        )
        outbox_id = queue_reply(
            store, case_id=CASE_ID, recipients=reply.recipients, subject=reply.subject, raw=reply.raw,
            author="team", template="acknowledgement", now=NOW,
        )  # fmt: skip
        queued.append((outbox_id, reply.raw))
    store.close()
    return queued


def loopback(server: SmtpServer | None = None, port: int | None = None) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1",
        port=server.port if server else port or 25,
        security="none",
        from_address="security@team.example.com",
    )


def states(database: Path) -> list[tuple[str, int, str | None]]:
    store = Store(database)
    items = outbox_items(store)
    store.close()
    return [(item.state, item.attempts, item.last_error) for item in items]


@pytest.fixture
def database(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    return reply_store(tmp_path / "triage.db", gpg_world)


def test_delivers_intact_bytes_that_decrypt(database: Path, gpg_world: GpgWorld, smtp_server: SmtpServer) -> None:
    """Each queued reply arrives byte for byte, to the reporter only, and the reporter decrypts and verifies it."""
    queued = queue(database, gpg_world, 2)
    report = send_queued(Store(database), loopback(smtp_server))
    assert report.ok and report.sent == [outbox_id for outbox_id, _ in queued]
    received = smtp_server.collector.messages
    assert [r.content for r in received] == [raw for _, raw in queued]
    assert all(r.rcpt_tos == ["reporter@example.org"] for r in received)
    assert received[0].mail_from == "security@team.example.com"
    decrypted, _outer, _inner = decrypt_with(gpg_world.reporter.gpg, received[0].content)
    assert decrypted.ok and decrypted.valid  # type: ignore[attr-defined]
    assert [s[:2] for s in states(database)] == [("sent", 1), ("sent", 1)]
    kinds = [event.kind for event in load_case(database).events]
    assert kinds == ["reply.queued", "reply.queued", "reply.sent", "reply.sent"]
    # Sent replies are not sent again.
    assert send_queued(Store(database), loopback(smtp_server)).sent == []
    assert len(received) == 2


def test_refused_connection_is_a_failed_try_said_in_words(database: Path, gpg_world: GpgWorld) -> None:
    """No server listening: nothing raises; every reply counts the try, shows it failed and why in words (never the
    exception's name or errno), and the next sync tries again."""
    queue(database, gpg_world, 2)
    port = free_port()
    report = send_queued(Store(database), loopback(port=port), timeout=5)
    assert report.sent == [] and len(report.waiting) == 2
    said = f"the SMTP server at 127.0.0.1:{port} refused the connection"
    assert report.error is not None and said in report.error and "the next sync tries again" in report.error
    for state, attempts, error in states(database):
        assert (state, attempts) == ("failed", 1) and said in (error or "")
        assert "Error" not in (error or "") and "Errno" not in (error or "")
    send_queued(Store(database), loopback(port=port), timeout=5)
    assert [attempts for _state, attempts, _error in states(database)] == [2, 2]


def test_not_configured_waits(database: Path, gpg_world: GpgWorld) -> None:
    queue(database, gpg_world)
    report = send_queued(Store(database), None)
    assert report.waiting and "not configured" in (report.error or "")
    assert states(database)[0][0] == "queued"


def test_one_refused_message_does_not_stop_the_others(
    database: Path, gpg_world: GpgWorld, smtp_server: SmtpServer
) -> None:
    """A recipient the server refuses marks that reply failed (error kept, retried next time); the next one goes."""
    queue(database, gpg_world, 1, cc=(gpg_world.other.email,))
    queue(database, gpg_world, 1)
    smtp_server.collector.refuse = {"reporter@example.org", gpg_world.other.email}
    report = send_queued(Store(database), loopback(smtp_server))
    assert len(report.failed) == 2 and report.sent == []
    [(state, attempts, error), _] = states(database)
    assert (state, attempts) == ("failed", 1) and "550" in (error or "")
    smtp_server.collector.refuse = set()
    retry = send_queued(Store(database), loopback(smtp_server))
    assert retry.sent == report.failed
    assert [s[0] for s in states(database)] == ["sent", "sent"]
    assert smtp_server.collector.messages[0].rcpt_tos == ["reporter@example.org", gpg_world.other.email]


def test_none_security_is_refused_for_a_remote_host(database: Path, gpg_world: GpgWorld) -> None:
    queue(database, gpg_world)
    config = SmtpConfig(host="smtp.example.org", port=25, security="none", from_address="a@b.org")
    report = send_queued(Store(database), config)
    assert report.waiting and "loopback" in (report.error or "")


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signed for 127.0.0.1/localhost (the openssl command line)."""
    import subprocess

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=triage-tui test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    )
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "ext.cnf", "-out", "server.pem")  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def test_starttls_verified_with_the_test_ca(database: Path, gpg_world: GpgWorld, tmp_path: Path) -> None:
    """STARTTLS against a server whose certificate our ca_file signed: delivered; without the CA: left queued."""
    import ssl

    from aiosmtpd.controller import Controller

    from replies_fixtures import Collector

    (tmp_path / "tls").mkdir()
    ca, cert, key = make_ca_and_server_cert(tmp_path / "tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    collector = Collector()
    controller = Controller(
        collector, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        queue(database, gpg_world)

        def config(ca_file: Path | None) -> SmtpConfig:
            return SmtpConfig(host="127.0.0.1", port=controller.port, security="starttls",
                              from_address="security@team.example.com", ca_file=ca_file)  # fmt: skip

        untrusted = send_queued(Store(database), config(None), timeout=5)
        assert untrusted.waiting and "certificate that cannot be verified" in (untrusted.error or "")
        assert collector.messages == []
        trusted = send_queued(Store(database), config(ca), timeout=5)
        assert trusted.ok and len(trusted.sent) == 1
        assert len(collector.messages) == 1
    finally:
        controller.stop()


def test_sync_sends_the_outbox_after_pulling(
    database: Path, gpg_world: GpgWorld, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """A reply queued while offline goes out with the next `sync`, and a sync with nothing queued skips SMTP."""
    from msgspec.structs import replace

    from gpg_fixtures import write_team_config
    from triage_tui.config import load_config
    from triage_tui.store.store import Store
    from triage_tui.sync.run import sync_all

    queue(database, gpg_world, count=2)
    config = replace(load_config(write_team_config(tmp_path / "ws", gpg_world)), smtp=loopback(smtp_server))
    reports = sync_all(Store(database), config)
    [outbox] = [r for r in reports if r.source == "outbox"]
    assert outbox.ok and outbox.messages == 2
    assert len(smtp_server.collector.messages) == 2
    assert [state for state, _attempts, _error in states(database)] == ["sent", "sent"]
    assert [r.source for r in sync_all(Store(database), config)] == []
