"""Provides checks that the Dovecot test fixture serves real IMAP: logins, TLS trust, UIDs, doveadm, kick, restart."""

from __future__ import annotations

import contextlib
import ssl

import pytest
from imapclient import IMAPClient

from dovecot_fixtures import DovecotServer

MESSAGE = (
    b"From: reporter@example.org\r\nTo: security@team.example.com\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\x01\x7f\xfe\xff trailing spaces   \r\n"
    b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA\r\n=abcd\r\n-----END PGP MESSAGE-----\r\n--b--\r\n"
)


def login_works(client: IMAPClient, dovecot: DovecotServer, user: str) -> None:
    try:
        client.login(user, dovecot.password_of(user))
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        client.logout()


def test_plain_login(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user, password = dovecot_user
    assert dovecot.password_of(user) == password
    login_works(IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5), dovecot, user)


def test_implicit_tls_verifies_against_the_test_ca(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.ca_file))
    client = IMAPClient(dovecot.host, port=dovecot.tls_port, ssl=True, ssl_context=context, timeout=5)
    login_works(client, dovecot, dovecot_user[0])
    # the certificate is for localhost as well as 127.0.0.1
    client = IMAPClient("localhost", port=dovecot.tls_port, ssl=True, ssl_context=context, timeout=5)
    login_works(client, dovecot, dovecot_user[0])


def test_starttls_verifies_against_the_test_ca(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)
    assert b"STARTTLS" in client.capabilities()
    client.starttls(ssl.create_default_context(cafile=str(dovecot.ca_file)))
    login_works(client, dovecot, dovecot_user[0])


def test_wrong_ca_is_rejected_on_both_tls_paths(dovecot: DovecotServer) -> None:
    wrong = ssl.create_default_context(cafile=str(dovecot.wrong_ca_file))
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, port=dovecot.tls_port, ssl=True, ssl_context=wrong, timeout=5)
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(wrong)
    finally:
        with contextlib.suppress(OSError):  # a failed handshake already closed the socket
            client.shutdown()
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, port=dovecot.tls_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=5)


def test_each_test_user_starts_empty(dovecot: DovecotServer) -> None:
    first, second = dovecot.new_user()[0], dovecot.new_user()[0]
    assert first != second
    dovecot.append(first, "INBOX", MESSAGE)
    assert dovecot.fetch_all(second, "INBOX") == {}


def test_append_gives_uids_from_one_and_bytes_round_trip(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user = dovecot_user[0]
    assert dovecot.append(user, "Reports", MESSAGE) == 1
    assert dovecot.append_many(user, "Reports", [b"Subject: 2\r\n\r\nx\r\n", b"Subject: 3\r\n\r\ny\r\n"]) == [2, 3]
    client = dovecot.connect(user)
    try:
        client.select_folder("Reports", readonly=True)
        fetched = client.fetch([1], ["BODY.PEEK[]", "FLAGS"])[1]
    finally:
        client.logout()
    assert fetched[b"BODY[]"] == MESSAGE
    assert b"\\Seen" not in fetched[b"FLAGS"]
    assert dovecot.status(user, "Reports")["messages"] == 3


def test_set_uidvalidity_changes_status(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user = dovecot_user[0]
    dovecot.create_folder(user, "Reports")
    before = dovecot.status(user, "Reports")["uidvalidity"]
    dovecot.set_uidvalidity(user, "Reports", 4242)
    assert before != 4242
    assert dovecot.status(user, "Reports")["uidvalidity"] == 4242
    client = dovecot.connect(user)
    try:
        assert client.folder_status("Reports", [b"UIDVALIDITY"])[b"UIDVALIDITY"] == 4242
    finally:
        client.logout()


def test_expunge_removes_one_message(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user = dovecot_user[0]
    dovecot.append_many(user, "Reports", [b"Subject: a\r\n\r\na\r\n", b"Subject: b\r\n\r\nb\r\n"])
    dovecot.expunge(user, "Reports", 1)
    assert list(dovecot.fetch_all(user, "Reports")) == [2]
    status = dovecot.status(user, "Reports")
    assert (status["messages"], status["uidnext"]) == (1, 3)


def test_kick_drops_a_live_connection(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user = dovecot_user[0]
    dovecot.append(user, "INBOX", MESSAGE)
    client = dovecot.connect(user)
    client.select_folder("INBOX")
    dovecot.kick(user)
    with pytest.raises((IMAPClient.AbortError, OSError)):
        client.fetch([1], ["BODY.PEEK[]"])
    client.shutdown()
    assert dovecot.who(user) == []


def test_restart_keeps_data_and_drops_connections(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    user = dovecot_user[0]
    dovecot.append(user, "Reports", MESSAGE)
    before = dovecot.status(user, "Reports")
    client = dovecot.connect(user)
    client.select_folder("Reports")
    dovecot.restart()
    with pytest.raises((IMAPClient.AbortError, OSError)):
        client.noop()
    client.shutdown()
    assert dovecot.running
    assert dovecot.fetch_all(user, "Reports") == {1: MESSAGE}
    after = dovecot.status(user, "Reports")
    assert (after["uidvalidity"], after["uidnext"]) == (before["uidvalidity"], before["uidnext"])


def test_nul_bytes_come_back_as_0x80(dovecot: DovecotServer, dovecot_user: tuple[str, str]) -> None:
    """Dovecot rewrites NUL (not allowed in IMAP message text) to 0x80 on APPEND: tests must not send NULs."""
    user = dovecot_user[0]
    dovecot.append(user, "INBOX", b"Subject: nul\r\n\r\na\x00b\r\n")
    assert dovecot.fetch_all(user, "INBOX") == {1: b"Subject: nul\r\n\r\na\x80b\r\n"}
