"""Provides `triage-tui demo --team` (three workstations and the team's private Dovecot, built and synced) and
`triage-tui demo --team --stop` (the server stopped)."""

from __future__ import annotations

import argparse
import io
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_OK, CliError

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.demo.team_build import TeamDemo
    from triage_tui.store.store import Store

TEAM_DEMO_MARKER = ".triage-tui-team-demo"


def run_team_demo(home: Path, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build the team demo in `home` (replacing an earlier one), or with `--stop` stop its server."""
    from triage_tui.demo.team_build import TeamDemoError, build_team_demo, stop_team_demo

    home = home.expanduser().resolve()
    if args.stop:
        if not (home / TEAM_DEMO_MARKER).is_file():
            raise CliError(f"{home} holds no team demo (`triage-tui demo --team --home DIR` builds one)")
        running = stop_team_demo(home)
        print(f"team demo server in {home / 'server'}: {'stopped' if running else 'was not running'}", file=out)
        return EXIT_OK
    if args.cases < 1:
        raise CliError("--cases must be at least 1")
    _clear_previous_team_demo(home)
    home.mkdir(parents=True, exist_ok=True)
    _let_the_server_in(home)
    (home / TEAM_DEMO_MARKER).write_text("built by `triage-tui demo --team`; the next run may delete this folder\n")

    def sync(store: Store, config: Config, folder: str) -> None:
        """One whole sync of a workstation, as `triage-tui sync` runs it, its reports printed; a failure stops the
        demo."""
        from triage_tui.cli.sync_command import print_report
        from triage_tui.sync.run import sync_all

        reports = sync_all(store, config)
        lines = io.StringIO()
        for report in reports:
            print_report(report, lines)
        for line in lines.getvalue().splitlines():
            print(f"  {folder}: {line}", file=err, flush=True)
        failed = [f"{report.source}: {report.error}" for report in reports if not report.ok]
        if failed:
            raise TeamDemoError(f"{folder}: the sync failed: " + "; ".join(failed))

    try:
        demo = build_team_demo(home, args.cases, say=lambda line: print(line, file=err, flush=True), sync=sync)
    except TeamDemoError as error:
        raise CliError(f"{error} (the demo in {home} is incomplete; run the command again to rebuild it)") from None
    _print_how_to_open(demo, out)
    return EXIT_OK


def _clear_previous_team_demo(home: Path) -> None:
    """Remove an earlier team demo in `home` (its server stopped first); refuse a folder the team demo did not build."""
    from triage_tui.demo.team_build import stop_team_demo

    if not home.exists() or not any(home.iterdir()):
        return
    if not (home / TEAM_DEMO_MARKER).is_file():
        raise CliError(f"{home} is not empty and was not built by `triage-tui demo --team`; choose another --home")
    stop_team_demo(home, remove_keys=True)
    shutil.rmtree(home)


def _let_the_server_in(home: Path) -> None:
    """As root, Dovecot serves mail as `nobody`, who must be able to walk into the demo's folder to reach its server."""
    from triage_tui.demo.dovecot_run import run_as

    if run_as() is not None:
        home.chmod(0o755)


def _print_how_to_open(demo: TeamDemo, out: TextIO) -> None:
    from triage_tui.demo.team_build import MEMBERS

    server = demo.server
    shared = sum(1 for projects in demo.links.values() if len(projects) > 1)
    print(f"team demo in {demo.home}: {demo.reports} reports delivered to {server.reports_mailbox}, "
          f"{len(demo.links)} cases linked to pip and uv ({shared} to both)", file=out)  # fmt: skip
    print(f"team server: Dovecot on {server.host}:{server.port} (plain IMAP, loopback only), running in the "
          f"background; passwords in {server.directory / 'passwords'}", file=out)  # fmt: skip
    print("open a workstation (its config reads the IMAP password from the variable set first):", file=out)
    for member in MEMBERS:
        password = shlex.quote(str(server.password_path(member.imap_user)))
        workspace = shlex.quote(str(demo.workspaces[member.folder]))
        print(f"  {member.folder:<11} {member.password_env}=\"$(cat {password})\" triage-tui --home {workspace}",
              file=out)  # fmt: skip
    print(f"stop the server: triage-tui demo --team --stop --home {shlex.quote(str(demo.home))}", file=out)
