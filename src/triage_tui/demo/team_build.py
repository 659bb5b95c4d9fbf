"""Builds `triage-tui demo --team`: a coordinator's workspace with the demo's reports delivered to the team's private
Dovecot, and pip's and uv's maintainers invited and joined exactly as real members are, then everyone synced."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.config import Config, load_config
from triage_tui.demo import keys
from triage_tui.demo.build import build_demo
from triage_tui.demo.config_writer import config_head, toml_string, write_config
from triage_tui.demo.dovecot_run import run_as
from triage_tui.demo.people import TEAM_EMAIL, TEAM_NAME, Person
from triage_tui.demo.team_links import TEAM_PROJECTS, link_cases, plan_links
from triage_tui.demo.team_server import REPORTS_MAILBOX, TEAM_PREFIX, TeamServer
from triage_tui.store.store import Store
from triage_tui.team.acl import AclMember
from triage_tui.workspace import CONFIG_FILE

if TYPE_CHECKING:
    import gnupg

REPORTS_SOURCE = "reports"


@dataclass(frozen=True)
class DemoMember:
    """One workstation of the team demo: its folder under the demo's home, its person and its server account."""

    folder: str
    person: Person
    role: str
    projects: tuple[str, ...]
    imap_user: str

    @property
    def password_env(self) -> str:
        """The environment variable this workstation's config reads its IMAP password from."""
        return f"TRIAGE_DEMO_{self.folder.upper()}_PASSWORD"


COORDINATOR = DemoMember("coordinator", Person(TEAM_NAME, TEAM_EMAIL), "coordinator", (), "coordinator")
MAINTAINERS = (
    DemoMember("pip", Person("Pia Lindgren", "pia@pip.example"), "maintainer", ("pip",), "pip-maintainer"),
    DemoMember("uv", Person("Umar Okonkwo", "umar@astral.example"), "maintainer", ("uv",), "uv-maintainer"),
)
MEMBERS = (COORDINATOR, *MAINTAINERS)
SERVER_FOLDER = "server"
INVITATIONS_FOLDER = "invitations"

Say = Callable[[str], None]
SyncWorkstation = Callable[[Store, Config, str], None]
"""Runs one whole sync of a workstation (its store, its config, its folder name), as `triage-tui sync` does, and
raises TeamDemoError when a source fails: the CLI's, since the demo's layer does not run syncs itself."""


class TeamDemoError(RuntimeError):
    """A step of the team demo failed; the message says which and why."""


@dataclass(frozen=True)
class TeamDemo:
    """What `build_team_demo` made: each workstation's folder, the running server, and which cases went where."""

    home: Path
    server: TeamServer
    workspaces: Mapping[str, Path]
    reports: int
    links: Mapping[str, tuple[str, ...]]
    """case id → the projects the coordinator linked it to."""


def build_team_demo(home: Path, cases: int, *, say: Say, sync: SyncWorkstation) -> TeamDemo:
    """Build the team demo in `home` (which must be empty): the coordinator's workspace, the server (started, left
    running), the maintainers' workspaces by invitation and join, the links, and every workstation synced."""
    home = home.expanduser().resolve()
    coordinator_home = home / COORDINATOR.folder
    built = build_demo(coordinator_home, cases, progress=say)
    say("generating the maintainers' keys, each in their own GnuPG home…")
    member_keys = {member.folder: _member_key(home / member.folder, member) for member in MAINTAINERS}
    say("writing the team's Dovecot: one account per member, the Team/ folders and the reports mailbox…")
    server = _create_server(home / SERVER_FOLDER, built.maildir)
    shutil.rmtree(built.maildir)  # the reports now wait on the server, as a mail server delivered them
    config = _write_coordinator_config(coordinator_home, built.team_fingerprint, built.gnupg_home, server)
    try:
        server.start()
    except RuntimeError as error:  # Dovecot missing, or it could not reach its folder or port: its own words first
        lines = str(error).splitlines()
        where = f"; Dovecot runs as {owner[0]}, who must be able to enter {home}" if (owner := run_as()) else ""
        raise TeamDemoError(f"the team server did not start: {lines[0] if lines else error}{where}") from None
    try:
        with _passwords(server):
            links = _onboard_and_sync(home, config, member_keys, say, sync)
    except BaseException:
        server.stop()
        raise
    workspaces = {member.folder: home / member.folder for member in MEMBERS}
    return TeamDemo(home, server, workspaces, built.messages, links)


