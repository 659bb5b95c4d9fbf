"""Builds `triage-tui demo --team`: a coordinator's workspace with the demo's reports delivered to the team's private
Dovecot, every project's maintainers (the people whose signed replies are in the reports' threads) on the roster, and
pip's and uv's first maintainers invited and joined on workstations of their own exactly as real members are, then
everyone synced."""

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
from triage_tui.demo.build import MaintainerKey, build_demo
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

    from triage_tui.team.acl import AclPlan
    from triage_tui.team.onboarding import InviteResult

REPORTS_SOURCE = "reports"


@dataclass(frozen=True)
class DemoMember:
    """One workstation of the team demo: its folder under the demo's home and its server account (a maintainer's is
    the first maintainer of their project in the demo's cast)."""

    folder: str
    role: str
    projects: tuple[str, ...]
    imap_user: str

    @property
    def password_env(self) -> str:
        """The environment variable this workstation's config reads its IMAP password from."""
        return f"TRIAGE_DEMO_{self.folder.upper()}_PASSWORD"


def maintainer_account(project: str, index: int) -> str:
    """The team server account of the project's `index`-th maintainer: `pip-maintainer`, then `pip-maintainer-2`…"""
    return f"{project}-maintainer" + (f"-{index + 1}" if index else "")


TEAM = Person(TEAM_NAME, TEAM_EMAIL)
COORDINATOR = DemoMember("coordinator", "coordinator", (), "coordinator")
MAINTAINERS = tuple(DemoMember(p, "maintainer", (p,), maintainer_account(p, 0)) for p in TEAM_PROJECTS)
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
    # pip's and uv's first maintainers keep their own secret keys, each in their workstation's own GnuPG home.
    homes = {member.projects[0]: _gnupg_home(home / member.folder) for member in MAINTAINERS}
    built = build_demo(coordinator_home, cases, progress=say, maintainer_homes=homes)
    say("writing the team's Dovecot: one account per member, the Team/ folders and the reports mailbox…")
    server = _create_server(home / SERVER_FOLDER, built.maildir, built.maintainers)
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
            links = _onboard_and_sync(home, config, built.maintainers, say, sync)
    except BaseException:
        server.stop()
        raise
    workspaces = {member.folder: home / member.folder for member in MEMBERS}
    return TeamDemo(home, server, workspaces, built.messages, links)


def _gnupg_home(workspace: Path) -> Path:
    """The workstation's own GnuPG home, empty for now (under /tmp when the workspace's path is too long)."""
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    return keys.short_home(workspace / "gnupg")


def _create_server(directory: Path, maildir: Path, maintainers: Mapping[str, tuple[MaintainerKey, ...]]) -> TeamServer:
    """The server with an account for every member, the coordinators' rights on each folder (the rest come from the
    roster's plan, set by the coordinator once the maintainers are on it), and the reports in the reports mailbox."""
    from triage_tui.demo.people import PROJECTS

    coordinator = AclMember(TEAM.name, "coordinator", (), COORDINATOR.imap_user)
    server = TeamServer.create(directory, [coordinator], [project.id for project in PROJECTS])
    for project, group in maintainers.items():
        for index, key in enumerate(group):
            account = maintainer_account(project, index)
            server.add_member(AclMember(key.person.name, "maintainer", (project,), account), grant=False)
    reports = sorted((maildir / "new").iterdir())
    server.deliver(REPORTS_MAILBOX, ((path.read_bytes(), path.stat().st_mtime) for path in reports))
    return server


