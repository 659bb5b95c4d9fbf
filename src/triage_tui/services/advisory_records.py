"""Keeps every imported record in its case: one case per flaw, each record under its own id. A record that shares an
id (its own or an alias) with a case's kept records joins that case; the case's draft, matrix cells and severity follow
its records for as long as nobody here changed them since the import (else they are kept, with a warning)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.advisories.ranges import merge_packages
from triage_tui.advisories.record import Advisory, PackageImpact
from triage_tui.config import Config
from triage_tui.impact import ImpactCell, ImpactError, cell_from_events
from triage_tui.severity import severity_of
from triage_tui.store.advisory_drafts_store import draft_row
from triage_tui.store.advisory_records_store import (
    IMPORT_SOURCE,
    KeptRecord,
    case_of_digest,
    case_of_draft_with,
    cases_sharing,
    keep_record,
    kept_record,
    kept_records_in,
)
from triage_tui.store.case_writes import case_exists
from triage_tui.store.times import iso_time

if TYPE_CHECKING:
    from triage_tui.intake.records import ParsedMessage
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.decision_recorder import DecisionRecorder
    from triage_tui.store.case_writes import WriteConnection


@dataclass(frozen=True)
class ParsedFile:
    """An advisory file read and turned into a record, not yet stored."""

    path: Path
    digest: str
    format: str
    advisory: Advisory
    message: ParsedMessage
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """What became of one file: its outcome (imported, updated, unchanged, refused), the case it is in, whether that
    case is new, and a line saying what happened."""

    path: Path
    case_id: str | None
    message: str
    warnings: tuple[str, ...] = ()
    outcome: str = "refused"
    new_case: bool = False


@dataclass(frozen=True)
class Keeper:
    """What storing records needs, built once per import: the config, the recorder of cells and severity (no team
    sharer, as an import is local work) and the drafts."""

    config: Config
    recorder: DecisionRecorder
    drafts: AdvisoryDrafts


def record_id_of(advisory: Advisory, digest: str) -> str:
    """The id a record is kept under: its own, else its first alias, else its file's digest."""
    return advisory.id or next(iter(advisory.ids()), "") or f"sha256:{digest}"


def merged(records: Sequence[Advisory]) -> Advisory | None:
    """What a case's draft is while nobody edits it: its first record with every other record's packages added (a
    package already there combined with it, as two records of one flaw name it once each), and each CVSS version's
    vector from the first record that has one."""
    if not records:
        return None
    first, *others = records
    packages: list[PackageImpact] = list(first.packages)
    for other in others:
        for package in other.packages:
            key = (package.project, package.name, package.ecosystem)
            at = next((i for i, p in enumerate(packages) if (p.project, p.name, p.ecosystem) == key), None)
            if at is None:
                packages.append(package)
            elif packages[at] != package:
                packages[at] = _combined(packages[at], package)
    v3 = next((r.cvss_v3 for r in records if r.cvss_v3), None)
    v4 = next((r.cvss_v4 for r in records if r.cvss_v4), None)
    return replace(first, packages=tuple(packages), cvss_v3=v3, cvss_v4=v4)


def _not_over(kept: KeptRecord, kept_advisory: Advisory, parsed: ParsedFile) -> str | None:
    """Why `parsed` does not replace the record of its id kept already, if it does not: it came in another format
    (a GHSA export of a case keeps the CVE record's id but not all it says) or is older (`modified`); None if it
    updates it."""
    record_id, fmt = kept.id, parsed.format
    if kept.format != fmt:
        return (
            f"unchanged: {kept.case_id} keeps {record_id} from {_article(kept.format)} {kept.format.upper()} record; "
            f"this {fmt.upper()} record of the same id is not imported over it"
        )
    new_time, old_time = iso_time(parsed.advisory.modified), iso_time(kept_advisory.modified)
    if new_time is not None and old_time is not None and new_time < old_time:
        return (
            f"unchanged: {kept.case_id} keeps {record_id} modified {kept_advisory.modified}; this record "
            f"(modified {parsed.advisory.modified}) is older than the one kept and is not imported over it"
        )
    if new_time is not None and new_time == old_time:
        # A database changes `modified` with every change: the same time saying something else is not an update
        # but another record under a borrowed id, which would take the kept one's aliases (and its case) away.
        return (
            f"not imported: {kept.case_id} keeps {record_id} modified {kept_advisory.modified}; this record has "
            "the same id and time but says something else (an update changes `modified`)"
        )
    return None


