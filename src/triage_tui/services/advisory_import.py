"""Seeds cases from existing advisories (`triage-tui import`): each file's record becomes a case (its first message
the advisory's text, raw bytes kept; its cells, severity and draft from the record) or joins the case of its flaw
(advisory_records.py). Files are read and parsed outside the store and written many to a transaction; a file already
imported is not imported twice; a bad file is reported and the rest go on."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.advisories.record import Advisory, CreditRole
from triage_tui.config import Config
from triage_tui.services.advisory_records import ImportResult, Keeper, ParsedFile, keep_file
from triage_tui.severity import severity_of
from triage_tui.untrusted import neutralise, neutralise_line

if TYPE_CHECKING:
    from triage_tui.store.store import Store

PLACEHOLDER_CASE = "PSC-0000-0000"
"""The record's case id until the store hands out the real one."""


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


REASON_CHARACTERS = 400
"""How much of a refusal's reason is said: a reason may quote the file (a 229 KB range), and a summary of
thousands of files names each refusal."""


def said(reason: str) -> str:
    """A refusal's reason, cut to REASON_CHARACTERS."""
    return reason if len(reason) <= REASON_CHARACTERS else f"{reason[: REASON_CHARACTERS - 1]}…"


TITLE_CHARACTERS = 100
"""How much of the details' first line titles a case whose record has no summary (the inbox shows less)."""


def _title_without_summary(advisory: Advisory) -> str:
    """A case title for a record without a summary (the PyPA database rarely writes one): its id and the first
    line of its details, so thousands of imported cases do not all read alike."""
    first_line = next((line.strip() for line in advisory.details.splitlines() if line.strip()), "")
    first_line = neutralise_line(first_line)
    if len(first_line) > TITLE_CHARACTERS:
        first_line = first_line[: TITLE_CHARACTERS - 1].rstrip() + "…"
    name = neutralise_line(next(iter(advisory.ids()), ""))
    return ": ".join(part for part in (name, first_line) if part) or "(an advisory without a summary or details)"


def _message_text(fmt: str, advisory: Advisory) -> tuple[str, str]:
    """The subject and body of the message that stands for the imported advisory in the thread."""
    subject = neutralise_line(advisory.summary) or _title_without_summary(advisory)
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


def parse_file(config: Config, path: Path, data: bytes) -> ParsedFile | ImportResult:
    """One advisory file's bytes read into its record and the message that stands for it in the thread; a refusal
    (an ImportResult) when they cannot seed a case. Nothing is stored yet."""
    from triage_tui.intake.records import CryptoVerdict, ParsedMessage

    packages: Mapping[str, Sequence[str]] = {p.id: p.packages for p in config.projects.values()}
    repositories = {p.id: p.repository or "" for p in config.projects.values()}
    try:
        document = parse_document(data)
        fmt, advisory = to_record(document, PLACEHOLDER_CASE, packages, repositories)
    except ImportError_ as error:
        return ImportResult(path, None, f"not imported: {said(str(error))}")
    warnings = declared_score_warnings(document)
    if fmt == "cve":
        from triage_tui.advisories.cve_reader import cve_warnings

        warnings += cve_warnings(document, packages, repositories)
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
    return ParsedFile(path, digest, fmt, advisory, message, tuple(warnings))


def _keeper(store: Store, config: Config) -> Keeper:
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.decision_recorder import DecisionRecorder

    store.sync_projects(config.projects.values())  # a workspace that never synced has no projects yet
    author = config.identity.email
    recorder = DecisionRecorder(store, author, lambda: datetime.now(UTC), None)
    return Keeper(config, recorder, AdvisoryDrafts(store, author, config))


def _store_parsed(store: Store, keeper: Keeper, parsed: Sequence[ParsedFile | ImportResult]) -> list[ImportResult]:
    """Store a batch of parsed files in one transaction; if any fails there, the batch is stored again one file per
    transaction, so only that file is refused and it leaves nothing behind."""
    try:
        with store.write() as connection:
            return [keep_file(connection, keeper, p) if isinstance(p, ParsedFile) else p for p in parsed]
    except Exception:  # whatever failed is found and reported file by file below
        return _one_by_one(store, keeper, parsed)


def _one_by_one(store: Store, keeper: Keeper, parsed: Sequence[ParsedFile | ImportResult]) -> list[ImportResult]:
    results: list[ImportResult] = []
    for item in parsed:
        if not isinstance(item, ParsedFile):
            results.append(item)
            continue
        try:
            with store.write() as connection:
                results.append(keep_file(connection, keeper, item))
        except Exception as error:  # a bad file never stops the rest; nothing of it is stored
            results.append(ImportResult(item.path, None, f"not imported: {type(error).__name__}: {said(str(error))}"))
    return results


BATCH_FILES = 200
"""Files stored per write transaction: one commit per file was most of an import's time."""


def import_advisory_files(
    store: Store, config: Config, paths: Sequence[Path], progress: Callable[[int, int], None] | None = None
) -> list[ImportResult]:
    """Import each file, in batches of BATCH_FILES per transaction; one that cannot be read or parsed is reported
    and the others go on. `progress(done, total)` is called after each batch."""
    from triage_tui.advisories.importers import MAX_FILE_BYTES
    from triage_tui.services.safe_read import ReadRefused, read_bounded

    keeper = _keeper(store, config)
    results: list[ImportResult] = []
    for start in range(0, len(paths), BATCH_FILES):
        parsed: list[ParsedFile | ImportResult] = []
        for path in paths[start : start + BATCH_FILES]:
            try:
                data = read_bounded(path, MAX_FILE_BYTES)
            except ReadRefused as error:
                if error.kind == "too-big":
                    message = f"not imported: over {MAX_FILE_BYTES} bytes; an advisory file is at most {MAX_FILE_BYTES}"
                else:
                    message = f"not imported: cannot be read ({error.reason})"
                parsed.append(ImportResult(path, None, message))
                continue
            parsed.append(parse_file(config, path, data))
        results += _store_parsed(store, keeper, parsed)
        if progress is not None:
            progress(len(results), len(paths))
    return results
