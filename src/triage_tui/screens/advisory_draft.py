"""Provides what the advisory editor keeps beside its form: the draft as opened, the outcome of a check and its
problems by field, the state and summary lines, the state of GitHub pushes, and the saver every save goes through."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual.content import Content

from triage_tui.advisories.format_names import FORMATS, TITLES
from triage_tui.widgets.advisory_form import FIELDS, field_texts

if TYPE_CHECKING:
    from triage_tui.advisories.formats import Compiled
    from triage_tui.advisories.record import Advisory
    from triage_tui.advisories.validation import Problem
    from triage_tui.screens.advisory_export_modal import AdvisoryExportRequest
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft, DraftError
    from triage_tui.store.store import Store


@dataclass(frozen=True)
class Checked:
    """The outcome of checking the typed draft: its problems, and the format being previewed compiled."""

    advisory: Advisory
    problems: tuple[Problem, ...]
    parse_problems: dict[str, tuple[str, ...]]
    compiled: Compiled
    preview: str
    """The compiled text made safe to show (the file keeps the exact text)."""


def pushes_line(store: Store, case_id: str) -> str:
    """The newest push to each of the case's GitHub advisories and how it went, for the state line."""
    from triage_tui.store.github_store import push_states

    with store.read() as connection:
        states = push_states(connection, case_id)
    newest: dict[str, str] = {}
    for repository, ghsa_id, state, error in states:
        newest.setdefault(ghsa_id, f"{repository} {state}" + (f" ({error})" if error and state != "sent" else ""))
    return "; ".join(newest.values())


@dataclass(frozen=True)
class OpenedDraft:
    """A case's draft as the editor opens it, read off the UI thread."""

    drafts: AdvisoryDrafts
    draft: Draft
    texts: dict[str, str]
    """Each field's text made safe to show."""
    pushes: str


def open_draft(drafts: AdvisoryDrafts, case_id: str) -> OpenedDraft:
    """Read the case's draft (from a worker thread: opening the store imports SQLAlchemy)."""
    draft = drafts.load(case_id)
    return OpenedDraft(drafts, draft, field_texts(draft.advisory), pushes_line(drafts.store, case_id))


class DraftSaver:
    """Saves a draft from worker threads one at a time, in the order asked, each against the record as last read or
    saved here: a change made elsewhere meanwhile is refused, never overwritten."""

    def __init__(self, drafts: AdvisoryDrafts, base: dict[str, Any] | None) -> None:
        self.drafts = drafts
        self.base = base
        """The record as stored (None: never saved); only a save holding the lock changes it."""
        self.record: Advisory | None = None
        """The record as the last save here stored it (a change carries its save time as `modified`)."""
        self._lock = threading.Lock()
        self._requests = 0

    def ticket(self) -> int:
        """Number a save asked for now (on the UI thread); a later ticket makes an earlier save pointless."""
        self._requests += 1
        return self._requests

    def differs(self, advisory: Advisory) -> bool:
        """Whether `advisory` is not what was last saved (or read) here."""
        return advisory.to_json() != self.base

    def save(self, advisory: Advisory, ticket: int | None = None) -> list[str] | None:
        """Save `advisory` (from a worker thread) and return the fields that changed; None when a newer save, asked
        for after `ticket`, will store newer text anyway."""
        with self._lock:
            if ticket is not None and ticket != self._requests:
                return None
            fields, self.record = self.drafts.save_record(advisory, base=self.base)
            self.base = self.record.to_json()
            return fields


def state_text(draft: Draft, saved: bool, changed: bool, pushes: str) -> str:
    """The state line: saved or not (and by whom), changed since, GitHub pushes, withdrawn."""
    if not saved:
        text = "not saved yet: filled from the case and its matrix (ctrl+s saves)"
    elif draft.updated_at is not None:
        text = f"saved {draft.updated_at:%Y-%m-%d %H:%M} UTC by {draft.updated_by}"
    else:
        text = "saved"
    if saved and changed:
        text += " · changed since"
    if pushes:
        text += f" · GitHub: {pushes}"
    if draft.advisory.withdrawn is not None:
        text += f" · WITHDRAWN {draft.advisory.withdrawn.at}: every format says so"
    return text