def _combined(kept: PackageImpact, other: PackageImpact) -> PackageImpact:
    """One entry for a package two records name: their events merged (spans in version order, fixed only if both
    say so), their versions and other ranges united in order."""
    (events,) = merge_packages([kept, other])
    versions = tuple(dict.fromkeys(kept.versions + other.versions))
    ranges = (*kept.other_ranges, *(r for r in other.other_ranges if r not in kept.other_ranges))
    same = events.events == kept.events and versions == kept.versions and ranges == kept.other_ranges
    return replace(events, versions=versions, other_ranges=ranges, osv_ranges=kept.osv_ranges if same else None)


def _plain(advisory: Advisory | None) -> object:
    """The record as its stored JSON reads back, to compare with a stored draft."""
    return json.loads(json.dumps(advisory.to_json(), ensure_ascii=False)) if advisory is not None else None


def _article(fmt: str) -> str:
    return "an" if fmt.upper()[0] in "AEIOU" else "a"


def keep_file(connection: WriteConnection, keeper: Keeper, parsed: ParsedFile) -> ImportResult:
    """Store one parsed file in the caller's transaction: a new case, a record joining the case of its flaw, an
    updated record, or nothing when the store holds it already."""
    from triage_tui.advisories.osv import DRAFT_PREFIX
    from triage_tui.store.batches import IncomingItem
    from triage_tui.store.ingest import insert_batch

    path, advisory, fmt = parsed.path, parsed.advisory, parsed.format
    held = case_of_digest(connection, parsed.digest)
    if held is not None:
        return ImportResult(path, held, f"unchanged: {held} already holds this advisory", outcome="unchanged")
    record_id = record_id_of(advisory, parsed.digest)
    warnings = list(parsed.warnings)
    kept = kept_record(connection, record_id)
    case_id: str | None = kept.case_id if kept is not None else None
    kept_advisory = Advisory.from_json(json.loads(kept.record)) if kept is not None else None
    if kept is not None and _plain(kept_advisory) == _plain(replace(advisory, case_id=kept.case_id)):
        return ImportResult(
            path, kept.case_id, f"unchanged: {kept.case_id} already holds {record_id} as it is", outcome="unchanged"
        )
    if kept is not None and kept_advisory is not None and (refusal := _not_over(kept, kept_advisory, parsed)):
        outcome = "unchanged" if refusal.startswith("unchanged") else "refused"
        return ImportResult(
            path, kept.case_id if outcome == "unchanged" else None, refusal, tuple(warnings), outcome=outcome
        )
    if case_id is None:
        found = cases_sharing(connection, advisory.ids())
        own = advisory.id.removeprefix(DRAFT_PREFIX) if advisory.id.startswith(DRAFT_PREFIX) else None
        if own is not None and case_exists(connection, own):
            found.insert(0, own)  # our own export of a case's draft
        if not found:
            drafted = case_of_draft_with(connection, advisory.ids())
            found = [drafted] if drafted is not None else []
        found = list(dict.fromkeys(found))
        if len(found) > 1:
            warnings.append(f"also shares an id with {', '.join(found[1:])}; kept in {found[0]}")
        case_id = found[0] if found else None
    projects = list(keeper.config.projects.values())
    item = IncomingItem(IMPORT_SOURCE, parsed.digest, parsed.message, case_id=case_id, own_case=case_id is None)
    stored = insert_batch(connection, [item], projects)
    new_case = case_id is None
    if case_id is None:
        case_id = stored.new_cases[0]
    advisory = replace(advisory, case_id=case_id)
    held_before = kept_records_in(connection, case_id)
    old_records = [Advisory.from_json(json.loads(k.record)) for k in held_before]
    new_records = [advisory if k.id == record_id else r for k, r in zip(held_before, old_records, strict=True)]
    if kept is None:
        new_records.append(advisory)
    record = KeptRecord(record_id, case_id, fmt, json.dumps(advisory.to_json(), ensure_ascii=False), parsed.digest)
    keep_record(connection, record, advisory.ids(), datetime.now(UTC))
    warnings += _follow(connection, keeper, case_id, merged(old_records), merged(new_records), advisory)
    ids = ", ".join(advisory.ids()) or record_id
    if new_case:
        message, outcome = f"{_article(fmt)} {fmt.upper()} record ({ids}), imported as {case_id}", "imported"
    elif kept is None:
        message, outcome = f"{_article(fmt)} {fmt.upper()} record ({ids}), imported into {case_id}", "imported"
    else:
        message, outcome = f"{_article(fmt)} {fmt.upper()} record ({ids}), updated in {case_id}", "updated"
    return ImportResult(path, case_id, message, tuple(warnings), outcome, new_case)


