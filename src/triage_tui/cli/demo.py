"""Provides `triage-tui demo`: a workspace with its own keys and reports, built, synced and opened."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import TextIO

from triage_tui.cli.opening import open_app, unlock
from triage_tui.cli.output import EXIT_OK, CliError
from triage_tui.cli.sync_command import ProgressLine, report_sync
from triage_tui.config import ConfigError, load_config
from triage_tui.store.store import Store
from triage_tui.workspace import Workspace

DEMO_MARKER = ".triage-tui-demo"
# The marker says "building" until the demo is synced and filled: only a finished demo is reopened.
_BUILDING = "building: an interrupted build is rebuilt by the next `triage-tui demo`\n"
_READY = "built by `triage-tui demo`; the next demo run reopens it, `triage-tui demo --rebuild` deletes this folder\n"


def finished_demo(home: Path) -> bool:
    """Whether `home` holds a demo that was built to the end (its marker, config and store all there)."""
    marker = home / DEMO_MARKER
    if not marker.is_file() or not (home / "config.toml").is_file() or not (home / "triage.db").is_file():
        return False
    return not marker.read_text(encoding="utf-8", errors="replace").startswith("building")


def _clear_previous_demo(home: Path) -> None:
    """Remove an earlier demo in `home`; refuse to touch a workspace the demo did not build."""
    if not home.exists() or not any(home.iterdir()):
        return
    if not (home / DEMO_MARKER).is_file():
        raise CliError(f"{home} is not empty and was not built by `triage-tui demo`; choose another --home")
    try:
        old_gnupg = load_config(home / "config.toml").identity.gnupg_home
    except ConfigError:
        old_gnupg = None
    if old_gnupg is not None:
        # The demo's gpg-agent would otherwise outlive its deleted home.
        # Only the agent is stopped; a GnuPG home outside the demo folder is never deleted.
        subprocess.run(["gpgconf", "--homedir", str(old_gnupg), "--kill", "all"], check=False, capture_output=True)
    shutil.rmtree(home)


def _reopen_demo(workspace: Workspace, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Open the demo already built in the workspace's folder, with everything done in it kept."""
    print(
        f"triage-tui: reopening the demo in {workspace.root} with its work kept; "
        "`triage-tui demo --rebuild` (or `make demo REBUILD=1`) builds a new one",
        file=err,
    )
    config = load_config(workspace.config_path)
    unlock(workspace, config, err)
    if args.no_open:
        return EXIT_OK
    with Store(workspace.database_path) as store:
        return open_app(store, config)


def run_demo(workspace: Workspace, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Reopen the demo already in the workspace's folder, or (the first time, or with `--rebuild`) build it, sync
    it, fill it and open it; with `--team`, the team demo."""
    from triage_tui.demo.advisories import fill_demo_advisories
    from triage_tui.demo.build import build_demo
    from triage_tui.demo.matrix import fill_demo_matrix
    from triage_tui.sync.run import sync_all

    if args.team:
        from triage_tui.cli.demo_team import run_team_demo

        return run_team_demo(workspace.root, args, out, err)
    if args.rebuild and args.stop:
        raise CliError("--rebuild builds a demo and --stop stops a team demo's server: give one of them")
    if args.stop:
        raise CliError("--stop stops a team demo's server: triage-tui demo --team --stop --home DIR")
    if args.cases < 1:
        raise CliError("--cases must be at least 1")
    home = workspace.root
    if not args.rebuild and finished_demo(home):
        return _reopen_demo(workspace, args, out, err)
    if args.rebuild and finished_demo(home):
        print(f"triage-tui: rebuilding the demo in {home}; the work done in the old one is discarded", file=err)
    else:
        print(f"triage-tui: building a new demo in {home}; the next `triage-tui demo` reopens it", file=err)
    _clear_previous_demo(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MARKER).write_text(_BUILDING)
    demo = build_demo(home, args.cases, progress=lambda line: print(line, file=err))
    print(f"demo workspace: {demo.home} ({demo.messages} messages in {demo.maildir})", file=err)
    config = load_config(demo.config_path)
    unlock(workspace, config, err)
    with Store(workspace.database_path) as store:
        with ProgressLine(err, enabled=True) as progress:
            reports = sync_all(store, config, progress=progress)
        status = report_sync(reports, json_output=False, out=out, err=err)
        if status != EXIT_OK:
            return status
        cells = fill_demo_matrix(store, config.identity.email, list(config.projects))
        print(f"impact matrix: {cells} cells set across the projects", file=err)
        drafts = fill_demo_advisories(store, config)
        print(f"advisories: {drafts} drafts written (press A on a case)", file=err)
        (home / DEMO_MARKER).write_text(_READY)
        if args.no_open:
            return status
        return open_app(store, config)
