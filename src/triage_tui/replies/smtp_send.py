"""Provides sending the outbox over SMTP: each queued reply is marked sent or failed, and none stops the others.

When SMTP is not configured or the server cannot be reached, replies stay queued and wait for the next sync.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from triage_tui.config import SmtpConfig
from triage_tui.config.rules import clear_text_security
from triage_tui.sources.base import SourceError
from triage_tui.sources.credentials import secret_from
from triage_tui.store.outbox_store import OutboxItem, mark_failed, mark_sent, note_waiting, pending

if TYPE_CHECKING:
    from triage_tui.store.store import Store

TIMEOUT_S = 30.0
NOT_CONFIGURED = "SMTP is not configured (add an [smtp] table to config.toml; see the README)"
"""Why replies wait when there is no `[smtp]`: kept on each of them and said by the sync, not a failure."""


@dataclass
class SendReport:
    """What one send did: how many replies went out, were refused, or still wait, and why."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    error: str | None = None
    """Why nothing could be sent this time (not configured, unreachable, login refused)."""
    unconfigured: bool = False
    """Nothing was tried: there is no `[smtp]`, so every reply waits until there is one."""

    @property
    def ok(self) -> bool:
        """True if nothing failed or had to wait."""
        return not self.failed and not self.waiting and self.error is None


def _tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    # The default context verifies the certificate chain and the host name; ca_file pins a private CA.
    return ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)


def connect(smtp: SmtpConfig, timeout: float = TIMEOUT_S) -> smtplib.SMTP:
    """An SMTP connection per `smtp.security`, logged in if a username is set.

    Raises:
        OSError, smtplib.SMTPException: The server cannot be reached, refused TLS or the login.
        SourceError: The password cannot be read, or "none" was asked for a host that is not loopback.
    """
    refusal = clear_text_security(smtp.security, smtp.host)
    if refusal is not None:
        raise SourceError(f"smtp: security {refusal}")
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=_tls_context(smtp))
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=_tls_context(smtp))
            client.ehlo()
        if smtp.username:
            password = secret_from("smtp", command=smtp.password_command, env=smtp.password_env)
            client.login(smtp.username, password)
    except BaseException:
        client.close()
        raise
    return client


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items())
        return f"recipients refused ({refused})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or "no reason given"


def unreachable_words(smtp: SmtpConfig, error: BaseException) -> str:
    """Why the server could not be reached or logged in to, as a sentence (never an exception's class name)."""
    server = f"the SMTP server at {smtp.host}:{smtp.port}"
    if isinstance(error, ConnectionRefusedError):
        return f"{server} refused the connection (is it running, and is the port right?)"
    if isinstance(error, socket.gaierror):
        return f"the SMTP server's name {smtp.host} cannot be found (check host in [smtp])"
    if isinstance(error, TimeoutError):
        return f"{server} did not answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or "no reason given"
        return f"{server} showed a TLS certificate that cannot be verified ({why}); a private CA goes in ca_file"
    if isinstance(error, ssl.SSLError):
        return f"TLS with {server} failed ({error.reason or 'no reason given'}); check security in [smtp]"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"{server} refused the login of {smtp.username}: {_describe(error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"{server} closed the connection before any reply was sent"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{server} answered {_describe(error)}"
    if isinstance(error, OSError):
        return f"{server} cannot be reached ({error.strerror or error})"
    return f"{server} cannot be used: {_describe(error)}"


def _lost_words(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the server closed it"
    if isinstance(error, TimeoutError):
        return "the server stopped answering"
    return str(error.strerror if isinstance(error, OSError) and error.strerror else error) or "no reason given"


def _connection_lost(
    store: Store, smtp: SmtpConfig, report: SendReport, items: list[OutboxItem], index: int, error: BaseException
) -> None:
    # The connection is gone: the reply in hand may or may not have arrived, the rest never left.
    mark_failed(store, items[index], f"the connection was lost while sending: {_lost_words(error)}")
    report.failed.append(items[index].id)
    rest = items[index + 1 :]
    report.waiting = [other.id for other in rest]
    report.error = f"the connection to the SMTP server at {smtp.host}:{smtp.port} was lost: {_lost_words(error)}"
    note_waiting(store, rest, report.error)


def send_queued(
    store: Store,
    smtp: SmtpConfig | None,
    *,
    now: Callable[[], datetime] | None = None,
    timeout: float = TIMEOUT_S,
) -> SendReport:
    """Send every queued (or previously failed) reply in `store` over SMTP.

    Never raises for one bad message: each is marked sent, or failed with the server's answer and tried again next
    time. When `smtp` is None or the server cannot be reached, every reply stays queued and the report says why.

    Args:
        store: The workspace's store.
        smtp: The `[smtp]` config, or None if there is none.
        now: The clock the deliveries are recorded by.
        timeout: Seconds to wait for the server on each operation.

    Returns:
        Which outbox ids were sent, failed or still wait, and the reason nothing was sent, if so.
    """
    clock = now or (lambda: datetime.now(UTC))
    items = pending(store)
    report = SendReport()
    if not items:
        return report
    if smtp is None:
        report.waiting = [item.id for item in items]
        report.error = NOT_CONFIGURED
        report.unconfigured = True
        note_waiting(store, items, NOT_CONFIGURED)  # the outbox shows each reply's reason
        return report
    if smtp.sink is None:
        return _deliver(store, smtp, items, report, clock, timeout)
    from triage_tui.replies.smtp_sink import SinkError, running_sink

    try:
        with running_sink(smtp) as sink:
            return _deliver(store, sink, items, report, clock, timeout)
    except SinkError as error:
        report.waiting = [item.id for item in items]
        report.error = f"{error}; replies wait for the next sync"
        note_waiting(store, items, report.error)
        return report


def _deliver(
    store: Store,
    smtp: SmtpConfig,
    items: list[OutboxItem],
    report: SendReport,
    clock: Callable[[], datetime],
    timeout: float,
) -> SendReport:
    """Send `items` over one connection to `smtp`'s server, each marked sent or failed in turn."""
    try:
        client = connect(smtp, timeout)
    except SourceError as error:  # the config or the password, not the server: nothing was tried
        report.waiting = [item.id for item in items]
        report.error = f"{error}; replies wait for the next sync"
        note_waiting(store, items, report.error)
        return report
    except (OSError, smtplib.SMTPException) as error:
        # A try that failed: each reply counts it and shows it failed; the next sync tries them again.
        report.waiting = [item.id for item in items]
        report.error = f"{unreachable_words(smtp, error)}; the next sync tries again"
        for item in items:
            mark_failed(store, item, report.error)
        return report
    try:
        for index, item in enumerate(items):
            try:
                # If some recipients were refused but others took it, it counts as sent: sending again would
                # duplicate it for those who have it.
                client.sendmail(smtp.from_address, list(item.recipients), item.raw)
            except smtplib.SMTPServerDisconnected as error:
                _connection_lost(store, smtp, report, items, index, error)
                return report
            except smtplib.SMTPException as error:
                # The server refused this message (sender, recipients or content): the others may still go.
                mark_failed(store, item, _describe(error))
                report.failed.append(item.id)
                continue
            except OSError as error:
                _connection_lost(store, smtp, report, items, index, error)
                return report
            mark_sent(store, item, clock())
            report.sent.append(item.id)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return report
