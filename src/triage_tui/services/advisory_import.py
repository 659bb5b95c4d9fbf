"""Seeds cases from existing advisories (`triage-tui import`): each file becomes a case whose first message is the
advisory's text (its raw bytes kept), whose matrix cells say what the advisory says, and whose draft is the
advisory's record. A file already imported is not imported twice; a bad file is reported and the rest go on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.advisories.ranges import merge_packages
from triage_tui.advisories.record import Advisory, CreditRole, PackageImpact
from triage_tui.config import Config
from triage_tui.impact import ImpactCell, ImpactError, cell_from_events
from triage_tui.severity import severity_of
from triage_tui.store.import_lookups import case_of_message, case_with_alias, existing_case
from triage_tui.untrusted import neutralise, neutralise_line

if TYPE_CHECKING:
    from triage_tui.store.store import Store

SOURCE = "import"
PLACEHOLDER_CASE = "PSC-0000-0000"
"""The record's case id until the store hands out the real one."""


@dataclass(frozen=True)
class ImportResult:
    """What became of one file: the case it seeded (None if refused) and a line saying what happened."""

    path: Path
    case_id: str | None
    message: str
    warnings: tuple[str, ...] = ()


def declared_score_warnings(document: object) -> list[str]:
    """Scores an imported record states that differ from what its own vectors compute to."""
    found: list[str] = []

    def check(vector: object, score: object, where: str) -> None:
        if not isinstance(vector, str) or not isinstance(score, int | float):
            return
        severity = severity_of(vector)
        if severity is None:
            found.append(f"{where}: {vector!r} does not parse")
        elif abs(severity.score - float(score)) > 0.05:
            found.append(f"{where}: states {score} but {severity.vector} scores {severity.score}")

    containers = document.get("containers") if isinstance(document, Mapping) else None
    cna = containers.get("cna") if isinstance(containers, Mapping) else document
    for metric in (cna.get("metrics") or []) if isinstance(cna, Mapping) else []:
        for key, body in metric.items() if isinstance(metric, Mapping) else ():
            if isinstance(body, Mapping):
                check(body.get("vectorString"), body.get("baseScore"), f"metrics {key}")
    if isinstance(document, Mapping):
        cvss = document.get("cvss")
        if isinstance(cvss, Mapping):
            check(cvss.get("vector_string"), cvss.get("score"), "cvss")
        severities = document.get("cvss_severities")
        for key, body in severities.items() if isinstance(severities, Mapping) else ():
            if isinstance(body, Mapping):
                check(body.get("vector_string"), body.get("score"), f"cvss_severities {key}")
    return found


def _message_text(fmt: str, advisory: Advisory) -> tuple[str, str]:
    """The subject and body of the message that stands for the imported advisory in the thread."""
    subject = neutralise_line(advisory.summary) or "(an advisory without a summary)"
    ids = ", ".join(neutralise_line(known) for known in advisory.ids()) or "no id"
    article = "an" if fmt.upper()[0] in "AEIOU" else "a"
    body = (
        f"Imported from {article} {fmt.upper()} record ({ids}).\n\n{neutralise(advisory.details or advisory.summary)}"
    )
    return subject, body


def _reporter(advisory: Advisory) -> str:
    for role in (CreditRole.FINDER, CreditRole.REPORTER):
        for credit in advisory.credits:
            if credit.role == role:
                return neutralise_line(credit.name)
    return "advisory import"