def format_tabs(current: str) -> Content:
    """The preview's format tabs, the current one reversed, and its title."""
    parts = []
    for fmt in FORMATS:
        title = f" {fmt} "
        parts.append(Content(title).stylize("reverse bold") if fmt == current else Content(title))
    parts.append(Content(f"  {TITLES[current]}").stylize("$text-muted"))
    return Content("").join(parts)


def problems_by_field(checked: Checked) -> tuple[dict[str, tuple[list[str], list[str]]], tuple[list[str], list[str]]]:
    """The checked draft's errors and warnings under each field, and those of the format as a whole."""
    from triage_tui.advisories.validation import Level

    by_field: dict[str, tuple[list[str], list[str]]] = {name: ([], []) for name in FIELDS}
    whole: tuple[list[str], list[str]] = ([], [])
    for problem in (*checked.problems, *checked.compiled.problems):
        errors, warnings = by_field.get(problem.field, whole)
        (errors if problem.level == Level.ERROR else warnings).append(problem.message)
    for name, lines in checked.parse_problems.items():
        by_field[name][0].extend(lines)
    return by_field, whole


def summary_line(checked: Checked, fmt: str) -> Content:
    """The line under the editor: whether the export is blocked (and by how many errors), and the warnings."""
    from triage_tui.advisories.validation import Level

    every = (*checked.problems, *checked.compiled.problems)
    errors = sum(p.level == Level.ERROR for p in every) + sum(map(len, checked.parse_problems.values()))
    warnings = sum(p.level != Level.ERROR for p in every)
    if errors:
        said = "1 error blocks" if errors == 1 else f"{errors} errors block"
        text = Content(f"✗ {said} the export").stylize("$error bold")
    else:
        text = Content(f"✓ {TITLES[fmt]} validates").stylize("$success bold")
    if warnings:
        text += Content(f" · ! {warnings} warning{'s' * (warnings != 1)}").stylize("$warning")
    return text


@dataclass(frozen=True)
class Refusal:
    """Why an export or a push was not done: `kind` says what the editor does next (ask to force an embargoed
    export, ask for another folder, or only say so)."""

    kind: Literal["embargo", "invalid", "folder", "other"]
    message: str


def export_files(
    saver: DraftSaver, draft: Draft, request: AdvisoryExportRequest, default_folder: Path, *, force: bool
) -> list[Path] | Refusal:
    """Save the draft, then write the formats asked for to the folder (from a worker thread); the files say what
    the store says. Returns the files written."""
    from triage_tui.services.advisory_drafts import DraftError, exportable_formats

    formats = request.formats or exportable_formats(draft.advisory)
    try:
        saver.save(draft.advisory)
        draft = replace(draft, advisory=saver.record or draft.advisory)  # as stored: its `modified` too
        if request.folder == default_folder:
            request.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The service reads the embargo afresh: it may have been set since the editor opened.
        return saver.drafts.export(draft, formats, request.folder, force=force)
    except DraftError as error:
        return export_refusal(error)


def export_refusal(error: DraftError) -> Refusal:
    """What an export refused says in the editor: the embargo, the first of the draft's problems, or the folder."""
    from triage_tui.services.advisory_drafts import EmbargoError, InvalidDraftError

    if isinstance(error, EmbargoError):
        return Refusal("embargo", str(error))
    if isinstance(error, InvalidDraftError):
        first = error.problems[0]
        return Refusal(
            "invalid", f"Not exported: {len(error.problems)} problems; the first: {first.field}: {first.message}"
        )
    return Refusal("folder", f"Not exported: {error}")
