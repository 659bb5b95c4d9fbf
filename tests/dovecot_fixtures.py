"""Provides a real, throwaway Dovecot IMAP server on loopback for the IMAP tests (one per test session).

The session fixture `dovecot` starts Dovecot rootless in a temp dir under /tmp (as root it runs as nobody/nogroup)
with plain IMAP + STARTTLS on `port` and implicit TLS on `tls_port`, both on 127.0.0.1 and on random free ports.
The server certificate (for localhost and 127.0.0.1) is signed by a test CA in `ca_file`; `wrong_ca_file` is an
unrelated CA for "verification must fail" tests. Each test takes its own user with `new_user()` (or the
`dovecot_user` fixture) so it starts with an empty mailbox. See tech-notes section 1 for the measured facts.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import pytest
from imapclient import IMAPClient

from triage_tui.demo import dovecot_run
from triage_tui.demo.dovecot_run import HOST, DovecotMissing, end_group, free_ports

USER_POOL = 200  # users written up front; the pool grows by this much when exhausted
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

TlsMode = Literal["plain", "starttls", "imaps"]

SETTINGS = """\
auth_failure_delay = 0
protocol imap {{
  mail_max_userip_connections = 100
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
  override_fields = nodelay=yes
}}
ssl = yes
ssl_cert = <{d}/tls/server.pem
ssl_key = <{d}/tls/server.key
ssl_min_protocol = TLSv1.2
"""
"""What the tests' Dovecot adds to the demo's private one (`dovecot_run.CONFIG`): no delay after a failed login,
plain passwords, TLS."""

SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def program(name: str) -> str:
    """The path of a Dovecot/OpenSSL program; fails the test with how to install it when missing."""
    try:
        return dovecot_run.find_program(name)
    except DovecotMissing as error:
        pytest.fail(str(error), pytrace=False)


def _openssl(openssl: str, *args: str) -> None:
    result = subprocess.run([openssl, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{result.stderr}")


def _make_ca(openssl: str, directory: Path, name: str, common_name: str) -> tuple[Path, Path]:
    """A self-signed P-256 CA: returns (certificate, key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl(
        openssl,
        *("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"),
        *("-keyout", str(key), "-out", str(cert), "-days", "30", "-subj", f"/CN={common_name}"),
        *("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    return cert, key


def _make_tls(openssl: str, directory: Path) -> tuple[Path, Path]:
    """Writes ca.pem, wrong-ca.pem and server.pem/server.key (signed by ca); returns (ca_file, wrong_ca_file)."""
    directory.mkdir()
    ca_cert, ca_key = _make_ca(openssl, directory, "ca", "triage-tui test CA")
    wrong_cert, _ = _make_ca(openssl, directory, "wrong-ca", "triage-tui unrelated test CA")
    csr, extensions = directory / "server.csr", directory / "server.ext"
    extensions.write_text(SERVER_EXTENSIONS)
    _openssl(
        openssl,
        *("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"),
        *("-keyout", str(directory / "server.key"), "-out", str(csr), "-subj", "/CN=localhost"),
    )
    _openssl(
        openssl,
        *("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-set_serial", "2"),
        *("-days", "30", "-extfile", str(extensions), "-out", str(directory / "server.pem")),
    )
    return ca_cert, wrong_cert


class DovecotServer:
    """A running throwaway Dovecot on 127.0.0.1 with helpers to arrange mailbox state from tests.

    Connect to `host`/`port` (plain IMAP, STARTTLS offered) or `tls_port` (implicit TLS); verify TLS with
    `ssl.create_default_context(cafile=ca_file)`; `wrong_ca_file` did not sign the server certificate.
    `user`/`password` is a shared test user; tests that need an empty mailbox call `new_user()`.
    Folder names are IMAP names ("INBOX", "Reports", "Reports/2024" with "/" as the separator).
    `log_path` is Dovecot's log (logins, errors), handy when a test fails.
    """

    host = HOST

    def __init__(self, directory: Path, run_as: tuple[str, str] | None) -> None:
        self.directory = directory
        self.log_path = directory / "dovecot.log"
        self.config_path = directory / "dovecot.conf"
        self.users_path = directory / "users"
        self._run_as = run_as  # (user, group) to drop to when we are root, else None
        self._dovecot = program("dovecot")
        self._doveadm = program("doveadm")
        openssl = program("openssl")
        self.ca_file, self.wrong_ca_file = _make_tls(openssl, directory / "tls")
        self.port, self.tls_port = free_ports(2)
        self._passwords: dict[str, str] = {}
        self._pool: list[str] = []  # users not handed out yet, in order
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._grow_pool()
        self.user, self.password = self._handout()

    # ---- lifecycle -------------------------------------------------------------------------------------

    def _write_config(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.directory / sub).mkdir(exist_ok=True)
        self.config_path.write_text(
            dovecot_run.config_text(
                SETTINGS,
                self.directory,
                self._run_as,
                instance=f"dovecot-test-{self.port}",
                port=self.port,
                tls_port=self.tls_port,
            )
        )
        self.log_path.touch()
        self._chown_all()

    def _chown_all(self) -> None:
        dovecot_run.chown_tree(self.directory, self._run_as)

    def start(self) -> None:
        """Starts Dovecot and returns once it greets on the plain port (≈0.05 s)."""
        if self._process is not None:
            raise RuntimeError("Dovecot is already running")
        if not self.config_path.exists():
            self._write_config()
        kwargs: dict[str, object] = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as[0], "group": self._run_as[1], "extra_groups": []}
        stderr_path = self.directory / "dovecot.stderr"
        with stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(  # type: ignore[call-overload]
                [self._dovecot, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # its own process group, so a stuck stop can kill every child
                **kwargs,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        process = self._process
        assert process is not None

        def failed() -> str | None:
            return None if process.poll() is None else f"Dovecot exited with rc {process.returncode} while starting"

        try:
            dovecot_run.wait_greeting(self.port, START_TIMEOUT, failed)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{self.diagnostics()}") from None

    def stop(self) -> None:
        """SIGTERM, waits for the master to exit (≈1 s), then ends what it leaves behind.

        Dovecot's master exits without ending logged-in `imap` processes (nor the log process serving them):
        they live on as long as their client stays connected. Everything Dovecot starts is in the master's own
        process group, so after the master exits the rest of that group gets SIGTERM (imap sends `* BYE`),
        then SIGKILL if still there after 1 s.
        """
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        end_group(process.pid)

    def restart(self) -> None:
        """Stops Dovecot (waiting for it to exit) and starts it again on the same ports and data.

        Every open connection is dropped. Mail, UIDs and UIDVALIDITY survive.
        """
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def diagnostics(self) -> str:
        """The last lines of Dovecot's stderr and log, for failure messages."""
        parts = []
        for path in (self.directory / "dovecot.stderr", self.log_path):
            with contextlib.suppress(OSError):
                lines = path.read_text(errors="replace").splitlines()[-30:]
                parts.append(f"--- {path} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    # ---- users ----------------------------------------------------------------------------------------

    def _grow_pool(self) -> None:
        """Appends USER_POOL more users to the passwd-file."""
        lines = []
        for _ in range(USER_POOL):
            n = len(self._passwords) + 1
            name, password = f"user{n:04d}", f"pw-{n:04d}-{os.urandom(4).hex()}"
            self._passwords[name] = password
            self._pool.append(name)
            lines.append(f"{name}:{{PLAIN}}{password}::::{self.directory}/mail/{name}::\n")
        with self.users_path.open("a") as f:
            f.writelines(lines)

    def _handout(self) -> tuple[str, str]:
        with self._lock:
            if not self._pool:
                self._grow_pool()
                if self.running:
                    # Dovecot's auth process stats the passwd-file at most once per (wall-clock) second, so a user
                    # added now may be unknown until the next second: wait for it.
                    time.sleep(1.05 - time.time() % 1)
            name = self._pool.pop(0)
            return name, self._passwords[name]

    def new_user(self) -> tuple[str, str]:
        """A user no other test has been given: (name, password), with an empty INBOX and no other folders."""
        return self._handout()

    def password_of(self, user: str) -> str:
        return self._passwords[user]

    # ---- IMAP helpers (over the plain port, or TLS when asked) -------------------------------------------

    def connect(
        self,
        user: str | None = None,
        *,
        mode: TlsMode = "plain",
        ca_file: Path | None = None,
        timeout: float = 10.0,
    ) -> IMAPClient:
        """An IMAPClient logged in as `user` (default: the shared user). The caller logs out.

        mode: "plain" (no TLS), "starttls" (plain port, then STARTTLS) or "imaps" (tls_port); TLS verifies
        against `ca_file` (default: the right CA).
        """
        user = user or self.user
        context = ssl.create_default_context(cafile=str(ca_file or self.ca_file))
        if mode == "imaps":
            client = IMAPClient(HOST, port=self.tls_port, ssl=True, ssl_context=context, timeout=timeout)
        else:
            client = IMAPClient(HOST, port=self.port, ssl=False, timeout=timeout)
        try:
            if mode == "starttls":
                client.starttls(context)
            client.login(user, self._passwords[user])
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def create_folder(self, user: str, folder: str) -> None:
        """Creates `folder` (and its parents) for `user`; does nothing when it exists."""
        client = self.connect(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
        finally:
            client.logout()

    def append(self, user: str, folder: str, data: bytes, flags: Iterable[str] = ()) -> int:
        """APPENDs one message byte for byte (creating the folder if missing); returns its UID (from APPENDUID)."""
        return self.append_many(user, folder, [data], flags)[0]

    def append_many(self, user: str, folder: str, messages: Iterable[bytes], flags: Iterable[str] = ()) -> list[int]:
        """APPENDs several messages over one connection (≈350/s); returns their UIDs in order."""
        flag_list = list(flags)
        client = self.connect(user)
        try:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            uids = []
            for data in messages:
                response = client.append(folder, data, flags=flag_list)
                match = re.search(rb"\[APPENDUID \d+ (\d+)\]", response)
                if match is None:
                    raise AssertionError(f"APPEND gave no APPENDUID: {response!r}")
                uids.append(int(match.group(1)))
            return uids
        finally:
            client.logout()

    def fetch_all(self, user: str, folder: str) -> dict[int, bytes]:
        """Every message in `folder` as {uid: exact bytes} (BODY.PEEK[], so \\Seen is not set)."""
        client = self.connect(user)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return {}
            return {uid: data[b"BODY[]"] for uid, data in client.fetch(uids, ["BODY.PEEK[]"]).items()}
        finally:
            client.logout()

    # ---- doveadm --------------------------------------------------------------------------------------

    def doveadm(self, *args: str, stdin: bytes | None = None) -> str:
        """Runs `doveadm -c <conf> *args` and returns its stdout; raises RuntimeError on failure.

        As root doveadm drops to the mail user itself. Example: doveadm("flags", "add", "-u", u, "\\\\Seen",
        "mailbox", "Reports", "uid", "1").
        """
        result = subprocess.run(
            [self._doveadm, "-c", str(self.config_path), *args], input=stdin, capture_output=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)} failed with rc {result.returncode}: {result.stderr.decode(errors='replace')}"
            )
        return result.stdout.decode(errors="replace")

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """Forces a new UIDVALIDITY on `folder` (UIDs stay; clients must treat the folder as new)."""
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)

    def expunge(self, user: str, folder: str, uid: int) -> None:
        """Expunges one message by UID, as another client would."""
        self.doveadm("expunge", "-u", user, "mailbox", folder, "uid", str(uid))

    def status(self, user: str, folder: str) -> dict[str, int | str]:
        """doveadm mailbox status: messages, recent, uidnext, uidvalidity, unseen, highestmodseq, vsize (ints),
        guid and firstsaved (strings)."""
        header, values = self.doveadm("-f", "tab", "mailbox", "status", "-u", user, "all", folder).splitlines()[:2]
        result: dict[str, int | str] = {}
        for key, value in zip(header.split("\t"), values.split("\t"), strict=True):
            if key != "mailbox":
                result[key] = int(value) if value.isdigit() else value
        return result

    def who(self, user: str) -> list[str]:
        """Lines of `doveadm who` for `user` (one per live IMAP connection group); empty when none."""
        out = self.doveadm("-f", "tab", "who", user)
        return [line for line in out.splitlines()[1:] if line.strip()]

    def kick(self, user: str) -> None:
        """Drops every open IMAP connection of `user` (doveadm kick) and waits until they are gone.

        The client's next command then fails (imapclient raises IMAPClient.AbortError or an OSError).
        """
        self.doveadm("kick", user)
        deadline = time.monotonic() + 5
        while self.who(user):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{user} still connected after doveadm kick: {self.who(user)}")
            time.sleep(0.02)


def _run_as() -> tuple[str, str] | None:
    return dovecot_run.run_as()


class Startable(Protocol):
    def start(self) -> None: ...

    def diagnostics(self) -> str: ...


S = TypeVar("S", bound=Startable)


@contextlib.contextmanager
def server_root(prefix: str) -> Iterator[Path]:
    """A new folder under /tmp, 0755 (as root Dovecot runs as nobody, who cannot enter pytest's 0700 tmp_path),
    removed afterwards; fails the test with how to install Dovecot when it is missing."""
    program("dovecot")
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def start_retrying(servers: Iterable[S], tries: int = 3) -> S:
    """Starts the first of `servers` (each on other ports) that gets its ports: another process may take a port
    between picking it and Dovecot binding it. Any other failure, or the last try's, raises."""
    for attempt, server in zip(range(tries), servers, strict=False):
        try:
            server.start()
            return server
        except RuntimeError:
            if attempt == tries - 1 or "Address already in use" not in server.diagnostics():
                raise
    raise RuntimeError("no server was tried")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot for the whole test session (start ≈0.2 s with certificates, stop ≈1 s)."""
    with server_root("dovecot-") as directory:
        server = DovecotServer(directory, _run_as())

        def on_new_ports() -> Iterator[DovecotServer]:
            yield server
            while True:
                server.port, server.tls_port = free_ports(2)
                server.config_path.unlink()
                yield server

        try:
            yield start_retrying(on_new_ports())
        finally:
            server.stop()


@pytest.fixture
def dovecot_user(dovecot: DovecotServer) -> tuple[str, str]:
    """A fresh (user, password) with an empty mailbox, for this test only."""
    return dovecot.new_user()
