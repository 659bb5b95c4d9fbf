"""Provides `triage-tui init`: a real workspace set up from nothing (identity, key, encrypted store, commented config);
an existing workspace is never touched."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from triage_tui.cli.output import EXIT_OK, CliError
from triage_tui.config import parse_config
from triage_tui.config.starter import starter_config
from triage_tui.config.tables import normal_fingerprint
from triage_tui.untrusted import neutralise_line
from triage_tui.workspace import Workspace

HomeOption = Callable[[argparse.ArgumentParser], None]


def add_init_command(commands: argparse._SubParsersAction[argparse.ArgumentParser], home_option: HomeOption) -> None:
    """`init [--name N] [--email E] [--key FPR] [--gnupg-home DIR] [--no-passphrase]`."""
    init = commands.add_parser("init", help="set up a new workspace: your identity and key, the store, a config")
    home_option(init)
    init.add_argument("--name", metavar="NAME", help="your name, as your decisions and key show it")
    init.add_argument("--email", metavar="ADDR", help="your mail address")
    init.add_argument("--key", metavar="FPR", help="use this existing key (its secret key is in GnuPG) instead")
    init.add_argument("--gnupg-home", metavar="DIR", type=Path, help="GnuPG's home (default: $GNUPGHOME or ~/.gnupg)")
    init.add_argument(
        "--no-passphrase", action="store_true", help="a new key without passphrase (only for a disposable machine)"
    )


def _existing(workspace: Workspace) -> Path | None:
    """The first file of a workspace already at `workspace`, if any."""
    from triage_tui.services.store_key import key_file_of

    for path in (workspace.config_path, workspace.database_path, key_file_of(workspace.database_path)):
        if path.exists():
            return path
    return None


def _folder_problem(path: Path, what: str) -> str | None:
    """Why `path` cannot be (or become) a folder init writes in, or None: it is a file, or what would hold it is a
    file or cannot be written."""
    shown = neutralise_line(str(path))
    if path.exists():
        if not path.is_dir():
            return f"{what} {shown} is a file, not a folder; choose another --home"
        writable = path
    else:
        writable = path.parent
        while not writable.exists() and writable != writable.parent:
            writable = writable.parent
        if not writable.is_dir():
            return f"{what} {shown} cannot be made: {neutralise_line(str(writable))} is a file; choose another --home"
    if not os.access(writable, os.W_OK | os.X_OK):
        return f"{what} {shown} cannot be written here ({neutralise_line(str(writable))}); choose another --home"
    return None


def _check_folders(workspace: Workspace, gnupg_home: Path | None) -> None:
    """Refuse (CliError), before any key is made, a workspace that cannot be written or a GnuPG home that is not
    there: gpg would otherwise make a new, empty home, and the key made in it would be left behind."""
    for path, what in ((workspace.root, "the workspace folder"), (workspace.data_dir, "the data folder")):
        problem = _folder_problem(path, what)
        if problem is not None:
            raise CliError(problem)
    if gnupg_home is not None and not gnupg_home.is_dir():
        raise CliError(
            f"there is no GnuPG home folder {neutralise_line(str(gnupg_home))}; give one that exists "
            "(gpg --homedir DIR made it), or leave out --gnupg-home for the default"
        )


def _ask(question: str, err: TextIO) -> str:
    err.write(question)
    err.flush()
    try:
        return input().strip()
    except EOFError:
        raise CliError("init was given no answer; nothing was written") from None


def _key_owner(fingerprint: str, gnupg_home: Path | None) -> tuple[str, str]:
    """The name and mail address of the key's first user id ("" when it has none)."""
    from email.utils import parseaddr

    import gnupg

    gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
    gpg.encoding = "utf-8"  # user ids are UTF-8 (python-gnupg reads latin-1 by default)
    found = gpg.list_keys(secret=True, keys=[fingerprint])
    uids = found[0]["uids"] if found else []
    name, address = parseaddr(str(uids[0])) if uids else ("", "")
    return name, address