def cells_for(advisory: Advisory, config: Config) -> tuple[dict[str, ImpactCell], list[str]]:
    """One matrix cell per configured project the advisory names (its packages' ranges together), and a warning
    for each package that cannot be placed."""
    by_project: dict[str, list[PackageImpact]] = {}
    warnings: list[str] = []
    for package in advisory.packages:
        if package.project not in config.projects:
            warnings.append(f"{package.name}: no configured project has this package; not put in the matrix")
        else:
            by_project.setdefault(package.project, []).append(package)
    cells: dict[str, ImpactCell] = {}
    for project, packages in by_project.items():
        (merged,) = merge_packages([replace(p, name=project) for p in packages])
        try:
            cells[project] = cell_from_events(merged.status, merged.events)
        except ImpactError as error:
            warnings.append(f"{project}: not put in the matrix ({error})")
    return cells, warnings


def _follow(
    connection: WriteConnection, keeper: Keeper, case_id: str, before: Advisory | None, after: Advisory | None,
    record: Advisory,
) -> list[str]:  # fmt: skip
    """Bring the case's draft, cells and severity from what its records said (`before`) to what they say now, each
    only where it still says what the records said; the warnings for what was kept."""
    warnings: list[str] = []
    row = draft_row(connection, case_id)
    stored = json.loads(row.record) if row is not None else None
    if after is not None and (stored is None or (before is not None and stored == _plain(before))):
        keeper.drafts.save_in(connection, after, stored)
    elif after is not None and stored != _plain(after):
        warnings.append(
            f"the draft of {case_id} was edited here since its import; kept as it is (this record is kept beside it: "
            f"export {case_id} --record {record.id or 'ID'})"
        )
    warnings += cells_for(record, keeper.config)[1]
    old_cells = cells_for(before, keeper.config)[0] if before is not None else {}
    new_cells = cells_for(after, keeper.config)[0] if after is not None else {}
    for project, cell in new_cells.items():
        warnings += _set_cell(connection, keeper.recorder, case_id, project, cell, old_cells.get(project))
    warnings += _set_severity(connection, keeper.recorder, case_id, before, after)
    return warnings


def _set_cell(
    connection: WriteConnection, recorder: DecisionRecorder, case_id: str, project: str, cell: ImpactCell,
    previous: ImpactCell | None,
) -> list[str]:  # fmt: skip
    """Set the project's cell to what the records say, unless someone set it here since (then a warning)."""
    from triage_tui.impact_words import check_new_cell

    linked = recorder.linked_cell(connection, case_id, project)
    if linked is not None and linked not in (ImpactCell(), previous):
        return [] if linked == cell else [f"{project}: its cell in {case_id} was set here; kept as it is"]
    try:
        checked = check_new_cell(cell)
    except ImpactError as error:
        return [f"{project}: not put in the matrix ({error})"]
    if linked == checked:
        return []
    recorder.write_impact(connection, case_id, project, checked)
    payload: Mapping[str, object] = {
        "project": project,
        "before": linked.to_json() if linked is not None else None,
        "after": checked.to_json(),
        "changes": {},
    }
    recorder.record(connection, case_id, "impact", payload)
    return []


def _set_severity(
    connection: WriteConnection, recorder: DecisionRecorder, case_id: str, before: Advisory | None,
    after: Advisory | None,
) -> list[str]:  # fmt: skip
    """Score the case from its records' vectors: each version's vector where the case has none or still has the one
    its records had (a vector set here since is kept, with a warning)."""

    def scored(advisory: Advisory | None, v4: bool) -> str | None:
        for vector in (advisory.cvss_v4, advisory.cvss_v3) if advisory is not None else ():
            severity = severity_of(vector)
            if severity is not None and severity.vector.startswith("CVSS:4.0/") == v4:
                return severity.vector
        return None

    current = recorder.case(connection, case_id)
    values: dict[str, object] = {}
    warnings: list[str] = []
    for field, v4 in (("cvss_vector", False), ("cvss4_vector", True)):
        now, old, new = getattr(current, field), scored(before, v4), scored(after, v4)
        if new is None or now == new:
            continue
        if now is None or now == old:
            values[field] = new
        else:
            warnings.append(f"{case_id}'s CVSS vector was set here ({now}); kept, not {new}")
    if values:
        recorder.change(connection, case_id, current, "severity", values)
    return warnings


def records_json(kept: Sequence[KeptRecord]) -> list[dict[str, object]]:
    """The records kept in a case as `show --json` lists them: id, format and the names of their packages."""
    listed: list[dict[str, object]] = []
    for record in kept:
        try:
            packages = [p.name for p in Advisory.from_json(json.loads(record.record)).packages]
        except ValueError:
            packages = []
        listed.append({"id": record.id, "format": record.format, "packages": packages})
    return listed
