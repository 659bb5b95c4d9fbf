"""Provides the sub-commands that carry advisories out of and into the store: `export` and `import`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from triage_tui.cli.output import EXIT_EMBARGOED, EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from triage_tui.config import Config
from triage_tui.store.store import Store

if TYPE_CHECKING:
    from triage_tui.advisories.formats import Compiled
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft


def export_advisory(store: Store, config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`triage-tui export CASE_ID --format F [--record ID]`: the case's draft (or one of its kept records) compiled
    and validated, printed or written."""
    from triage_tui.services.advisory_drafts import (
        AdvisoryDrafts,
        DraftError,
        EmbargoError,
        InvalidDraftError,
    )
    from triage_tui.untrusted import neutralise_line

    drafts = AdvisoryDrafts(store, config.identity.email, config)
    try:
        record = getattr(args, "record", None)
        draft = drafts.load(args.case_id) if record is None else drafts.load_record(args.case_id, record)
        if args.format == "all":
            if args.output is None:
                raise CliError("--format all writes every format to a folder: give --output FOLDER")
            return _export_all(drafts, draft, args, err)
        (compiled,) = drafts.checked_outputs(draft, [args.format], force=args.force)
        _say_warnings(drafts, draft, compiled, err)
        if args.output is None:
            out.write(compiled.text)
            drafts.record_export(args.case_id, [args.format], "standard output")
            return EXIT_OK
        from triage_tui.services.safe_write import WriteError, write_new_file

        try:
            path = write_new_file(args.output, compiled.text.encode("utf-8"), overwrite=args.overwrite)
        except WriteError as error:
            hint = " (--overwrite replaces it)" if "already exists" in str(error) else ""
            raise CliError(f"{error}{hint}") from None
        drafts.record_export(args.case_id, [args.format], str(path))
        print(f"wrote {path}", file=err)
        return EXIT_OK
    except EmbargoError as error:
        print(f"triage-tui: {error}; pass --force to export it anyway", file=err)
        return EXIT_EMBARGOED
    except InvalidDraftError as error:
        print(f"triage-tui: {error} (edit it with A in the case view):", file=err)
        for problem in error.problems:
            print(f"  {problem.field}: {neutralise_line(problem.message)}", file=err)
        return EXIT_FAILED
    except DraftError as error:
        raise CliError(neutralise_line(str(error))) from None


def _export_all(drafts: AdvisoryDrafts, draft: Draft, args: argparse.Namespace, err: TextIO) -> int:
    """`--format all`: every format that passes is written (a record lacking what one format requires still gets
    the others); each refused one is named with why, and the exit status says some were refused."""
    from triage_tui.services.advisory_drafts import exportable_formats
    from triage_tui.services.kept_records import record_file_stem
    from triage_tui.untrusted import neutralise_line

    passed, refused = drafts.judged_outputs(draft, exportable_formats(draft.advisory), force=args.force)
    for compiled in passed:
        _say_warnings(drafts, draft, compiled, err, named=True)
    for fmt, problems in refused.items():
        print(f"triage-tui: {fmt} not written, the record does not validate for it:", file=err)
        for problem in problems:
            print(f"  {fmt}: {problem.field}: {neutralise_line(problem.message)}", file=err)
    if passed:
        # A kept record's files carry its id, so the records of one case do not overwrite each other.
        record = getattr(args, "record", None)
        stem = record_file_stem(args.case_id, record) if record is not None else None
        written = drafts.export_compiled(
            args.case_id, passed, args.output, overwrite=args.overwrite, stem=stem, create=True
        )
        for path in written:
            print(f"wrote {neutralise_line(str(path))}", file=err)
    return EXIT_REFUSED if refused else EXIT_OK


EXIT_REFUSED = EXIT_USAGE
"""Some format was refused (as `case` refuses a decision: exit 2), the others written."""


def _say_warnings(
    drafts: AdvisoryDrafts, draft: Draft, compiled: Compiled, err: TextIO, *, named: bool = False
) -> None:
    """On stderr: what the export drops (`not carried by cve: related, upstream`), then its warnings (each
    `warning: FIELD: MESSAGE`, with the format first when several are written)."""
    from triage_tui.advisories.formats import LEFT_OUT, gate
    from triage_tui.untrusted import neutralise_line

    if compiled.left_out:
        print(f"not carried by {compiled.format}: {', '.join(compiled.left_out)}", file=err)
    projects = drafts.config.projects.keys()
    for problem in gate(draft.advisory, compiled, draft.matrix, projects):
        if problem.field != LEFT_OUT:
            where = f"{compiled.format}: " if named else ""
            print(f"warning: {where}{problem.field}: {neutralise_line(problem.message)}", file=err)


def import_advisories(store: Store, config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`triage-tui import PATH...`: each record seeds a case and its draft, or joins the case of its flaw; the new
    case ids on stdout."""
    from triage_tui.cli.import_command import run_import

    return run_import(store, config, args, out, err)
