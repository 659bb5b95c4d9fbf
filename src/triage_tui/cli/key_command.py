"""Provides `triage-tui key import`: a reporter's public key from a file, a case's attachment or the reporter's Web
Key Directory, shown (fingerprints, user ids) and imported into the workstation's keyring only once confirmed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from triage_tui.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from triage_tui.untrusted import neutralise, neutralise_line

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.store.store import Store


def add_key_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    home_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    """`key import FILE|-`, `key import --case CASE_ID`, `key import --wkd ADDR`, each with `--yes`."""
    key = commands.add_parser("key", help="reporters' keys in the workstation's keyring")
    home_option(key)
    actions = key.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    imports = actions.add_parser("import", help="import a reporter's public key (shown first, asked before import)")
    home_option(imports)
    source = imports.add_mutually_exclusive_group(required=True)
    source.add_argument("file", metavar="FILE", nargs="?", help="a key file, or - for standard input")
    source.add_argument("--case", metavar="CASE_ID", help="the key attached to the case, else its reporter's WKD key")
    source.add_argument("--wkd", metavar="ADDR", help="look the address's key up in its domain's Web Key Directory")
    imports.add_argument("--yes", action="store_true", help="import without asking (the keys are still printed)")


def _read_file(name: str, stdin: BinaryIO) -> bytes:
    from triage_tui.services.reporter_keys import MAX_KEY_MATERIAL

    try:
        if name == "-":
            return stdin.read(MAX_KEY_MATERIAL + 1)
        with Path(name).expanduser().open("rb") as file:
            return file.read(MAX_KEY_MATERIAL + 1)
    except OSError as error:
        raise CliError(neutralise_line(f"cannot read {name}: {error.strerror or error}")) from None


def _check_address(address: str) -> None:
    """Refuse (CliError: a usage error, exit 2) an --wkd that is no mail address, before anything is asked."""
    from triage_tui.sources.wkd import WkdError, split_address

    try:
        split_address(address)
    except WkdError:
        raise CliError(
            f"{neutralise_line(address[:80])!r} is not a mail address whose domain can be asked for its key "
            "(such as alex@example.org)"
        ) from None


def _confirmed(err: TextIO) -> bool:
    err.write("Import into your keyring? [y/N] ")
    err.flush()
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run_key(
    store: Store,
    config: Config,
    args: argparse.Namespace,
    stdin: BinaryIO,
    out: TextIO,
    err: TextIO,
    *,
    interactive: bool | None = None,
) -> int:
    """Find the key material, print what it holds, ask (or take --yes), import; 0 imported, 1 declined or none found,
    2 refused material or usage."""
    from triage_tui.services.reporter_keys import (
        KeyImportError,
        case_material,
        import_key_material,
        inspect_key_material,
        wkd_material,
    )
    from triage_tui.sources.wkd import WkdError
    from triage_tui.store.queries import get_case

    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    try:
        if args.case:
            with store.read() as connection:
                detail = get_case(connection, args.case)
            if detail is None:
                raise CliError(neutralise_line(f"no case {args.case}"))
            material = case_material(store, detail)
        elif args.wkd:
            _check_address(args.wkd)
            material = wkd_material(args.wkd)
        else:
            origin = "standard input" if args.file == "-" else f"the file {Path(args.file).name}"
            material = inspect_key_material(_read_file(args.file, stdin), origin)
    except WkdError as error:
        print(neutralise_line(f"triage-tui: {'offline: ' if error.offline else ''}{error}"), file=err)
        return EXIT_FAILED
    except KeyImportError as error:
        print(neutralise_line(f"triage-tui: not imported: {error}"), file=err)
        return EXIT_USAGE
    print(neutralise(material.describe()), file=out, flush=True)  # its origin holds the typed file name or address
    if not args.yes and not interactive:
        print("triage-tui: not imported: nothing can ask here; run it in a terminal, or pass --yes", file=err)
        return EXIT_USAGE
    if not args.yes and not _confirmed(err):
        print("triage-tui: not imported", file=err)
        return EXIT_FAILED
    try:
        taken = import_key_material(material, config.gnupg_home())
    except KeyImportError as error:
        print(neutralise_line(f"triage-tui: not imported: {error}"), file=err)
        return EXIT_FAILED
    home = config.gnupg_home() or "your default GnuPG home"
    print(neutralise_line(f"imported into {home}: {', '.join(taken)}"), file=out)
    for warning in material.warnings:  # imported as asked, but a reply still cannot be encrypted with it
        print(neutralise_line(f"triage-tui: warning: {warning}"), file=err)
    return EXIT_OK