def _passphrase(args: argparse.Namespace, interactive: bool, err: TextIO) -> str | None:
    """The new key's passphrase: asked twice in a terminal (empty: none, after a warning); refused without one."""
    if args.no_passphrase:
        return None
    if not interactive:
        raise CliError(
            "a new key needs a passphrase: run init in a terminal to type one, give --key FPR for a key you have, "
            "or --no-passphrase for an unprotected key on a disposable machine"
        )
    first = getpass.getpass("Passphrase for your new key: ", stream=err)
    if not first:
        print("triage-tui: no passphrase: anyone who copies your GnuPG home can use the key", file=err)
        return None
    if getpass.getpass("The same passphrase again: ", stream=err) != first:
        raise CliError("the two passphrases differ; nothing was written")
    return first


def run_init(
    workspace: Workspace, args: argparse.Namespace, out: TextIO, err: TextIO, *, interactive: bool | None = None
) -> int:
    """Set up a workspace at `workspace`: identity (flags, else prompts in a terminal), key, config and store."""
    from triage_tui.cli.opening import unlock
    from triage_tui.services.identity_key import KeyGenerationError, generate_identity_key, identity_problem
    from triage_tui.services.store_key import check_store_recipient
    from triage_tui.store.store import Store

    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    found = _existing(workspace)
    if found is not None:
        raise CliError(
            f"{neutralise_line(str(found))} already exists: init never overwrites a workspace; choose another --home, "
            "or edit that config"
        )
    gnupg_home: Path | None = args.gnupg_home.expanduser().resolve() if args.gnupg_home else None
    _check_folders(workspace, gnupg_home)
    key_home = gnupg_home or (Path(os.environ["GNUPGHOME"]) if os.environ.get("GNUPGHOME") else None)
    name, email = args.name or "", args.email or ""
    fingerprint = normal_fingerprint(args.key) if args.key else ""
    if not fingerprint and interactive:
        fingerprint = normal_fingerprint(_ask("Fingerprint of your existing key (empty: make a new one): ", err))
    if fingerprint:
        if len(fingerprint) != 40 or any(c not in "0123456789ABCDEF" for c in fingerprint):
            raise CliError(f"{neutralise_line(fingerprint[:60])!r} is not a 40-hex-digit key fingerprint")
        check_store_recipient(fingerprint, key_home)  # the store is encrypted to it: its secret key must be here
        owner_name, owner_email = _key_owner(fingerprint, key_home)
        name, email = name or owner_name, email or owner_email
    if not name and interactive:
        name = _ask("Your name: ", err)
    if not email and interactive:
        email = _ask("Your mail address: ", err)
    if not name or not email:
        raise CliError("init needs your name and mail address: give --name and --email (or run it in a terminal)")
    problem = identity_problem(name, email)
    if problem is not None:
        raise CliError(problem)
    if not fingerprint:
        passphrase = _passphrase(args, interactive, err)
        print(neutralise_line(f"triage-tui: generating your key ({name} <{email}>)…"), file=err, flush=True)
        try:
            fingerprint = generate_identity_key(key_home, name, email, passphrase)
        except KeyGenerationError as error:
            raise CliError(str(error)) from None
    text = starter_config(name, email, fingerprint, gnupg_home)
    config = parse_config(workspace.config_path, text)  # our own text, read back as the app will read it
    workspace.config_path.parent.mkdir(parents=True, exist_ok=True)
    workspace.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with workspace.config_path.open("x", encoding="utf-8") as file:  # "x": never over a file made meanwhile
            file.write(text)
    except FileExistsError:
        raise CliError(f"{workspace.config_path} appeared meanwhile; init never overwrites a workspace") from None
    unlock(workspace, config, err)
    Store(workspace.database_path).close()
    _report(workspace, fingerprint, bool(getattr(args, "home", None)), out)
    return EXIT_OK


def _report(workspace: Workspace, fingerprint: str, home_given: bool, out: TextIO) -> None:
    """What init made, each path neutralised, and the next command quoted so that it can be pasted as it is."""
    import shlex

    print(neutralise_line(f"workspace: {workspace.root}"), file=out)
    config = f"config: {workspace.config_path} (add your sources and projects: each table is explained in it)"
    print(neutralise_line(config), file=out)
    print(neutralise_line(f"store: {workspace.database_path}, encrypted to your key"), file=out)
    print(f"key: {fingerprint}", file=out)
    home = f" --home {shlex.quote(str(workspace.root))}" if home_given else ""
    print(neutralise_line(f"next: triage-tui{home} sync, then triage-tui{home} to open it"), file=out)