def _store_case(store: Store, config: Config, data: bytes, fmt: str, advisory: Advisory) -> str | None:
    """A new case holding the advisory's message; None if a message with these exact bytes was imported before."""
    from triage_tui.intake.records import CryptoVerdict, ParsedMessage
    from triage_tui.store.batches import IncomingItem
    from triage_tui.store.ingest import store_batch

    digest = hashlib.sha256(data).hexdigest()
    subject, body = _message_text(fmt, advisory)
    message = ParsedMessage(
        raw=data,
        content_hash=digest,
        message_id=None,
        in_reply_to=None,
        references=(),
        subject=subject,
        sender_name=_reporter(advisory),
        sender_email="",
        date=datetime.now(UTC),
        body=body,
        verdict=CryptoVerdict(warnings=("imported from a file: not encrypted, not signed",)),
    )
    store.sync_projects(config.projects.values())  # a workspace that never synced has no projects yet
    result = store_batch(store, [IncomingItem(SOURCE, digest, message, own_case=True)], list(config.projects.values()))
    return result.new_cases[0] if result.new_cases else None


def _already_imported(store: Store, digest: str) -> str | None:
    with store.read() as connection:
        return case_of_message(connection, SOURCE, digest)


def _known_case(store: Store, document: object, advisory: Advisory) -> str | None:
    """A case that already holds this advisory: our own export of it (its draft id names the case), or a draft
    with one of the same CVE, GHSA or PYSEC ids."""
    from triage_tui.advisories.osv import DRAFT_PREFIX

    own = document.get("id") if isinstance(document, Mapping) else None
    with store.read() as connection:
        if isinstance(own, str) and own.startswith(DRAFT_PREFIX):
            found = existing_case(connection, own.removeprefix(DRAFT_PREFIX))
            if found is not None:
                return found
        return case_with_alias(connection, advisory.ids())


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


def import_advisory(store: Store, config: Config, path: Path, data: bytes) -> ImportResult:
    """Seed one case from one advisory file's bytes. Everything that can refuse the file is checked before the
    case is created, so a refused file leaves nothing behind."""
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.triage import TriageService

    packages: Mapping[str, Sequence[str]] = {p.id: p.packages for p in config.projects.values()}
    repositories = {p.id: p.repository or "" for p in config.projects.values()}
    try:
        document = parse_document(data)
        fmt, advisory = to_record(document, PLACEHOLDER_CASE, packages, repositories)
    except ImportError_ as error:
        return ImportResult(path, None, f"not imported: {error}")
    previous = _already_imported(store, hashlib.sha256(data).hexdigest()) or _known_case(store, document, advisory)
    if previous is not None:
        return ImportResult(path, None, f"not imported: {previous} already holds this advisory")
    warnings = declared_score_warnings(document)
    if fmt == "cve":
        from triage_tui.advisories.cve_reader import cve_warnings

        warnings += cve_warnings(document, packages, repositories)
    cells, placing = cells_for(advisory, config)
    warnings += placing
    case_id = _store_case(store, config, data, fmt, advisory)
    if case_id is None:
        return ImportResult(path, None, "not imported: the store took no new case")
    advisory = replace(advisory, case_id=case_id)
    triage = TriageService(store, config.identity.email)
    for project, cell in cells.items():
        triage.set_impact(case_id, project, cell)
    AdvisoryDrafts(store, config.identity.email, config).save(advisory)
    article = "an" if fmt.upper()[0] in "AEIOU" else "a"
    return ImportResult(path, case_id, f"{article} {fmt.upper()} record, imported as {case_id}", tuple(warnings))


def import_advisory_files(store: Store, config: Config, paths: Iterable[Path]) -> list[ImportResult]:
    """`import_advisory` for each file; one that cannot be read is reported and the others go on."""
    from triage_tui.advisories.importers import MAX_FILE_BYTES
    from triage_tui.services.safe_read import ReadRefused, read_bounded

    results: list[ImportResult] = []
    for path in paths:
        try:
            data = read_bounded(path, MAX_FILE_BYTES)
        except ReadRefused as error:
            if error.kind == "too-big":
                message = f"not imported: over {MAX_FILE_BYTES} bytes; an advisory file is at most {MAX_FILE_BYTES}"
            else:
                message = f"not imported: cannot be read ({error.reason})"
            results.append(ImportResult(path, None, message))
            continue
        results.append(import_advisory(store, config, path, data))
    return results
