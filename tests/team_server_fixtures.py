"""Provides a running team IMAP server (a real Dovecot with the acl plugin and one account per member) for the team
access tests: accounts coord (coordinator), pipm (maintainer of pip) and uvm (maintainer of uv), folders
`Team/coordinators`, `Team/pip`, `Team/uv` and the reports mailbox `Reports/security`.

One server per test session (start ≈0.1 s, stop ≈1 s). A test that changes rights takes its own account and project
names from `fresh_name()` so it never changes what another test relies on.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from triage_tui.demo.dovecot_run import DovecotMissing, find_program
from triage_tui.demo.team_server import TeamServer
from triage_tui.team.acl import AclMember

TEAM = (
    AclMember("Casey Coordinator", "coordinator", (), "coord"),
    AclMember("Pip Maintainer", "maintainer", ("pip",), "pipm"),
    AclMember("Uv Maintainer", "maintainer", ("uv",), "uvm"),
)
_names = itertools.count(1)


def fresh_name(stem: str) -> str:
    """A name no other test of this session was given (a plain account name and project id)."""
    return f"{stem}{next(_names):03d}"


def connect(server: TeamServer, user: str, password: str | None = None) -> IMAPClient:
    """An IMAPClient logged in as `user` (with its own password unless given). The caller logs out."""
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    try:
        client.login(user, server.password_of(user) if password is None else password)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


def normal_rights(rights: str) -> str:
    """RFC 4314 rights as a sorted string, without the obsolete `c` and `d` Dovecot adds to MYRIGHTS answers."""
    return "".join(sorted(set(rights) - {"c", "d"}))


@pytest.fixture(scope="session")
def team_server() -> Iterator[TeamServer]:
    """The session's team server, started."""
    try:
        find_program("dovecot")
    except DovecotMissing as error:
        pytest.fail(str(error), pytrace=False)
    # Under /tmp and 0755: as root Dovecot runs as nobody, who cannot enter pytest's 0700 tmp_path.
    root = Path(tempfile.mkdtemp(prefix="team-server-", dir="/tmp"))
    root.chmod(0o755)
    server: TeamServer | None = None
    try:
        for attempt in range(3):
            server = TeamServer.create(root / f"server{attempt}", TEAM, ("pip", "uv"))
            try:
                server.start()
                break
            except RuntimeError:
                # Another process may have taken the port between picking it and Dovecot binding it.
                if attempt == 2 or "Address already in use" not in server.diagnostics():
                    raise
        assert server is not None
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
