"""Provides the sub-commands that only read the store: `cases`, `show` and `matrix`."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_OK, CliError, print_json
from triage_tui.store.store import Store

WARNING_WORDS = {"key-changed": "key-changed", "signer-not-from": "signer≠From"}
"""`cases`' words for a good signature with a trust problem: the inbox's list's."""

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.store.team_runner import EitherConnection as ReadConnection


def list_cases(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """`triage-tui cases`: one line (or one JSON object) per case the filters let through."""
    from triage_tui.services.case_json import case_summary_json
    from triage_tui.store.queries import CaseFilter, list_cases, sources_for, with_trust_flags
    from triage_tui.untrusted import terminal_document

    case_filter = CaseFilter(state=args.state, project=args.project, search=args.search)
    check_filter(store, args)
    with store.read() as connection:
        summaries = with_trust_flags(connection, list_cases(connection, case_filter, limit=None))
        sources = sources_for(connection, [s.id for s in summaries]) if args.json else {}
    documents = [case_summary_json(s, sources.get(s.id, ())) for s in summaries]
    if args.json:
        print_json(documents, out)
        return EXIT_OK
    if not documents and err is not None:  # on stderr: a script reading stdout still sees no line, as before
        filtered = args.state or args.project or args.search
        said = (
            "no case matches these filters" if filtered else "there is no case yet (`triage-tui sync` fetches reports)"
        )
        print(f"triage-tui: {said}", file=err)
    for case in terminal_document(documents):
        projects = ",".join(p["project"] for p in case["projects"]) or "-"
        signature = WARNING_WORDS.get(case["signature_warning"], case["signature"])  # the words the app's list shows
        out.write(
            f"{case['id']}  {case['received_at'][:10]}  {case['state']:<9} {signature:<12} {projects:<18} "
            f"{case['reporter'][:24]:<24}  {case['title']}\n"
        )
    return EXIT_OK


def check_filter(store: Store, args: argparse.Namespace) -> None:
    """Refuse (CliError, exit 2) a `--state` that is no state or a `--project` the store does not know: either would
    list nothing and look like "no such cases"."""
    from triage_tui.domain import CaseState
    from triage_tui.store.duplicate_reads import project_ids
    from triage_tui.untrusted import neutralise_line

    states = [state.value for state in CaseState]
    if args.state is not None and args.state not in states:
        raise CliError(neutralise_line(f"{args.state} is not a state; the states are: {', '.join(states)}"))
    if args.project is not None:
        with store.read() as connection:
            projects = project_ids(connection)
        if args.project not in projects:
            known = ", ".join(projects) or "none (the config lists no projects)"
            said = f"{args.project} is not a project this workspace knows; the projects are: {known}"
            raise CliError(neutralise_line(said))


def print_matrix(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """`triage-tui matrix`: the impact matrix of the cases the filters let through (spam and cases closed as invalid
    only with --all; how many were left out is said on stderr, so stdout stays the document)."""
    from triage_tui.services.matrix_export import export_matrix
    from triage_tui.services.matrix_scope import exported, left_out_text
    from triage_tui.store.matrix_reads import read_matrix
    from triage_tui.store.queries import CaseFilter, list_cases

    case_filter = CaseFilter(state=args.state, project=args.project, search=args.search)
    check_filter(store, args)
    with store.read() as connection:
        matrix, left_out = exported(
            read_matrix(connection, list_cases(connection, case_filter, limit=None)),
            every_case=getattr(args, "all", False),
        )
    out.write(export_matrix(matrix.projects, matrix.rows, args.format, matrix.packages))
    if left_out and err is not None:
        err.write(f"{left_out_text(left_out)}; --all includes them.\n")
    return EXIT_OK


def show_case(store: Store, args: argparse.Namespace, out: TextIO, config: Config | None = None) -> int:
    """`triage-tui show CASE_ID`: the case with its whole thread; authors the roster knows by name."""
    from triage_tui.domain import NO_DATE
    from triage_tui.services.advisory_records import records_json
    from triage_tui.services.case_json import case_detail_json
    from triage_tui.store.advisory_records_store import kept_records_of
    from triage_tui.store.queries import get_case, with_trust_flags
    from triage_tui.untrusted import terminal_document

    with store.read() as connection:
        detail = get_case(connection, args.case_id)
        if detail is not None:
            detail = replace(detail, summary=with_trust_flags(connection, [detail.summary])[0])
        names = _member_names(connection, config)
        kept = kept_records_of(connection, args.case_id)
    if detail is None:
        raise CliError(f"no case {args.case_id!r} in {store.path}")
    if args.json:
        print_json({**case_detail_json(detail, names), "records": records_json(kept)}, out)
        return EXIT_OK
    # Text for the terminal: every field neutralised in one place, bodies keeping their lines.
    document = terminal_document(case_detail_json(detail, names), multiline={"body", "text"})
    out.write(f"{document['id']}  {document['title']}\n")
    address = f" <{document['reporter_email']}>" if document["reporter_email"] else ""  # a shared case has none
    out.write(f"state: {document['state']}  reporter: {document['reporter']}{address}\n")
    if len(kept) > 1:  # records of one flaw imported together (export --record ID exports one)
        listed = terminal_document(records_json(kept))
        held = [f"{r['id']} ({r['format']}: {', '.join(r['packages'])})" for r in listed]
        out.write(f"records: {', '.join(held)}\n")
    for message in document["messages"]:
        out.write(f"\n--- {message['date'] or NO_DATE}  {message['from']}\n")
        if message["shared_by"]:
            # Its text as a coordinator shared it: its decryption and signature were judged on their workstation.
            out.write(f"    shared by: {message['shared_by']} ({message['shared_by_fingerprint']}); the report's own "
                      "verdict was checked on the coordinator's workstation, not here\n")  # fmt: skip
        else:
            out.write(
                f"    decryption: {message['decryption']}  signature: {message['signature']}"
                f" ({message['signature_scope']})  signer: {message['signer'] or '-'}\n"
            )
        for warning in message["warnings"]:
            out.write(f"    warning: {warning}\n")
        if message["error"]:
            out.write(f"    error: {message['error']}\n")
        out.write(f"Subject: {message['subject']}\n\n{message['body']}\n")
        for attachment in message["attachments"]:
            out.write(
                f"    [attachment] {attachment['filename']} {attachment['content_type']} {attachment['size']} B\n"
            )
    notes = [event for event in document["events"] if event["kind"] == "note"]
    if notes:
        out.write("\nnotes:\n")
    for note in notes:
        out.write(f"--- {note['at']}  {note['author']}\n{note['payload'].get('text', '')}\n")
    return EXIT_OK


def _member_names(connection: ReadConnection, config: Config | None) -> dict[str, str]:
    """The roster's members by key fingerprint (none without a team)."""
    if config is None or config.team is None:
        return {}
    from triage_tui.team.member_names import member_names

    return member_names(connection, config.team.coordinators)


def list_rejected(store: Store, args: argparse.Namespace, out: TextIO, config: Config | None = None) -> int:
    """`triage-tui rejected`: the team events this workstation refused and the messages of the team folders that
    held none, newest first, with why (the `R` view); senders the roster knows by name, every field neutralised."""
    from triage_tui.team.log import rejected, rejected_item
    from triage_tui.untrusted import terminal_document

    with store.read() as connection:
        rows = rejected(connection)
        names = _member_names(connection, config)
    listed = [{**rejected_item(row, names)._asdict(), "signed": row[4] is not None} for row in rows]
    if args.json:
        print_json(listed, out)
        return EXIT_OK
    if not listed:
        out.write("no team event has been refused\n")
    for item in terminal_document(listed):
        if item["message"]:
            out.write(f"a message holding no team event\n    {item['reason']}\n")
            continue
        author = f"{item['author_name']} ({item['author']})" if item["author_name"] else item["author"]
        by = f"by {author}" if item["signed"] else f"unsigned, naming {author}"
        out.write(f"{item['case']}  {item['kind']}  {by}\n    {item['reason']}\n")
        if item["signer"] and item["signer"] != item["author"]:
            out.write(f"    signed by {item['signer']}\n")
    return EXIT_OK
