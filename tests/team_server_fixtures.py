"""Provides a running team IMAP server (a real Dovecot with the acl plugin and one account per member) for the team
access tests: accounts coord (coordinator), pipm (maintainer of pip) and uvm (maintainer of uv), folders
`Team/coordinators`, `Team/pip`, `Team/uv` and the reports mailbox `Reports/security`.

One server per test session (start ≈0.1 s, stop ≈1 s). A test that changes rights takes its own account and project
names from `fresh_name()` so it never changes what another test relies on.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient

from dovecot_fixtures import server_root, start_retrying
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
    with server_root("team-server-") as root:
        servers = (TeamServer.create(root / f"server{n}", TEAM, ("pip", "uv")) for n in itertools.count())
        server = start_retrying(servers)
        try:
            yield server
        finally:
            server.stop()
