"""Running a private Dovecot without root's help: finding its programs, free loopback ports, waiting for the greeting,
and ending every process it leaves behind (shared by the team demo's server and the tests' server)."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
INSTALL_HINT = "run `make test` (or ./scripts/install-system-deps.sh) to install Dovecot and OpenSSL"
GROUP_GRACE = 1.0  # seconds left to a stopped server's last processes between SIGTERM and SIGKILL
CONFIG = """\
protocols = imap
listen = {host}
base_dir = {d}/run
state_dir = {d}/state
instance_name = {instance}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_uid = {user}
mail_gid = {group}
mail_location = maildir:~/Maildir
{settings}userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}{imaps}
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  chroot =
}}
"""
"""What every private Dovecot here is: IMAP on loopback, run (as root) by `owner`, every file under its directory `d`,
accounts in the passwd-file `d/users`, and the services' chroots off (a chroot needs root's help)."""


class DovecotMissing(RuntimeError):
    """A Dovecot program is not installed."""


def find_program(name: str) -> str:
    """The path of `name` (dovecot, doveadm, openssl), also looked for in the sbin directories."""
    path = shutil.which(name, path=SBIN_PATH)
    if path is None:
        raise DovecotMissing(f"`{name}` not found: a private IMAP server needs a real Dovecot; {INSTALL_HINT}")
    return path


def run_as() -> tuple[str, str] | None:
    """(user, group) for Dovecot's processes when we are root (Dovecot refuses to serve mail as root), else None:
    then every process runs as whoever we are."""
    return ("nobody", "nogroup") if os.getuid() == 0 else None


def config_text(
    settings: str,
    directory: Path,
    owner: tuple[str, str] | None,
    *,
    instance: str,
    port: int,
    tls_port: int = 0,
    **values: object,
) -> str:
    """Dovecot's config for a private server in `directory` serving plain IMAP on loopback `port` (and implicit TLS on
    `tls_port` unless 0) as `owner` (None: whoever we are); `settings` holds the rest this server needs (its passdb,
    mail plugins, namespaces, TLS files), a template filled like CONFIG with `values` besides."""
    user, group = owner or (pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)
    filled = {"host": HOST, "d": directory, "user": user, "group": group, "port": port, "tls_port": tls_port, **values}
    imaps = "\n    ssl = yes" if tls_port else ""
    return CONFIG.format(instance=instance, settings=settings.format(**filled), imaps=imaps, **filled)


def chown_tree(directory: Path, owner: tuple[str, str] | None) -> None:
    """Gives `directory` and everything under it to `owner` (nothing to do when None)."""
    if owner is None:
        return
    for root, dirs, files in os.walk(directory):
        for name in [*dirs, *files]:
            shutil.chown(os.path.join(root, name), *owner)
    shutil.chown(directory, *owner)


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out on loopback (all held open together, so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def greets(port: int) -> bool:
    """Whether an IMAP server answers `* OK` on loopback `port` now."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as s:
            return s.recv(64).startswith(b"* OK")
    except OSError:
        return False


def wait_greeting(port: int, timeout: float, failed: Callable[[], str | None]) -> None:
    """Returns once `port` greets; raises RuntimeError with `failed()`'s reason as soon as it gives one, or after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not greets(port):
        reason = failed()
        if reason is not None:
            raise RuntimeError(reason)
        if time.monotonic() > deadline:
            raise RuntimeError(f"Dovecot did not greet on port {port} in {timeout} s")
        time.sleep(0.01)


def process_state(pid: int) -> str | None:
    """The state letter of process `pid` from /proc ("Z" for a zombie), or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[0]


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group `pgid`, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


def end_group(pgid: int) -> None:
    """SIGTERM to what is left of process group `pgid` (a stopped Dovecot's master leaves logged-in `imap` processes
    running as long as their clients stay), then SIGKILL after GROUP_GRACE seconds."""
    if not group_members(pgid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + GROUP_GRACE
    while group_members(pgid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.01)
