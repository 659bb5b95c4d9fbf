"""Tests the team server's directory and lifecycle: private passwords, no clear passwords for Dovecot, a pid file, and a
stop that works from another process's view of the directory and leaves nothing running."""

from __future__ import annotations

import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient.exceptions import IMAPClientError

from team_server_fixtures import TEAM, connect
from triage_tui.demo.dovecot_run import greets, group_members
from triage_tui.demo.team_server import TeamServer
from triage_tui.team.acl import AclMember


@pytest.fixture
def server_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="team-server-", dir="/tmp"))
    root.chmod(0o755)
    yield root / "server"
    shutil.rmtree(root, ignore_errors=True)


def test_passwords_are_private_and_dovecot_keeps_only_hashes(server_dir: Path) -> None:
    server = TeamServer.create(server_dir, TEAM, ("pip", "uv"))

    passwords = {user: server.password_of(user) for user in ("coord", "pipm", "uvm")}
    assert len(set(passwords.values())) == 3
    for user, password in passwords.items():
        mode = stat.S_IMODE(server.password_path(user).stat().st_mode)
        assert mode == 0o600, (user, oct(mode))
        assert len(password) >= 20
    assert stat.S_IMODE((server_dir / "passwords").stat().st_mode) == 0o700
    users = (server_dir / "users").read_text()
    assert stat.S_IMODE((server_dir / "users").stat().st_mode) == 0o600
    assert all(password not in users for password in passwords.values())
    assert users.count("{SSHA256}") == 3


def test_a_server_stopped_through_its_directory_leaves_nothing_running(server_dir: Path) -> None:
    server = TeamServer.create(server_dir, TEAM, ("pip", "uv"))
    server.start()
    try:
        pid = server.pid
        assert pid is not None and server.pid_path.read_text().strip() == str(pid)
        client = connect(server, "pipm")  # a logged-in session keeps an imap process after the master exits
        client.select_folder("Team/pip")
        with pytest.raises(RuntimeError, match="already running"):
            server.start()

        TeamServer(server_dir).stop()  # as `demo --team --stop` would, knowing only the directory

        assert not server.running and not greets(server.port)
        assert group_members(pid) == []
        with pytest.raises((IMAPClientError, OSError)):
            client.noop()
    finally:
        server.stop()


def test_a_stale_pid_file_is_not_taken_for_the_server(server_dir: Path) -> None:
    server = TeamServer.create(server_dir, TEAM)
    server.pid_path.write_text("1\n")  # pid 1 runs, but not this server's config: never signalled

    assert server.pid is None and not server.running
    server.stop()


def test_a_member_the_plan_refuses_is_not_given_an_account(server_dir: Path) -> None:
    with pytest.raises(ValueError, match="not a plain account name"):
        TeamServer.create(server_dir, [*TEAM, AclMember("Eve", "maintainer", ("pip",), "anyone")])
    assert not server_dir.exists()  # nothing half made


def test_a_project_maildir_keeps_for_itself_is_refused(server_dir: Path) -> None:
    server = TeamServer.create(server_dir, TEAM, ("pip",))

    with pytest.raises(ValueError, match="'tmp'"):
        server.add_project("tmp")

    assert TeamServer(server_dir).projects == server.projects == ("pip",)
    assert not (server_dir / "mail" / "team" / "tmp").exists()
