"""Provides `triage-tui outbox [--json]` (what waits to be sent, and what failed) and `triage-tui outbox retry|cancel
ID`, the same list and actions as the outbox screen."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_OK, CliError, print_json
from triage_tui.config import Config
from triage_tui.store.store import Store

if TYPE_CHECKING:
    from triage_tui.store.outbox_entries import OutboxEntry


def add_outbox_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    home_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    """`outbox [--json]`, `outbox retry ID`, `outbox cancel ID`."""
    outbox = commands.add_parser("outbox", help="what waits to be sent, and what failed; retry or cancel an item")
    home_option(outbox)
    outbox.add_argument("action", nargs="?", choices=("retry", "cancel"), help="try an item again, or cancel it")
    outbox.add_argument("item", nargs="?", metavar="ID", help="the item, as listed (reply-3, push-7)")
    outbox.add_argument("--json", action="store_true", help="print the list as JSON")


def entry_json(entry: OutboxEntry) -> dict[str, object]:
    """One item as `outbox --json` prints it."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "case": entry.case_id,
        "target": entry.target,
        "subject": entry.subject,
        "state": entry.state,
        "attempts": entry.attempts,
        "reason": entry.reason,
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
    }


def entry_line(entry: OutboxEntry) -> str:
    """One item as a terminal line (its text from outside neutralised)."""
    from triage_tui.untrusted import neutralise_line

    line = f"{entry.id}  {entry.kind}  {entry.case_id}  to {entry.target}  {entry.progress}"
    if entry.reason:
        line += f": {entry.reason}"
    return neutralise_line(line)


def run_outbox(store: Store, config: Config, args: argparse.Namespace, out: TextIO) -> int:
    """List the outbox, or retry or cancel one item of it."""
    # Imported here: the parser builds every sub-command, and `sync` must not pay for this one's store code.
    from triage_tui.store.outbox_entries import OutboxRefusal, cancel_entry, outbox_entries, retry_entry

    if args.action is None:
        with store.read() as connection:
            entries = outbox_entries(connection)
        if args.json:
            print_json([entry_json(entry) for entry in entries], out)
        elif not entries:
            print("The outbox is empty: nothing waits to be sent.", file=out)
        else:
            for entry in entries:
                print(entry_line(entry), file=out)
        return EXIT_OK
    if args.item is None:
        raise CliError(f"outbox {args.action} needs the item's id, as `triage-tui outbox` lists it (reply-3, push-7)")
    from triage_tui.untrusted import neutralise_line

    act = retry_entry if args.action == "retry" else cancel_entry
    try:
        act(store, args.item, config.identity.email, datetime.now(UTC))
    except OutboxRefusal as refusal:  # the typed id is in the reason: shown neutralised, on one line
        raise CliError(neutralise_line(str(refusal))) from None
    if args.action == "retry":
        print(neutralise_line(f"{args.item} is queued again; the next sync (triage-tui sync) sends it."), file=out)
    else:
        print(neutralise_line(f"{args.item} is cancelled; it will not be sent."), file=out)
    return EXIT_OK
