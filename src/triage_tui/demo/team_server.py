"""A private team IMAP server on loopback (Dovecot with the acl plugin) for `triage-tui demo --team` and the tests:
one account per member, the team's folders in a public namespace `Team/`, the reports mailbox `Reports/security` in a
second public namespace only coordinators may read, and every member's rights set from the team's ACL plan."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from triage_tui.config.team_writing import TeamJoinSettings, new_config_text
from triage_tui.demo import dovecot_run, team_server_files
from triage_tui.demo.dovecot_run import HOST
from triage_tui.team.acl import AclMember, AclPlan, acl_file, namespace_root_acl, plan_acl, valid_imap_user

TEAM_PREFIX = "Team/"
REPORTS_PREFIX = "Reports/"
REPORTS_MAILBOX = "Reports/security"
STATE_FILE = "server.json"
RESERVED = frozenset({"cur", "new", "tmp"})  # folder names Maildir's fs layout refuses
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class TeamServer:
    """A team's Dovecot in `directory` (created by `create`, reopened by `TeamServer(directory)` from another process).

    Plain IMAP on 127.0.0.1:`port` (the password never leaves the machine). Each account's password is in
    `password_path(user)` (mode 0600); Dovecot itself keeps only salted hashes. `pid_path` is the running master's
    pid file; `log_path` its log."""

    host = HOST

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config_path = directory / "dovecot.conf"
        self.log_path = directory / "dovecot.log"
        self.pid_path = directory / "run" / "master.pid"
        self.stderr_path = directory / "dovecot.stderr"
        state = json.loads((directory / STATE_FILE).read_text())
        self.port: int = state["port"]
        self.prefix: str = state["prefix"]
        self.reports_mailbox: str = state["reports_mailbox"]
        self.projects: tuple[str, ...] = tuple(state["projects"])
        self.members: tuple[AclMember, ...] = tuple(
            AclMember(m["name"], m["role"], tuple(m["projects"]), m["imap_user"]) for m in state["members"]
        )
        self.accounts: tuple[str, ...] = tuple(state["accounts"])
        owner = state["run_as"]
        self._run_as: tuple[str, str] | None = (owner[0], owner[1]) if owner else None

    @classmethod
    def create(
        cls, directory: Path, members: Sequence[AclMember], projects: Sequence[str] = (), *, port: int | None = None
    ) -> TeamServer:
        """Writes a new server into `directory` (which must not exist or be empty): config, one account per member with
        a random password, the folders (`Team/coordinators`, `Team/<p>` for each project, `Reports/security`) and
        their ACL files from the team's plan. A member the plan refuses raises ValueError (the demo's own members are
        all plain). Not started."""
        existed = directory.exists()
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            raise ValueError(f"{directory} is not empty")
        try:
            return cls._fill(directory, tuple(members), tuple(projects), port)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # all or nothing: it was empty
            if existed:
                directory.mkdir()
            raise

    @classmethod
    def _fill(
        cls, directory: Path, members: tuple[AclMember, ...], projects: tuple[str, ...], port: int | None
    ) -> TeamServer:
        owner = dovecot_run.run_as()
        (directory / STATE_FILE).write_text(
            json.dumps(
                {
                    "port": port or dovecot_run.free_ports(1)[0],
                    "prefix": TEAM_PREFIX,
                    "reports_mailbox": REPORTS_MAILBOX,
                    "projects": [],
                    "members": [],
                    "accounts": [],
                    "run_as": list(owner) if owner else None,
                }
            )
        )
        server = cls(directory)
        for sub in ("run", "state", "mail/home", "mail/team", "mail/reports", "passwords"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "passwords").chmod(0o700)
        server._write_config()
        server._save(members=members, projects=projects)
        return server

    # ---- accounts, folders and rights ---------------------------------------------------------------------

    def plan(self) -> AclPlan:
        """The rights every member is to hold, from the members and projects."""
        return plan_acl(self.members, self.prefix, reports_mailbox=self.reports_mailbox, projects=self.projects)

    def add_member(self, member: AclMember, *, grant: bool = True) -> str:
        """Adds an account for `member` and returns its password; with `grant`, the folders' ACL files are written
        again from the new plan (overwriting rights set since), otherwise the account starts with no rights."""
        if member.imap_user is None or not valid_imap_user(member.imap_user):
            raise ValueError(f"member {member.name!r} has no plain imap user")
        if grant:
            self._save(members=(*self.members, member))
        else:
            self._add_accounts([member.imap_user])
        return self.password_of(member.imap_user)

    def add_project(self, project: str) -> None:
        """Adds the folder `Team/<project>` (coordinators' rights, its maintainers' once they are members, and the
        other maintainers' append-only `i`)."""
        self._save(projects=(*self.projects, project))

    def password_of(self, user: str) -> str:
        return self.password_path(user).read_text()

    def password_path(self, user: str) -> Path:
        if user not in self.accounts:
            raise KeyError(user)
        return self.directory / "passwords" / user

    def member_config(
        self, user: str, name: str, email: str, fingerprint: str, gnupg_home: Path, *coordinators: str
    ) -> str:
        """The config `team join` writes for the account `user` on this server (its password read from the account's
        password file): `[identity]` for the key `fingerprint` in `gnupg_home`, `[team]` and `[team.server]`."""
        settings = TeamJoinSettings(
            name, email, fingerprint, coordinators, self.prefix, self.host, self.port, "none", user,
            password_command=f"cat {self.password_path(user)}", gnupg_home=gnupg_home,
        )  # fmt: skip
        return new_config_text(settings)

    def _save(self, *, members: tuple[AclMember, ...] | None = None, projects: tuple[str, ...] | None = None) -> None:
        """Plans with the new members/projects (refusing the change if the plan refuses anyone), then writes the
        accounts, the folders and their ACL files, and the state file."""
        old = (self.members, self.projects)
        self.members = self.members if members is None else members
        self.projects = self.projects if projects is None else projects
        plan = self.plan()
        problems = [f"{r.who}: {r.reason}" for r in plan.refused] + [
            f"{folder}: Dovecot's Maildir keeps {folder.rsplit('/', 1)[-1]!r} for itself; choose another project id"
            for folder in plan.folders
            if folder.rsplit("/", 1)[-1] in RESERVED
        ]
        if problems:  # checked before anything is written
            self.members, self.projects = old
            raise ValueError("; ".join(problems))
        self._add_accounts([m.imap_user for m in self.members if m.imap_user is not None])
        for folder in plan.folders:
            self._write_folder(plan, folder)
        for root in ("team", "reports"):
            self._write_owned(self.directory / "mail" / root / "dovecot-acl", namespace_root_acl(plan))
        self._write_state()

    def _add_accounts(self, users: Sequence[str]) -> None:
        new = [user for user in dict.fromkeys(users) if user not in self.accounts]
        if not new:
            return
        for user in new:
            path = self.directory / "passwords" / user
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(18))
        self.accounts = (*self.accounts, *new)
        home = self.directory / "mail" / "home"
        lines = "".join(team_server_files.account_line(u, self.password_of(u), home / u) for u in self.accounts)
        self._write_owned(self.directory / "users", lines, mode=0o600)
        for user in new:
            (self.directory / "mail" / "home" / user).mkdir(exist_ok=True)
            dovecot_run.chown_tree(self.directory / "mail" / "home" / user, self._run_as)
        self._write_state()
        if self.running:
            # Dovecot's auth process looks at the passwd-file at most once per wall-clock second: a user added now may
            # be unknown until the next one.
            time.sleep(1.05 - time.time() % 1)

    def deliver(self, folder: str, messages: Iterable[tuple[bytes, float]]) -> int:
        """Delivers each (message, arrival time as POSIX seconds) into `folder` as a mail server's local delivery does
        (Maildir: written in `tmp/`, renamed into `new/`, stamped with its arrival, which IMAP gives as INTERNALDATE),
        far faster than one `doveadm save` each; returns how many. The folder must exist."""
        maildir = self._maildir(folder)
        if not (maildir / "new").is_dir():
            raise ValueError(f"{folder} is not a folder of this server")
        count = 0
        for count, (data, arrived) in enumerate(messages, 1):
            staged = maildir / "tmp" / f"{int(arrived):010d}.{count:06d}.P{os.getpid()}.triage-demo"
            staged.write_bytes(data)
            os.utime(staged, (arrived, arrived))
            if self._run_as is not None:
                os.chown(staged, *team_server_files.ids(self._run_as))
            staged.replace(maildir / "new" / staged.name)
        return count

    def _maildir(self, folder: str) -> Path:
        root, name = (
            ("team", folder.removeprefix(self.prefix))
            if folder.startswith(self.prefix)
            else ("reports", folder.removeprefix(REPORTS_PREFIX))
        )
        return self.directory / "mail" / root / name  # LAYOUT=fs: a project id may hold a "."

    def _write_folder(self, plan: AclPlan, folder: str) -> None:
        maildir = self._maildir(folder)
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._write_owned(maildir / "dovecot-acl", acl_file(plan, folder))
        dovecot_run.chown_tree(maildir, self._run_as)

    def _write_owned(self, path: Path, text: str, mode: int = 0o644) -> None:
        team_server_files.write_owned(path, text, self._run_as, mode)

    def _write_state(self) -> None:
        state: dict[str, Any] = {
            "port": self.port,
            "prefix": self.prefix,
            "reports_mailbox": self.reports_mailbox,
            "projects": list(self.projects),
            "members": [asdict(m) for m in self.members],
            "accounts": list(self.accounts),
            "run_as": list(self._run_as) if self._run_as else None,
        }
        temp = self.directory / f".{STATE_FILE}.tmp"
        temp.write_text(json.dumps(state, indent=1))
        temp.replace(self.directory / STATE_FILE)

    def _write_config(self) -> None:
        text = dovecot_run.config_text(
            team_server_files.SETTINGS,
            self.directory,
            self._run_as,
            instance=f"triage-team-{self.port}",
            port=self.port,
            team_prefix=self.prefix,
            reports_prefix=REPORTS_PREFIX,
        )
        self.config_path.write_text(text)
        self.log_path.touch()
        for sub in ("run", "state", "mail/home", "mail/team", "mail/reports"):
            dovecot_run.chown_tree(self.directory / sub, self._run_as)
        if self._run_as is not None:
            os.chown(self.log_path, *team_server_files.ids(self._run_as))

    # ---- lifecycle ------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The running master's pid (from its pid file), or None when it is not running. A pid the system has since
        given to another program (one not running this server's config) is not taken for it."""
        try:
            pid = int(self.pid_path.read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        if str(self.config_path).encode() not in command:
            return None
        return pid if dovecot_run.process_state(pid) not in (None, "Z") else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        """Starts Dovecot in the background (it outlives this process) and returns once it greets."""
        if self.running:
            raise RuntimeError(f"the team server in {self.directory} is already running (pid {self.pid})")
        kwargs: dict[str, Any] = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as[0], "group": self._run_as[1], "extra_groups": []}
        # Output to a file, not a pipe: the daemon keeps its inherited descriptors, so a pipe would never close.
        with self.stderr_path.open("wb") as stderr:
            result = subprocess.run(
                [dovecot_run.find_program("dovecot"), "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                timeout=START_TIMEOUT,
                check=False,
                **kwargs,
            )
        if result.returncode != 0:
            raise RuntimeError(f"Dovecot did not start (rc {result.returncode}):\n{self.diagnostics()}")
        try:
            dovecot_run.wait_greeting(self.port, START_TIMEOUT, self._failed)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.diagnostics()}") from None

    def _failed(self) -> str | None:
        # The pid file appears once the master is up; written and the master gone means it died starting.
        return "Dovecot exited while starting" if self.pid_path.exists() and not self.running else None

    def stop(self) -> None:
        """SIGTERM to the master, waits for it to exit (≈1 s), then ends the processes it leaves behind."""
        pid = self.pid
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while dovecot_run.process_state(pid) not in (None, "Z"):
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        dovecot_run.end_group(pid)

    def diagnostics(self) -> str:
        """The last lines of Dovecot's output at start and of its log, for error messages."""
        parts = []
        for path in (self.stderr_path, self.log_path):
            try:
                lines = path.read_text(errors="replace").splitlines()[-30:]
            except OSError:
                continue
            parts.append("\n".join([f"--- {path} ---", *lines]))
        return "\n".join(parts)

    def doveadm(self, *args: str, stdin: bytes | None = None) -> str:
        """Runs `doveadm -c <config> *args` as the server's admin would (e.g. `save -u coord -m Reports/security`
        with the message on `stdin`, as the MTA delivers); returns stdout, raises RuntimeError."""
        result = subprocess.run(
            [dovecot_run.find_program("doveadm"), "-c", str(self.config_path), *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=30,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)}: rc {result.returncode}: {result.stderr.decode(errors='replace')}"
            )
        return result.stdout.decode(errors="replace")