def _write_coordinator_config(workspace: Path, fingerprint: str, gnupg_home: Path, server: TeamServer) -> Config:
    """The coordinator's config: the demo's identity and projects, the reports mailbox as an IMAP source and the
    team on the same server. The projects name no `maintainers`: who is on the team (and whose signed replies join
    the reports' threads) is the roster's to say."""
    account = [
        f"host = {toml_string(server.host)}",
        f"port = {server.port}",
        'security = "none"  # plain IMAP: the demo server listens on loopback only',
        f"username = {toml_string(COORDINATOR.imap_user)}",
        f"password_env = {toml_string(COORDINATOR.password_env)}",
    ]
    lines = [
        *config_head(TEAM, fingerprint, gnupg_home, {}),
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
    maintainers: Mapping[str, tuple[MaintainerKey, ...]],
    say: Say,
    sync: SyncWorkstation,
) -> dict[str, tuple[str, ...]]:
    """`team init`; every project's maintainers added to the roster with their public keys, pip's and uv's first by
    invitation; the roster's rights set on the server by the coordinator; the coordinator's sync (the reports in, the
    roster out), each join, the links and the sync that shares them, then each maintainer's sync."""
    from triage_tui.replies.compose_reply import open_gpg
    from triage_tui.services.author import author_name
    from triage_tui.services.store_key import unlock_store
    from triage_tui.team.roster_writes import add_member, init_roster
    from triage_tui.team.sharing import sharer_for

    coordinator_db = home / COORDINATOR.folder / "triage.db"
    unlock_store(coordinator_db, config.identity.fingerprint, config.gnupg_home())
    gpg = open_gpg(str(config.gnupg_home()))
    invitations = home / INVITATIONS_FOLDER
    invitations.mkdir(mode=0o700)
    joiners = {member.folder: maintainers[member.projects[0]][0] for member in MAINTAINERS}
    with Store(coordinator_db) as store:
        say("team init: the coordinator starts the signed roster")
        init_roster(store, config, gpg)
        others = [
            (p, i, key) for p, group in maintainers.items() for i, key in enumerate(group) if key.gnupg_home is None
        ]
        say(f"the coordinator adds {len(others)} more maintainers of the projects (no workstation in the demo)…")
        for project, index, key in others:
            add_member(
                store, config, gpg, armored=key.armored, name=key.person.name, email=key.person.email,
                role="maintainer", projects=(project,), imap_user=maintainer_account(project, index),
            )  # fmt: skip
        results = [
            _invite(store, config, gpg, member, joiners[member.folder], invitations, say) for member in MAINTAINERS
        ]
        _set_rights(config, results[-1].plan, say)  # the last invitation's plan covers the whole roster
        # As `team invite` says: the roster's changes wait to be sent; the sync sends them (and takes in the reports).
        say("the coordinator takes in the reports and sends the roster…")
        sync(store, config, COORDINATOR.folder)
    for member, result in zip(MAINTAINERS, results, strict=True):
        _join(home / member.folder, result.sealed, member, joiners[member.folder], say)
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
    key: MaintainerKey,
    invitations: Path,
    say: Say,
) -> InviteResult:
    """`team invite` for one maintainer: the roster event and the invitation file."""
    from triage_tui.team.onboarding import invite

    person = key.person
    say(f"team invite: {person.name} <{person.email}>, maintainer of {', '.join(member.projects)}")
    result = invite(
        store, config, gpg,
        key_armored=key.armored, email=person.email, name=person.name,
        role=member.role, projects=member.projects, imap_user=member.imap_user,
    )  # fmt: skip
    path = invitations / f"invitation-{member.imap_user}.asc"
    path.write_bytes(result.sealed)
    say(f"  {path.name} written")
    return result


def _set_rights(config: Config, plan: AclPlan, say: Say) -> None:
    """The roster's rights set on the server over IMAP, as `team invite` does (the coordinator's account holds the
    admin right there)."""
    from triage_tui.sources.imap import ImapSource
    from triage_tui.team.acl_apply import apply_acl
    from triage_tui.team.transport import team_server

    if plan.refused:
        raise TeamDemoError("the roster's plan leaves members without server access: " + "; ".join(
            f"{refusal.who}: {refusal.reason}" for refusal in plan.refused
        ))  # fmt: skip
    with ImapSource(team_server(config)).session("team invite") as client:
        outcome = apply_acl(client, plan, create=True)
    if outcome.problems:
        raise TeamDemoError("the roster's rights were not all set on the demo server: " + "; ".join(outcome.problems))
    say(f"the roster's rights set by SETACL on {len(outcome.applied)} folders")


def _join(workspace: Path, sealed: bytes, member: DemoMember, key: MaintainerKey, say: Say) -> None:
    """`team join --yes` in the maintainer's workspace, with their own GnuPG home: no config of theirs is written by
    hand."""
    from triage_tui.team.onboarding import join

    say(f"team join: {key.person.name} opens the invitation in {workspace}")
    shown = io.StringIO()
    result = join(
        workspace, sealed, yes=True, stdin=io.StringIO(), stdout=shown,
        password_env=member.password_env, gnupg_home=key.gnupg_home,
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
