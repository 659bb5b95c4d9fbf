"""Reads the ids of the records a case keeps and exports one kept record as it was imported (the advisory
editor's view of a case's kept records; `triage-tui export --record` compiles the same record)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.advisories.format_names import FILE_SUFFIXES

if TYPE_CHECKING:
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft

UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")
"""What a record id (from an outside file) may not put in a file name: separators, dots leading nowhere, controls."""
MAX_NAME_ID = 80
"""How much of a record id names its exported file."""


def kept_record_ids(drafts: AdvisoryDrafts, case_id: str) -> list[str]:
    """The ids of the records the case keeps, in the order they were first imported."""
    from triage_tui.store.advisory_records_store import kept_records_of

    with drafts.store.read() as connection:
        return [record.id for record in kept_records_of(connection, case_id)]


def record_file_stem(case_id: str, record_id: str) -> str:
    """The name of a kept record's exported files, before the format's suffix: the case, then the record's id made
    safe for a file name (`PSC-2026-0001.PYSEC-2019-222`)."""
    safe = UNSAFE_IN_NAMES.sub("_", record_id).strip("._")[:MAX_NAME_ID] or "record"
    return f"{case_id}.{safe}"


def export_kept_record(
    drafts: AdvisoryDrafts, draft: Draft, record_id: str, formats: Sequence[str], folder: Path, *, force: bool
) -> list[Path]:
    """Write each format of a kept record (`draft` from `AdvisoryDrafts.load_record`) to `folder`, all or nothing,
    after the same embargo guard and validation as the draft's export; logged on the case."""
    from triage_tui.services.advisory_drafts import DraftError, exportable_formats
    from triage_tui.services.safe_write import WriteError, write_new_file

    case_id = draft.advisory.case_id
    chosen = tuple(formats) or exportable_formats(draft.advisory)
    compiled = drafts.checked_outputs(draft, chosen, force=force)
    stem = record_file_stem(case_id, record_id)
    destinations = [folder.expanduser() / f"{stem}{FILE_SUFFIXES[c.format]}" for c in compiled]
    existing = [str(path) for path in destinations if path.exists() or path.is_symlink()]
    if existing:
        raise DraftError(f"already exists: {', '.join(existing)}; choose another folder")
    written: list[Path] = []
    for output, destination in zip(compiled, destinations, strict=True):
        try:
            written.append(write_new_file(destination, output.text.encode("utf-8")))
        except WriteError as error:
            raise DraftError(str(error)) from None
    drafts.record_export(case_id, [c.format for c in compiled], f"{folder} (record {record_id})")
    return written