def _member_key(workspace: Path, member: DemoMember) -> tuple[Path, str]:
    """A fresh key for `member` in the workspace's own GnuPG home (nothing else in it): (home, armoured public key)."""
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    gnupg_home = keys.short_home(workspace / "gnupg")
    gpg = keys.open_gpg(gnupg_home)
    fingerprint = keys.generate_keys(gpg, [member.person])[member.person.email]
    return gnupg_home, str(gpg.export_keys(fingerprint, minimal=True))


def _create_server(directory: Path, maildir: Path) -> TeamServer:
    """The server with every account, the coordinators' rights on each folder (the rest come from the roster's plan,
    set by the coordinator once the maintainers are invited), and the reports delivered to the reports mailbox."""
    from triage_tui.demo.people import PROJECTS

    coordinator = AclMember(COORDINATOR.person.name, "coordinator", (), COORDINATOR.imap_user)
    server = TeamServer.create(directory, [coordinator], [project.id for project in PROJECTS])
    for member in MAINTAINERS:
        server.add_member(AclMember(member.person.name, "maintainer", member.projects, member.imap_user), grant=False)
    reports = sorted((maildir / "new").iterdir())
    server.deliver(REPORTS_MAILBOX, ((path.read_bytes(), path.stat().st_mtime) for path in reports))
    return server


def _write_coordinator_config(workspace: Path, fingerprint: str, gnupg_home: Path, server: TeamServer) -> Config:
    """The coordinator's config: the demo's identity and projects, the reports mailbox as an IMAP source and the
    team on the same server. The projects keep the single demo's `maintainers`: their mail replies in the reports
    join their cases; who is on the team (and maintains what there) is the roster's to say."""
    single = load_config(workspace / CONFIG_FILE)
    maintainers = {project.id: project.maintainers for project in single.projects.values()}
    account = [
        f"host = {toml_string(server.host)}",
        f"port = {server.port}",
        'security = "none"  # plain IMAP: the demo server listens on loopback only',
        f"username = {toml_string(COORDINATOR.imap_user)}",
        f"password_env = {toml_string(COORDINATOR.password_env)}",
    ]
    lines = [
        *config_head(COORDINATOR.person, fingerprint, gnupg_home, maintainers),
        "",
        f"[sources.{REPORTS_SOURCE}]",
        'kind = "imap"',
        *account,
        f"folders = [{toml_string(REPORTS_MAILBOX)}]",
        "",
        "[team]",
        f"coordinators = [{toml_string(fingerprint)}]",
        f"prefix = {toml_string(TEAM_PREFIX)}",
        "",
        "[team.server]",
        *account,
        "",
    ]
    return write_config(workspace / CONFIG_FILE, "\n".join(lines))


@contextlib.contextmanager
def _passwords(server: TeamServer) -> Iterator[None]:
    """Each member's password in the variable their config names, for the syncs of this process only."""
    saved = {member.password_env: os.environ.get(member.password_env) for member in MEMBERS}
    try:
        for member in MEMBERS:
            os.environ[member.password_env] = server.password_of(member.imap_user)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _onboard_and_sync(
    home: Path,
    config: Config,
    member_keys: Mapping[str, tuple[Path, str]],
    say: Say,
    sync: SyncWorkstation,
) -> dict[str, tuple[str, ...]]:
    """`team init`, an invitation per maintainer (its rights set on the server by the coordinator), the coordinator's
    sync (the reports in, the roster out), each join, the links and the sync that shares them, then each maintainer's
    sync."""
    from triage_tui.replies.compose_reply import open_gpg
    from triage_tui.services.author import author_name
    from triage_tui.services.store_key import unlock_store
    from triage_tui.team.roster_writes import init_roster
    from triage_tui.team.sharing import sharer_for

    coordinator_db = home / COORDINATOR.folder / "triage.db"
    unlock_store(coordinator_db, config.identity.fingerprint, config.gnupg_home())
    gpg = open_gpg(str(config.gnupg_home()))
    invitations = home / INVITATIONS_FOLDER
    invitations.mkdir(mode=0o700)
    with Store(coordinator_db) as store:
        say("team init: the coordinator starts the signed roster")
        init_roster(store, config, gpg)
        sealed = {
            member.folder: _invite(store, config, gpg, member, member_keys[member.folder][1], invitations, say)
            for member in MAINTAINERS
        }
        # As `team invite` says: the roster's changes wait to be sent; the sync sends them (and takes in the reports).
        say("the coordinator takes in the reports and sends the roster…")
        sync(store, config, COORDINATOR.folder)
    for member in MAINTAINERS:
        _join(home / member.folder, sealed[member.folder], member, member_keys[member.folder][0], say)
    with Store(coordinator_db) as store:
        plan = plan_links(store)
        written = link_cases(store, author_name(config), sharer_for(config), plan)
        say(f"the coordinator links {len(plan)} cases to pip and uv ({written} cells)")
        say("the coordinator shares the linked cases…")
        sync(store, config, COORDINATOR.folder)
    for member in MAINTAINERS:
        member_config = load_config(home / member.folder / CONFIG_FILE)
        with Store(home / member.folder / "triage.db") as store:
            say(f"{member.folder}'s maintainer syncs…")
            sync(store, member_config, member.folder)
    return {case_id: tuple(p for p in TEAM_PROJECTS if p in cells) for case_id, cells in plan.items()}


