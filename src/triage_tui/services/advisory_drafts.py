"""Keeps each case's advisory draft: first fill from the case and its matrix, saving (one transaction with its
timeline event), validation against the record's rules and the matrix, and export guarded by the embargo."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from triage_tui.advisories.draft import draft_from_case, packages_from_matrix
from triage_tui.advisories.format_names import FILE_SUFFIXES, FORMATS
from triage_tui.advisories.formats import Compiled, PublishContext, compile_advisory, gate
from triage_tui.advisories.record import Advisory, PackageImpact
from triage_tui.advisories.validation import Problem, errors, matrix_disagreements, validate
from triage_tui.config import Config
from triage_tui.services.safe_write import WriteError, write_new_file
from triage_tui.store.advisory_drafts_store import SavedDraft, case_embargo, draft_row, saved_draft, upsert_draft
from triage_tui.store.case_writes import case_exists, insert_event
from triage_tui.store.queries import CaseDetail, ImpactView

if TYPE_CHECKING:
    from triage_tui.store.case_writes import WriteConnection
    from triage_tui.store.store import Store

RECORD_FIELDS = (
    "summary", "details", "aliases", "weaknesses", "cvss_v3", "cvss_v4", "packages", "references", "credits",
    "withdrawn", "id", "published", "related", "upstream", "other_severity", "database_specific",
)  # fmt: skip
"""The fields a change is named by. `modified` and `schema_version` are not among them: saving a change sets
them."""


class DraftError(Exception):
    """A draft that cannot be saved or exported, worded for the user."""


UNCHECKED = object()
"""`save` without a base: the caller does not hold an earlier read of the draft (a first fill, an import)."""


class DraftConflictError(DraftError):
    """Saving over a draft someone else saved since the editor read it."""


class EmbargoError(DraftError):
    """Exporting an embargoed case's advisory without saying so explicitly."""


class InvalidDraftError(DraftError):
    """A draft whose errors block the export; `problems` lists them field by field."""

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Draft:
    """A case's advisory as the editor opens it: the record, whether it was saved, and what the matrix says now."""

    advisory: Advisory
    saved: bool
    matrix: tuple[PackageImpact, ...]
    embargo_until: datetime | None
    first_saved: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


def publisher_of(config: Config) -> tuple[str, str]:
    """The publisher's name and namespace URL, from `[advisories]` or else the identity."""
    settings = config.advisories
    domain = config.identity.email.rpartition("@")[2] or "localhost"
    return (
        settings.publisher_name or config.identity.name,
        settings.publisher_namespace or f"https://{domain}",
    )


def vendors_of(config: Config) -> dict[str, str]:
    """Each project's vendor as CVE records name it: its repository's owner (`pypa/pip` gives `pypa`)."""
    vendors: dict[str, str] = {}
    for project_id, project in config.projects.items():
        repository = project.repository or ""
        owner = urlsplit(repository).path.strip("/").split("/")[0] if "://" in repository else repository.split("/")[0]
        vendors[project_id] = owner or project.name
    return vendors


def draft_readiness(
    record: str | None, impacts: Sequence[ImpactView], packages: Mapping[str, Sequence[str]]
) -> dict[str, bool]:
    """For the readiness checklist: each project the saved draft (`record`, its JSON) covers, and whether the draft
    validates against the matrix row `impacts`; empty when there is no draft (or it cannot be read)."""
    if record is None:
        return {}
    try:
        advisory = Advisory.from_json(json.loads(record))
    except ValueError:
        return {}
    matrix = packages_from_matrix(impacts, packages)
    # Ready means every format could be exported and the draft says what the matrix says of the configured projects.
    problems = validate(advisory, matrix, projects=packages.keys())
    valid = not errors(problems) and not matrix_disagreements(advisory, matrix, packages.keys())
    return {package.project: valid for package in advisory.packages}


