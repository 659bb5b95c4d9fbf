"""Advisories GitHub lists for the first time become cases: the report as the first message, then the case's
vectors, matrix cells and advisory draft from what the advisory says."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from triage_tui.advisories.ghsa_reader import from_ghsa
from triage_tui.advisories.record import Advisory
from triage_tui.domain import ImpactStatus
from triage_tui.github.messages import message_of
from triage_tui.github.push_body import project_of
from triage_tui.github.session import SyncSession
from triage_tui.impact import ImpactCell
from triage_tui.intake.records import ParsedMessage
from triage_tui.store.batches import IncomingItem
from triage_tui.store.github_store import KnownAdvisory, advisories_of_case, case_of_message, save_remote


def create_cases(session: SyncSession, repository: str, remotes: Sequence[Mapping[str, Any]]) -> list[KnownAdvisory]:
    """A case for each new advisory of one page: their messages in one transaction, then each case's vectors,
    cells and draft, then what was synced."""
    source = session.source.name
    parsed: list[tuple[Mapping[str, Any], Advisory, str, ParsedMessage]] = []
    for remote in remotes:
        try:
            advisory = from_ghsa(remote, "PSC-0000-0000", session.packages)
        except ValueError as error:
            session.keep_failure(repository, remote, str(error))
            continue
        key, message = message_of(remote, first=True)
        parsed.append((remote, advisory, key, message))
    if not parsed:
        return []
    with session.store.read() as connection:
        # A message stored by an earlier run that died before the rest is not stored twice.
        stored_before = {key for _r, _a, key, _m in parsed if case_of_message(connection, source, key)}
    # An advisory is always a case of its own: what its summary names is a hint for `d`, never a thread.
    items = [IncomingItem(source, key, m, own_case=True) for _r, _a, key, m in parsed if key not in stored_before]
    if items:
        session.outcome.new_cases += len(session.store_items(items).new_cases)
    created: list[tuple[KnownAdvisory, Advisory]] = []
    with session.store.read() as connection:
        cases = {key: case_of_message(connection, source, key) for _r, _a, key, _m in parsed}
    for remote, advisory, key, _message in parsed:
        case_id = cases[key]
        if case_id is None:
            session.keep_failure(repository, remote, "the store took no case for it")
            continue
        created.append((KnownAdvisory(str(remote["ghsa_id"]), repository, case_id, remote), advisory))
    # The snapshot first: if the sync dies while seeding, the next one sees the advisory as known and never
    # seeds it again over what the coordinator may have changed meanwhile.
    with session.store.write() as connection:
        for known, _advisory in created:
            save_remote(connection, source, repository, known.case_id, known.remote, session.clock())
    with session.store.read() as connection:
        # Seeding writes a case's fields: only ever those of the case the advisory itself made (a message an
        # older version stored, and threaded into another case, seeds nothing).
        own = {
            k.case_id
            for k, _a in created
            if k.ghsa_id in {a.ghsa_id for a in advisories_of_case(connection, k.case_id)}
        }
    for known, advisory in created:
        if known.case_id in own:
            _seed(session, known.case_id, repository, replace(advisory, case_id=known.case_id))
    return [known for known, _advisory in created]


def _seed(session: SyncSession, case_id: str, repository: str, advisory: Advisory) -> None:
    """The new case's vectors, matrix cells and advisory draft, from what the advisory says."""
    from triage_tui.services.advisory_records import cells_for
    from triage_tui.services.triage import TriageError

    triage, drafts = session.services()
    for vector, version in ((advisory.cvss_v3, "3.1"), (advisory.cvss_v4, "4.0")):
        if vector:
            try:
                triage.set_severity(case_id, vector, version=version)
            except TriageError:
                pass  # already so
    cells, _warnings = cells_for(advisory, session.config)
    project = project_of(session.config, repository)
    if project is not None and project not in cells:
        cells[project] = ImpactCell(ImpactStatus.INVESTIGATING)  # reported to this project: look at it
    for name, cell in cells.items():
        try:
            triage.set_impact(case_id, name, cell)
        except TriageError:
            pass
    if not drafts.load(case_id).saved:
        drafts.save(advisory)