def _invite(
    store: Store,
    config: Config,
    gpg: gnupg.GPG,
    member: DemoMember,
    armored: str,
    invitations: Path,
    say: Say,
) -> bytes:
    """`team invite` for one maintainer: the roster event, the invitation file, and the roster's rights set on the
    server over IMAP (the coordinator's account holds the admin right there)."""
    from triage_tui.sources.imap import ImapSource
    from triage_tui.team.acl_apply import apply_acl
    from triage_tui.team.onboarding import invite
    from triage_tui.team.transport import team_server

    say(f"team invite: {member.person.name} <{member.person.email}>, maintainer of {', '.join(member.projects)}")
    result = invite(
        store, config, gpg,
        key_armored=armored, email=member.person.email, name=member.person.name,
        role=member.role, projects=member.projects, imap_user=member.imap_user,
    )  # fmt: skip
    path = invitations / f"invitation-{member.imap_user}.asc"
    path.write_bytes(result.sealed)
    source = ImapSource(team_server(config))
    with source.session("team invite") as client:
        outcome = apply_acl(client, result.plan, create=True)
    if outcome.problems:
        raise TeamDemoError("the roster's rights were not all set on the demo server: " + "; ".join(outcome.problems))
    say(f"  {path.name} written; rights set by SETACL on {len(outcome.applied)} folders")
    return result.sealed


def _join(workspace: Path, sealed: bytes, member: DemoMember, gnupg_home: Path, say: Say) -> None:
    """`team join --yes` in the maintainer's workspace: no config of theirs is written by hand."""
    from triage_tui.team.onboarding import join

    say(f"team join: {member.person.name} opens the invitation in {workspace}")
    shown = io.StringIO()
    result = join(
        workspace, sealed, yes=True, stdin=io.StringIO(), stdout=shown,
        password_env=member.password_env, gnupg_home=gnupg_home,
    )  # fmt: skip
    if not result.joined or result.member is None:
        raise TeamDemoError(f"{member.folder}: the join did not make them a member: {'; '.join(result.problems)}")
    if result.sync is not None and result.sync.error:
        raise TeamDemoError(f"{member.folder}: the first team sync failed: {result.sync.error}")


def stop_team_demo(home: Path, *, remove_keys: bool = False) -> bool:
    """Stop the team demo's server in `home` and its workstations' gpg-agents (with `remove_keys`, also delete the
    GnuPG homes the demo had to put under /tmp); whether a server was running."""
    directory = home / SERVER_FOLDER
    running = False
    if (directory / "server.json").is_file():
        server = TeamServer(directory)
        running = server.running
        server.stop()
    for member in MEMBERS:
        for gnupg_home in _gnupg_homes(home / member.folder):
            outside = not gnupg_home.is_relative_to(home)
            # Only a home the demo made under /tmp (keys.short_home) is deleted; any other is merely stopped.
            if remove_keys and outside and gnupg_home.name.startswith("ttg"):
                keys.remove_home(gnupg_home)
            else:
                keys.kill_agent(gnupg_home)
    return running


def _gnupg_homes(workspace: Path) -> list[Path]:
    from triage_tui.config import ConfigError

    homes = [workspace / "gnupg"]
    try:
        configured = load_config(workspace / CONFIG_FILE).identity.gnupg_home
    except (ConfigError, OSError):
        configured = None
    if configured is not None and configured != homes[0]:
        homes.append(configured)
    return [home for home in homes if home.is_dir()]
