"""Writes the config text of a team workstation in the tests: its identity (a real keyring), the team's coordinator,
the projects' maintainers and how it reaches the team's folders (a mailbox source, or its own account)."""

from __future__ import annotations

from pathlib import Path

from gpg_fixtures import Keyring
from triage_tui.config import Project
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store
from ui_fixtures import PROJECTS, seeded_store, small_inbox


def member_config(name: str, ring: Keyring, coordinator: str, team: str, *tables: str) -> str:
    """`name`'s config acting as `ring`'s key: `[team]` with the one `coordinator` and the lines `team` (its folders,
    its source), then the `tables`."""
    return f"""
[identity]
name = "{name}"
email = "{ring.email}"
fingerprint = "{ring.fingerprint}"
gnupg_home = "{ring.home}"

[team]
coordinators = ["{coordinator}"]
{team}
""" + "".join(tables)


def maintainers(pip: str, uv: str, *, named: bool = False) -> str:
    """`[projects.pip]` and `[projects.uv]` listing their maintainers (each the inside of a TOML list); `named`, with
    the projects' names and packages too."""
    text = ""
    for project, listed in (("pip", pip), ("uv", uv)):
        text += f"\n[projects.{project}]\n"
        if named:
            text += f'name = "{project}"\npackages = ["{project}"]\n'
        text += f"maintainers = [{listed}]\n"
    return text


def mailbox_source(host: str, port: int, user: str) -> str:
    """`[sources.mailbox]`: `user`'s INBOX on a plain IMAP server, the password in TT_TEAM_IMAP."""
    return f"""
[sources.mailbox]
kind = "imap"
host = "{host}"
port = {port}
security = "none"
username = "{user}"
password_env = "TT_TEAM_IMAP"
folders = ["INBOX"]
"""


def mailbox_member_config(name: str, ring: Keyring, coordinator: str, pip: str, uv: str, host: str, port: int,
                          user: str) -> str:  # fmt: skip
    """A workstation whose team events go through the one folder TeamEvents of the mailbox source: the pip and uv
    projects (named) with one maintainer each, fingerprints `pip` and `uv`."""
    return member_config(
        name, ring, coordinator, 'source = "mailbox"\nfolder = "TeamEvents"',
        maintainers(f'"{pip}"', f'"{uv}"', named=True), mailbox_source(host, port, user),
    )  # fmt: skip


def linked_store(path: Path, *links: tuple[str, str], more: tuple[str, ...] = ()) -> Path:
    """The small inbox's store at `path`, with the projects `more` (by id) besides the test projects, each (case,
    project) of `links` linked (investigating)."""
    seeded_store(path, small_inbox())
    setup = TriageService(Store(path), "setup")
    if more:
        setup.store.sync_projects((*PROJECTS, *(Project(id=project) for project in more)))
    for case, project in links:
        setup.set_impact(case, project, ImpactCell(ImpactStatus.INVESTIGATING))
    setup.store.close()
    return path