def exportable_formats(advisory: Advisory) -> tuple[str, ...]:
    """What "every format" means for `advisory`: the full CVE record only once it has a CVE id (until then the CNA
    container is what a CNA takes)."""
    return tuple(fmt for fmt in FORMATS if fmt != "cve" or advisory.alias("CVE-"))


def changed_fields(before: Advisory | None, after: Advisory) -> list[str]:
    """The record's fields that differ (all of them for a first save)."""
    if before is None:
        return list(RECORD_FIELDS)
    old, new = before.to_json(), after.to_json()
    return [name for name in RECORD_FIELDS if old.get(name) != new.get(name)]  # later fields are kept only if set


class AdvisoryDrafts:
    """The advisory drafts of `store`, saved as `author`, published as `config` says."""

    def __init__(
        self, store: Store, author: str, config: Config, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.store = store
        self.author = author
        self.config = config
        self.clock = clock or (lambda: datetime.now(UTC))

    # ---- reading ----------------------------------------------------------------------------------------------

    def _case(self, case_id: str) -> tuple[CaseDetail, Mapping[str, Sequence[str]], SavedDraft | None]:
        from triage_tui.store.matrix_reads import project_packages
        from triage_tui.store.queries import get_case

        with self.store.read() as connection:
            detail = get_case(connection, case_id)
            if detail is None:
                raise DraftError(f"no case {case_id}")
            packages = project_packages(connection)
            saved = saved_draft(connection, case_id)
        return detail, packages, saved

    def load(self, case_id: str) -> Draft:
        """The case's saved draft, or a first one filled from the case and its matrix."""
        detail, packages, saved = self._case(case_id)
        matrix = packages_from_matrix(detail.impacts, packages)
        embargo = detail.summary.embargo_until
        if saved is None:
            advisory = draft_from_case(detail, packages, self.config.identity.name)
            return Draft(advisory, saved=False, matrix=matrix, embargo_until=embargo)
        try:
            advisory = Advisory.from_json(json.loads(saved.record))
        except ValueError as error:
            raise DraftError(f"the stored draft of {case_id} cannot be read: {error}") from None
        return Draft(
            advisory,
            saved=True,
            matrix=matrix,
            embargo_until=embargo,
            first_saved=saved.first_saved,
            updated_at=saved.updated_at,
            updated_by=saved.updated_by,
        )

    def load_record(self, case_id: str, record_id: str) -> Draft:
        """The case's draft with one of its kept records (an imported record, by its id) in place of the draft's
        record, to export that record as it was imported."""
        from triage_tui.store.advisory_records_store import kept_records_of

        draft = self.load(case_id)
        with self.store.read() as connection:
            kept = {record.id: record for record in kept_records_of(connection, case_id)}
        if record_id not in kept:
            known = ", ".join(kept) or "none"
            raise DraftError(f"{case_id} keeps no record {record_id!r} (its records: {known})")
        try:
            advisory = Advisory.from_json(json.loads(kept[record_id].record))
        except ValueError as error:
            raise DraftError(f"the stored record {record_id} of {case_id} cannot be read: {error}") from None
        # The record is checked against the matrix cells of its own packages only: the case's other records name
        # the rest.
        own = {package.project for package in advisory.packages}
        matrix = tuple(package for package in draft.matrix if package.project in own)
        return replace(draft, advisory=replace(advisory, case_id=case_id), matrix=matrix)

    def context(self, draft: Draft) -> PublishContext:
        """What the formats need beyond the record, for this draft, now."""
        name, namespace = publisher_of(self.config)
        return PublishContext(
            now=self.clock(),
            publisher_name=name,
            publisher_namespace=namespace,
            first_saved=draft.first_saved,
            cna_org_id=self.config.advisories.cna_org_id,
            cna_short_name=self.config.advisories.cna_short_name,
            vendors=vendors_of(self.config),
            embargo_until=draft.embargo_until,
        )

    # ---- writing ----------------------------------------------------------------------------------------------

    def save(self, advisory: Advisory, *, base: object = UNCHECKED) -> list[str]:
        """Store the draft and record an `advisory` event naming the changed fields, in one transaction; returns
        those fields (empty, and nothing written, when nothing changed). `base` is the stored record the editor
        started from (None: none was stored); if the store holds another one now, someone saved meanwhile and
        DraftConflictError says who, instead of overwriting their work."""
        return self.save_record(advisory, base=base)[0]

    def save_record(self, advisory: Advisory, *, base: object = UNCHECKED) -> tuple[list[str], Advisory]:
        """`save`, also returning the record as stored: a change is stamped with the save time as its `modified`
        (an import saved as it came keeps its source's, as does a save that changes nothing)."""
        now = self.clock().astimezone(UTC)
        with self.store.write() as connection:
            if not case_exists(connection, advisory.case_id):
                raise DraftError(f"no case {advisory.case_id}")
            row = draft_row(connection, advisory.case_id)
            stored = json.loads(row.record) if row is not None else None
            if base is not UNCHECKED and stored != base:
                who = f"{row.updated_by} at {row.updated_at:%Y-%m-%d %H:%M} UTC" if row is not None else "someone"
                raise DraftConflictError(
                    f"the advisory of {advisory.case_id} was saved by {who} since you opened it; "
                    "reopen it to see their changes (yours are still in the editor)"
                )
            return self._write(connection, stored, advisory, now)

    def save_in(self, connection: WriteConnection, advisory: Advisory, stored: object) -> list[str]:
        """`save` in the caller's write transaction, over `stored` (the draft's JSON as that transaction read it,
        None if there is none): an import keeps a record, its cells and the draft together. The draft then says what
        its records say, as they wrote it: no one edited it, so it is not stamped with a new `modified`."""
        return self._write(connection, stored, advisory, self.clock().astimezone(UTC), stamp=False)[0]

    def _write(
        self, connection: WriteConnection, stored: object, advisory: Advisory, now: datetime, *, stamp: bool = True
    ) -> tuple[list[str], Advisory]:
        from triage_tui.advisories.osv import edited

        before = Advisory.from_json(stored) if isinstance(stored, Mapping) else None
        fields = changed_fields(before, advisory)
        if not fields:
            return [], advisory
        if stamp and (before is not None or not advisory.modified):  # else an import, saved as its source wrote it
            advisory = edited(advisory, now)
        record = json.dumps(advisory.to_json(), ensure_ascii=False)
        upsert_draft(connection, advisory.case_id, record, now, self.author)
        payload = {"fields": fields, "first": before is None}
        insert_event(connection, advisory.case_id, self.author, now, "advisory", payload)
        return fields, advisory

    # ---- checking and export ----------------------------------------------------------------------------------

    def problems(self, draft: Draft, advisory: Advisory | None = None, fmt: str | None = None) -> list[Problem]:
        """The record's problems as `fmt` judges them (with no format, as every format does), compared with what
        the matrix says now of the configured projects."""
        return validate(advisory or draft.advisory, draft.matrix, fmt=fmt, projects=self.config.projects.keys())

    def compile(self, draft: Draft, fmt: str, advisory: Advisory | None = None) -> Compiled:
        """One format of the draft (or of `advisory`, an edited version of it)."""
        return compile_advisory(advisory or draft.advisory, fmt, self.context(draft))

    def judged_outputs(
        self, draft: Draft, formats: Iterable[str], *, force: bool = False
    ) -> tuple[list[Compiled], dict[str, list[Problem]]]:
        """Each format of `draft` once it passes the leak guard (EmbargoError while the case is under embargo unless
        `force`), split into those that pass validation and the refused ones with their blocking problems."""
        case_id = draft.advisory.case_id
        # The embargo as the store holds it now: it may have been set since the editor read the case.
        draft = replace(draft, embargo_until=self.current_embargo(case_id))
        context = self.context(draft)
        if context.embargoed and not force:
            until = draft.embargo_until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if draft.embargo_until else ""
            raise EmbargoError(f"{case_id} is under embargo until {until}")
        projects = self.config.projects.keys()
        passed: list[Compiled] = []
        refused: dict[str, list[Problem]] = {}
        for fmt in formats:
            output = compile_advisory(draft.advisory, fmt, context)
            # Each format is judged by what it requires: a record without a summary is valid OSV, not a GitHub body.
            blocking = errors(gate(draft.advisory, output, draft.matrix, projects))
            if blocking:
                refused[fmt] = blocking
            else:
                passed.append(output)
        return passed, refused

    def checked_outputs(self, draft: Draft, formats: Iterable[str], *, force: bool = False) -> list[Compiled]:
        """Each format of `draft`, once it passes the leak guard (refused while the case is under embargo unless
        `force`) and validation (refused with every blocking problem, field by field)."""
        passed, refused = self.judged_outputs(draft, formats, force=force)
        blocked: dict[Problem, list[str]] = {}
        for fmt, problems in refused.items():
            for problem in problems:
                blocked.setdefault(problem, []).append(fmt)
        blocking = [
            replace(p, message=f"{p.message} (blocks {', '.join(dict.fromkeys(fmts))})") for p, fmts in blocked.items()
        ]
        if blocking:
            raise InvalidDraftError(f"the advisory of {draft.advisory.case_id} does not validate", blocking)
        return passed

    def export_compiled(
        self,
        case_id: str,
        compiled: Sequence[Compiled],
        folder: Path,
        *,
        overwrite: bool,
        stem: str | None = None,
        create: bool = False,
    ) -> list[Path]:
        """Write outputs `checked_outputs` gave to `folder` (`PSC-2026-0001.osv.json`, ...; `stem` in place of the
        case id: a kept record's files), all or nothing; with `create`, the folder is made when missing
        (`export_folder`)."""
        from triage_tui.services.safe_write import export_folder

        if create:
            try:
                folder = export_folder(folder)
            except WriteError as error:
                raise DraftError(str(error)) from None
        destinations = [folder.expanduser() / f"{stem or case_id}{FILE_SUFFIXES[c.format]}" for c in compiled]
        existing = [str(path) for path in destinations if path.exists() or path.is_symlink()]
        if existing and not overwrite:
            # Checked before writing any, so an export is all or nothing.
            raise DraftError(f"already exists: {', '.join(existing)}; choose another folder or overwrite")
        written: list[Path] = []
        for output, destination in zip(compiled, destinations, strict=True):
            try:
                written.append(write_new_file(destination, output.text.encode("utf-8"), overwrite=overwrite))
            except WriteError as error:
                raise DraftError(str(error)) from None
        self.record_export(case_id, [c.format for c in compiled], str(folder))
        return written

    def export(
        self,
        draft: Draft,
        formats: Iterable[str],
        folder: Path,
        *,
        force: bool = False,
        overwrite: bool = False,
    ) -> list[Path]:
        """Write each format of `draft` to `folder` (`PSC-2026-0001.osv.json`, ...), all or nothing."""
        compiled = self.checked_outputs(draft, formats, force=force)
        return self.export_compiled(draft.advisory.case_id, compiled, folder, overwrite=overwrite)

    def current_embargo(self, case_id: str) -> datetime | None:
        """The case's embargo end as stored now."""
        with self.store.read() as connection:
            embargo = case_embargo(connection, case_id)
        if embargo is None:
            raise DraftError(f"no case {case_id}")
        return embargo.until

    def record_export(self, case_id: str, formats: Sequence[str], destination: str) -> None:
        """Put an export on the case's timeline (the audit log): which formats, where, and whether the case was
        under embargo then."""
        now = self.clock().astimezone(UTC)
        embargo = self.current_embargo(case_id)
        payload = {"formats": list(formats), "to": destination, "embargoed": embargo is not None and embargo > now}
        with self.store.write() as connection:
            insert_event(connection, case_id, self.author, now, "advisory-export", payload)
