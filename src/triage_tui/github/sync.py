"""Syncs a GitHub source: each repository's advisories (conditional list pages) become cases, later changes on
GitHub become events (or conflicts, when the same field was changed here too), and queued draft updates are pushed
to each repository's advisory. Nothing of a repository that fails stops the others."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING, Any

from triage_tui.advisories.ghsa import from_ghsa, to_ghsa
from triage_tui.advisories.record import Advisory
from triage_tui.config import Config, GithubSourceConfig
from triage_tui.intake.records import CryptoVerdict, IntakeFailure, ParsedMessage
from triage_tui.sources.base import SourceError
from triage_tui.sources.credentials import secret_from
from triage_tui.sources.github_api import ApiError, GitHubClient, OfflineError, PageState
from triage_tui.store.connection import prepare_database, reader
from triage_tui.store.github_store import PAGES_SCOPE, KnownAdvisory, QueuedPush
from triage_tui.store.queries import iso_time
from triage_tui.store.store import Store
from triage_tui.untrusted import neutralise, neutralise_line

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.triage import TriageService
    from triage_tui.sync.run import ProgressCallback, SourceReport

NEW_STATES = frozenset({"triage", "draft"})
"""States in which an advisory GitHub has not seen yet becomes a case; closed or published ones matter only as
updates to cases already here."""
PUSHABLE_STATES = frozenset({"triage", "draft"})
"""triage-tui changes only advisories still being prepared; publishing is a person's explicit act on GitHub."""
DRAFT_FIELDS = ("summary", "details", "cvss_v3", "cvss_v4", "weaknesses", "credits", "packages")
"""The draft's fields an advisory also holds, compared field by field on every remote change. After a case is
made, GitHub's changes go to its draft (the advisory being prepared), not to the report's title or the case's own
score, which are the coordinator's."""
MAX_PUSH_ATTEMPTS = 10
"""A push that could not be delivered this many times is given up, with its last error."""


@dataclass
class GithubSyncOutcome:
    """What one sync of a GitHub source did."""

    new_cases: int = 0
    updated: int = 0
    conflicts: int = 0
    failures: int = 0
    pushed: int = 0
    errors: list[str] = field(default_factory=list)


def author_of(source: str) -> str:
    """Who remote changes are recorded as on the timeline."""
    return f"github:{source}"


def first_message_id(ghsa_id: str) -> str:
    """The Message-ID the advisory's first message is stored under, so later description edits thread to it."""
    return f"<{ghsa_id}@github.advisory>"


def message_of(source: str, remote: Mapping[str, Any], *, first: bool) -> tuple[str, ParsedMessage]:
    """The thread message standing for an advisory's description (its first, or an edit made on GitHub later)."""
    raw = json.dumps(remote, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ghsa_id = str(remote.get("ghsa_id"))
    updated = str(remote.get("updated_at") or remote.get("created_at") or "")
    key = ghsa_id if first else f"{ghsa_id}@{updated}"
    author = remote.get("author") if isinstance(remote.get("author"), Mapping) else None
    login = str(author.get("login")) if author and author.get("login") else "GitHub"
    state = str(remote.get("state") or "?")
    heading = "Private vulnerability report" if state == "triage" else f"Repository advisory ({state})"
    edit = "" if first else "Description edited on GitHub.\n\n"
    body = f"{heading} {ghsa_id} on GitHub.\n\n{edit}{remote.get('description') or ''}"
    message = ParsedMessage(
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=first_message_id(ghsa_id) if first else f"<{key}@github.advisory>",
        in_reply_to=None if first else first_message_id(ghsa_id),
        references=() if first else (first_message_id(ghsa_id),),
        subject=neutralise_line(str(remote.get("summary") or "(no summary)")),
        sender_name=neutralise_line(login),
        sender_email="",
        date=iso_time(remote.get("updated_at" if not first else "created_at")),
        body=neutralise(body),
        verdict=CryptoVerdict(warnings=("from the GitHub API: not signed by its author",)),
    )
    return key, message


class GithubSync:
    """One sync of one GitHub source into the store at `database`."""

    def __init__(
        self,
        database: Path,
        config: Config,
        source: GithubSourceConfig,
        client: GitHubClient,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.source = source
        self.client = client
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outcome = GithubSyncOutcome()
        self.packages: Mapping[str, Sequence[str]] = {p.id: p.packages for p in config.projects.values()}
        self._store = Store(database)
        self._engine: Engine = self._store.engine
        self._shared: tuple[TriageService, AdvisoryDrafts] | None = None
        self._keys: set[str] | None = None
        self._failed: set[str] = set()
        """Repositories whose pull failed this sync: nothing is pushed to them (their state is not known now)."""
        self._limited = False
        self._store.sync_projects(config.projects.values())  # cells name projects: the store must know them

    def close(self) -> None:
        """Release the store."""
        if self._shared is not None:
            self._shared[0].close_store()
            self._shared[1].close_store()
        self._store.close()

    # ---- pull ---------------------------------------------------------------------------------------------------

    def pull(self, cancel: Event | None = None, progress: Callable[[], None] | None = None) -> None:
        """Every repository's changed list pages, applied; an offline API stops the pull, any other error only
        its repository."""
        from triage_tui.store.github_store import known_advisories
        from triage_tui.store.sync_reads import load_cursors

        with reader(self.database) as connection:
            cursors = load_cursors(connection, self.source.name)
            known = known_advisories(connection, self.source.name)
        for repository in self.source.repositories:
            if self._cancelled(cancel):
                return
            stored = cursors.get(PAGES_SCOPE + repository, {}).get("pages") or []
            pages_before = [PageState(p["url"], p.get("etag")) for p in stored if isinstance(p, Mapping)]
            try:
                pages: list[PageState] = []
                for page in self.client.pages(repository, pages_before):
                    if self._cancelled(cancel):
                        return  # the pages read so far are not saved: the next sync lists this repository anew
                    pages.append(page.state)
                    fresh = [remote for remote in page.advisories if self._take(repository, remote, known)]
                    for known_now in self._create_all(repository, fresh):
                        known[known_now.ghsa_id] = known_now
                    if progress is not None:
                        progress()
            except OfflineError as error:
                self.outcome.errors.append(str(error))
                self._failed.update(self.source.repositories)
                return
            except ApiError as error:
                self.outcome.errors.append(str(error))
                self._failed.add(repository)
                if error.rate_limited:
                    # Asking on while limited can get an integration banned: nothing more until the limit lifts.
                    self._limited = True
                    self._failed.update(self.source.repositories)
                    return
                continue
            except SourceError as error:
                self.outcome.errors.append(str(error))
                self._failed.add(repository)
                continue
            self._save_pages(repository, pages)

    def _cancelled(self, cancel: Event | None) -> bool:
        """Whether the user cancelled; if so, says so and marks every repository not synced."""
        if cancel is None or not cancel.is_set():
            return False
        self.outcome.errors.append("cancelled; everything stored so far is kept")
        self._failed.update(self.source.repositories)
        return True

    def _save_pages(self, repository: str, pages: Sequence[PageState]) -> None:
        from triage_tui.store.database import write_transaction
        from triage_tui.store.github_store import save_pages

        with write_transaction(self._engine) as connection:
            save_pages(
                connection,
                self.source.name,
                repository,
                [{"url": p.url, "etag": p.etag} for p in pages],
                self.clock(),
            )

    def _take(self, repository: str, remote: Mapping[str, Any], known: dict[str, KnownAdvisory]) -> bool:
        """Apply a known advisory's changes; True for one to create (new, in triage or draft)."""
        ghsa_id = remote.get("ghsa_id") if isinstance(remote, Mapping) else None
        if not isinstance(ghsa_id, str):
            self._keep_failure(repository, remote, "an advisory without a ghsa_id")
            return False
        before = known.get(ghsa_id)
        if before is None:
            state = remote.get("state")
            return isinstance(state, str) and state in NEW_STATES
        if before.remote.get("updated_at") != remote.get("updated_at"):
            known[ghsa_id] = self._update(before, remote)
        return False

    def _keep_failure(self, repository: str, remote: Any, reason: str) -> None:
        """Keep an advisory that cannot be taken in (its JSON and why), as a bad mail is kept; the sync goes on."""
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.ingest import store_batch

        raw = json.dumps(remote, ensure_ascii=False, default=str).encode("utf-8")
        key = f"{repository}#{hashlib.sha256(raw).hexdigest()[:16]}"
        if self._stored(key):
            return  # the same bad advisory, listed again on a changed page: kept once
        store_batch(self._store, [IncomingItem(self.source.name, key, IntakeFailure(raw, f"{repository}: {reason}"))])
        self.outcome.failures += 1

    def _stored(self, key: str) -> bool:
        """Whether an item of this source with `key` is already in the store (as a message or a failure)."""
        from triage_tui.store.sync_reads import known_source_keys

        if self._keys is None:
            with reader(self.database) as connection:
                self._keys = known_source_keys(connection, self.source.name)
        found = key in self._keys
        self._keys.add(key)
        return found

    def _create_all(self, repository: str, remotes: Sequence[Mapping[str, Any]]) -> list[KnownAdvisory]:
        """A case for each new advisory of one page: their messages in one transaction, then each case's vectors,
        cells and draft, then what was synced."""
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.database import write_transaction
        from triage_tui.store.github_store import advisories_of_case, case_of_message, save_remote
        from triage_tui.store.ingest import store_batch

        parsed: list[tuple[Mapping[str, Any], Advisory, str, ParsedMessage]] = []
        for remote in remotes:
            try:
                advisory = from_ghsa(remote, "PSC-0000-0000", self.packages)
            except ValueError as error:
                self._keep_failure(repository, remote, str(error))
                continue
            key, message = message_of(self.source.name, remote, first=True)
            parsed.append((remote, advisory, key, message))
        if not parsed:
            return []
        with reader(self.database) as connection:
            # A message stored by an earlier run that died before the rest is not stored twice.
            stored_before = {key for _r, _a, key, _m in parsed if case_of_message(connection, self.source.name, key)}
        # An advisory is always a case of its own: what its summary names is a hint for `d`, never a thread.
        items = [
            IncomingItem(self.source.name, key, m, own_case=True)
            for _r, _a, key, m in parsed
            if key not in stored_before
        ]
        if items:
            self.outcome.new_cases += len(
                store_batch(self._store, items, list(self.config.projects.values())).new_cases
            )
        created: list[tuple[KnownAdvisory, Advisory]] = []
        with reader(self.database) as connection:
            cases = {key: case_of_message(connection, self.source.name, key) for _r, _a, key, _m in parsed}
        for remote, advisory, key, _message in parsed:
            case_id = cases[key]
            if case_id is None:
                self._keep_failure(repository, remote, "the store took no case for it")
                continue
            created.append((KnownAdvisory(str(remote["ghsa_id"]), repository, case_id, remote), advisory))
        # The snapshot first: if the sync dies while seeding, the next one sees the advisory as known and never
        # seeds it again over what the coordinator may have changed meanwhile.
        with write_transaction(self._engine) as connection:
            for known, _advisory in created:
                save_remote(connection, self.source.name, repository, known.case_id, known.remote, self.clock())
        with reader(self.database) as connection:
            # Seeding writes a case's fields: only ever those of the case the advisory itself made (a message an
            # older version stored, and threaded into another case, seeds nothing).
            own = {
                k.case_id
                for k, _a in created
                if k.ghsa_id in {a.ghsa_id for a in advisories_of_case(connection, k.case_id)}
            }
        for known, advisory in created:
            if known.case_id in own:
                self._seed(known.case_id, repository, replace(advisory, case_id=known.case_id))
        return [known for known, _advisory in created]

    def _seed(self, case_id: str, repository: str, advisory: Advisory) -> None:
        """The new case's vectors, matrix cells and advisory draft, from what the advisory says."""
        from triage_tui.services.advisory_import import cells_for
        from triage_tui.services.triage import TriageError

        triage, drafts = self._services()
        for vector, version in ((advisory.cvss_v3, "3.1"), (advisory.cvss_v4, "4.0")):
            if vector:
                try:
                    triage.set_severity(case_id, vector, version=version)
                except TriageError:
                    pass  # already so
        cells, _warnings = cells_for(advisory, self.config)
        project = self._project_of(repository)
        if project is not None and project not in cells:
            from triage_tui.domain import ImpactStatus
            from triage_tui.services.impact_rules import ImpactCell

            cells[project] = ImpactCell(ImpactStatus.INVESTIGATING)  # reported to this project: look at it
        for name, cell in cells.items():
            try:
                triage.set_impact(case_id, name, cell)
            except TriageError:
                pass
        if not drafts.load(case_id).saved:
            drafts.save(advisory)

    def _services(self) -> tuple[TriageService, AdvisoryDrafts]:
        """The triage and draft services this sync records through, opened once."""
        if self._shared is None:
            from triage_tui.services.advisory_drafts import AdvisoryDrafts
            from triage_tui.services.triage import TriageService

            author = author_of(self.source.name)
            self._shared = (
                TriageService(self.database, author, clock=self.clock),
                AdvisoryDrafts(self.database, author, self.config, clock=self.clock),
            )
        return self._shared

    def _project_of(self, repository: str) -> str | None:
        for project in self.config.projects.values():
            if (project.repository or "").lower() == repository.lower():
                return project.id
        return None

    # ---- a change made on GitHub ----------------------------------------------------------------------------------

    def _update(self, before: KnownAdvisory, remote: Mapping[str, Any]) -> KnownAdvisory:
        """Apply what changed on GitHub since the last sync, field by field: taken where nobody changed the field
        here, recorded as a conflict where somebody did."""
        from triage_tui.store.database import write_transaction
        from triage_tui.store.github_store import record_event, save_remote

        case_id, source = before.case_id, self.source.name
        author, now = author_of(source), self.clock()
        if not before.own:
            # Threaded into another case by an older version: its author's edits never reach that case's draft.
            with write_transaction(self._engine) as connection:
                save_remote(connection, source, before.repository, case_id, remote, now)
            return replace(before, remote=remote)
        try:
            old = from_ghsa(before.remote, case_id, self.packages)
            new = from_ghsa(remote, case_id, self.packages)
        except ValueError as error:
            self._keep_failure(before.repository, remote, str(error))
            return before
        changes: dict[str, list[Any]] = {}
        conflicts: list[dict[str, Any]] = []
        _triage, drafts = self._services()
        draft = drafts.load(case_id)
        mine = draft.advisory if draft.saved else None
        merged_draft = mine
        if mine is not None:
            draft_values: dict[str, Any] = {}
            for name in DRAFT_FIELDS:
                _merge_field(
                    f"advisory {name}",
                    _comparable(name, getattr(mine, name)),
                    _comparable(name, getattr(old, name)),
                    _comparable(name, getattr(new, name)),
                    changes,
                    conflicts,
                    draft_values,
                )
            merged_draft = replace(mine, **{k.removeprefix("advisory "): v for k, v in draft_values.items()})
        if merged_draft is not None and merged_draft != mine:
            drafts.save(merged_draft)
        if remote.get("description") != before.remote.get("description"):
            self._append_description(case_id, remote)
        state_change = before.remote.get("state") != remote.get("state")
        with write_transaction(self._engine) as connection:
            payload: dict[str, Any] = {"ghsa": remote.get("ghsa_id"), "changes": _printable(changes)}
            if state_change:
                payload["state"] = [before.remote.get("state"), remote.get("state")]
            if changes or state_change:
                record_event(connection, case_id, author, "github-update", payload, now)
            for conflict in conflicts:
                record_event(connection, case_id, author, "github-conflict", _printable_conflict(conflict, remote), now)
            save_remote(connection, source, before.repository, case_id, remote, now)
        self.outcome.updated += 1
        self.outcome.conflicts += len(conflicts)
        return KnownAdvisory(before.ghsa_id, before.repository, case_id, remote)

    def _append_description(self, case_id: str, remote: Mapping[str, Any]) -> None:
        """The edited description joins the advisory's own case (by what GitHub says, not by a Message-ID a mail
        could also carry)."""
        from triage_tui.store.batches import IncomingItem
        from triage_tui.store.ingest import store_batch

        key, message = message_of(self.source.name, remote, first=False)
        if not self._stored(key):  # an earlier run may have stored it, then died before saving the snapshot
            store_batch(
                self._store,
                [IncomingItem(self.source.name, key, message, case_id=case_id)],
                list(self.config.projects.values()),
            )

    # ---- push -----------------------------------------------------------------------------------------------------

    def push(self) -> None:
        """Send each queued draft update, built from the draft as it is now; a refusal is kept with GitHub's
        reason, a failure to reach it is retried at the next sync (up to MAX_PUSH_ATTEMPTS times)."""
        from triage_tui.store.github_store import known_advisories, queued_pushes

        with reader(self.database) as connection:
            queued = queued_pushes(connection, self.source.name)
            known = known_advisories(connection, self.source.name)
        for push in queued:
            if push.repository in self._failed:
                continue  # its pull failed: what GitHub holds now is not known, so nothing is sent
            self._push_one(push, known.get(push.ghsa_id))

    def _push_one(self, push: QueuedPush, snapshot: KnownAdvisory | None) -> None:
        from triage_tui.store.database import write_transaction
        from triage_tui.store.github_store import finish_push, record_event, save_remote

        now = self.clock()
        state, error, answer = "failed", None, None
        try:
            body = self._body_now(push, snapshot)
            current = self.client.advisory(push.repository, push.ghsa_id)  # its state now, not as last listed
            if current.get("state") not in PUSHABLE_STATES:
                raise PushRefused(
                    f"{push.ghsa_id} is {current.get('state')} on GitHub; triage-tui changes only triage and "
                    "draft advisories"
                )
            answer = self.client.update(push.repository, push.ghsa_id, body)
            state = "sent"
        except PushRefused as refused:
            error = str(refused)
        except OfflineError as offline:
            state, error = "queued", str(offline)
        except ApiError as refused:
            state, error = ("failed" if refused.permanent else "queued"), str(refused)
        if state == "queued" and push.attempts + 1 >= MAX_PUSH_ATTEMPTS:
            state, error = "failed", f"gave up after {MAX_PUSH_ATTEMPTS} tries: {error}"
        with write_transaction(self._engine) as connection:
            finish_push(connection, push.id, state=state, error=error, now=now)
            if isinstance(answer, Mapping) and isinstance(answer.get("ghsa_id"), str):
                # Our own change, as GitHub now holds it: the next pull does not take it for a remote edit.
                save_remote(connection, self.source.name, push.repository, push.case_id, answer, now)
            outcome = {"ghsa": push.ghsa_id, "repository": push.repository, "state": state, "error": error}
            record_event(connection, push.case_id, author_of(self.source.name), "github-push", outcome, now)
        if state == "sent":
            self.outcome.pushed += 1
        elif error:
            self.outcome.errors.append(error)

    def _body_now(self, push: QueuedPush, snapshot: KnownAdvisory | None) -> Mapping[str, Any]:
        """The update to send: the draft as saved now (GitHub's own changes were merged into it by the pull just
        before), unless a change on GitHub conflicts with it since the push was queued."""
        if snapshot is None:
            raise PushRefused(f"{push.ghsa_id} is not an advisory of this source")
        with reader(self.database) as connection:
            conflict = connection.execute(
                "SELECT 1 FROM events WHERE case_id = ? AND kind = 'github-conflict' AND at > "
                "(SELECT created_at FROM advisory_pushes WHERE id = ?) LIMIT 1",
                (push.case_id, push.id),
            ).fetchone()
        if conflict is not None:
            raise PushRefused(
                f"{push.ghsa_id} was changed on GitHub in a way that conflicts with the draft; resolve the conflict "
                "(see the timeline) and push again"
            )
        _triage, drafts = self._services()
        draft = drafts.load(push.case_id)
        if not draft.saved:
            raise PushRefused(f"{push.case_id} has no saved advisory draft any more")
        try:
            return advisory_body(draft.advisory, push.repository, snapshot.remote, self.config)
        except ValueError as error:
            raise PushRefused(f"{push.ghsa_id}: the draft cannot be written as a GitHub advisory: {error}") from None


class PushRefused(Exception):
    """A push triage-tui will not send; the message says why."""


def advisory_body(advisory: Advisory, repository: str, remote: Mapping[str, Any], config: Config) -> Mapping[str, Any]:
    """The update of one repository's advisory: the draft with only the packages of the project that owns the
    repository, keeping GitHub's entries for packages no configured project knows. ValueError if no project owns
    the repository (its packages could not be told apart) or the draft has what GitHub cannot express."""
    owners = [p for p in config.projects.values() if (p.repository or "").lower() == repository.lower()]
    if not owners:
        raise ValueError(f"no configured project has repository = {repository!r}; set it in config.toml")
    mine = {p.id for p in owners}
    body = dict(to_ghsa(replace(advisory, packages=tuple(p for p in advisory.packages if p.project in mine))))
    if not body.get("credits"):
        body.pop("credits", None)  # an empty list would remove every credit set on GitHub
    functions = _vulnerable_functions(remote)
    for entry in body.get("vulnerabilities", []):
        # The draft has no place for vulnerable functions: GitHub's are kept, and an empty list (which would clear
        # them) is never sent.
        known = functions.get(str(entry["package"]["name"]).lower())
        if known:
            entry["vulnerable_functions"] = known
        else:
            entry.pop("vulnerable_functions", None)
    configured = {name.lower() for project in config.projects.values() for name in project.packages}
    kept = [
        entry
        for entry in remote.get("vulnerabilities") or []
        if isinstance(entry, Mapping)
        and isinstance(entry.get("package"), Mapping)
        and str(entry["package"].get("name") or "").lower() not in configured
    ]
    body["vulnerabilities"] = [*body.get("vulnerabilities", []), *kept]
    return body


def _vulnerable_functions(remote: Mapping[str, Any]) -> dict[str, list[str]]:
    """The vulnerable functions GitHub holds for each pip package of the advisory (lower-case name), in order."""
    found: dict[str, list[str]] = {}
    for entry in remote.get("vulnerabilities") or []:
        package = entry.get("package") if isinstance(entry, Mapping) else None
        functions = entry.get("vulnerable_functions") if isinstance(entry, Mapping) else None
        if not isinstance(package, Mapping) or not isinstance(functions, list):
            continue
        names = found.setdefault(str(package.get("name") or "").lower(), [])
        names.extend(f for f in functions if isinstance(f, str) and f not in names)
    return found


def _comparable(name: str, value: Any) -> Any:
    """A vector in its canonical form (GitHub may order the metrics differently), anything else as it is."""
    if name in ("cvss_v3", "cvss_v4") and isinstance(value, str):
        from triage_tui.severity import severity_of

        scored = severity_of(value)
        return scored.vector if scored is not None else value
    return value


def _merge_field(
    name: str,
    local: Any,
    was: Any,
    remote: Any,
    changes: dict[str, list[Any]],
    conflicts: list[dict[str, Any]],
    values: dict[str, Any],
) -> None:
    """The three-way rule for one field: GitHub's new value is taken if the field is as the last sync left it here;
    if it was changed here too (and differently), it is a conflict for the coordinator, never overwritten."""
    if remote == was or remote == local:
        return
    if local == was:
        changes[name] = [local, remote]
        values[name] = remote
    else:
        conflicts.append({"field": name, "local": local, "remote": remote})


def _printable(changes: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}


def _printable_conflict(conflict: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ghsa": remote.get("ghsa_id"),
        "field": conflict["field"],
        "local": _plain(conflict["local"]),
        "remote": _plain(conflict["remote"]),
    }


def _plain(value: Any) -> Any:
    """A field value as JSON can hold it (records' tuples of dataclasses as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)[:500]


MAX_READERS_NAMED = 20
"""Collaborators named one by one in a push confirmation; more are counted."""


@dataclass(frozen=True)
class PushTarget:
    """A repository advisory a case's draft would be pushed to, and who can read it on GitHub."""

    repository: str
    ghsa_id: str
    readers: tuple[str, ...]


def readers_of(repository: str, remote: Mapping[str, Any]) -> tuple[str, ...]:
    """Who can read a repository advisory before it is published, as its last synced state says: the repository's
    admins and security managers, whoever reported or opened it, and its collaborators (users and teams). Every
    name comes from GitHub and is neutralised."""
    found = [f"{neutralise_line(repository)}: admins and security managers"]
    author = remote.get("author")
    if isinstance(author, Mapping) and author.get("login"):
        role = "reported it" if remote.get("submission") is not None else "opened it"
        found.append(f"@{neutralise_line(str(author['login']))} ({role})")
    people: list[str] = []
    for user in remote.get("collaborating_users") or []:
        if isinstance(user, Mapping) and user.get("login"):
            people.append(f"@{neutralise_line(str(user['login']))} (collaborator)")
    for team in remote.get("collaborating_teams") or []:
        if isinstance(team, Mapping) and (team.get("slug") or team.get("name")):
            people.append(f"team {neutralise_line(str(team.get('slug') or team.get('name')))} (collaborator)")
    found.extend(people[:MAX_READERS_NAMED])
    if len(people) > MAX_READERS_NAMED:
        found.append(f"{len(people) - MAX_READERS_NAMED} more collaborators")
    return tuple(found)


def push_targets(database: Path, case_id: str) -> list[PushTarget]:
    """The advisories a push of the case's draft would update, each with who can read it: what the coordinator
    confirms before anything is queued."""
    from triage_tui.store.github_store import advisories_of_case

    with reader(database) as connection:
        targets = advisories_of_case(connection, case_id)
    return [PushTarget(t.repository, t.ghsa_id, readers_of(t.repository, t.remote)) for t in targets]


def queue_advisory_push(database: Path, config: Config, case_id: str, author: str) -> list[str]:
    """Queue the case's saved draft for the repository advisory the case came from (given its own project's
    packages; see `push_targets`); returns `owner/repo GHSA-...` for each. Sent at the next sync."""
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, DraftError
    from triage_tui.store.database import open_engine, write_transaction
    from triage_tui.store.github_store import advisories_of_case, queue_push

    with reader(database) as connection:
        targets = advisories_of_case(connection, case_id)
    if not targets:
        raise DraftError(f"{case_id} has no repository advisory on GitHub to update")
    drafts = AdvisoryDrafts(database, author, config)
    try:
        draft = drafts.load(case_id)
    finally:
        drafts.close_store()
    if not draft.saved:
        raise DraftError(f"{case_id} has no saved advisory draft to push")
    engine = open_engine(database)
    queued: list[str] = []
    try:
        with write_transaction(engine) as connection:
            for target in targets:
                source = _source_of(connection, target.ghsa_id)
                try:
                    body = advisory_body(draft.advisory, target.repository, target.remote, config)
                except ValueError as error:
                    raise DraftError(f"{target.repository}: {error}") from None
                queue_push(connection, case_id, source, target.repository, target.ghsa_id, body, author,
                           datetime.now(UTC))  # fmt: skip
                queued.append(f"{target.repository} {target.ghsa_id}")
    finally:
        engine.dispose()
    return queued


def _source_of(connection: Any, ghsa_id: str) -> str:
    from sqlalchemy import select

    from triage_tui.store.tables import GITHUB_ADVISORIES

    return str(
        connection.execute(select(GITHUB_ADVISORIES.c.source).where(GITHUB_ADVISORIES.c.ghsa_id == ghsa_id)).scalar()
    )


def sync_github(
    database: Path,
    config: Config,
    source: GithubSourceConfig,
    *,
    client: GitHubClient | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> SourceReport:
    """Pull every repository of `source`, then push its queued draft updates; one report for the source."""
    from triage_tui.sync.run import SourceReport, SyncProgress

    started = time.monotonic()
    prepare_database(database)
    try:
        api = client or GitHubClient(
            source.api_url,
            secret_from(source.name, command=source.token_command, env=source.token_env, what="token"),
        )
    except SourceError as error:
        return SourceReport(source.name, False, 0, 0, 0, 0.0, str(error))
    state = SyncProgress(source=source.name, total=len(source.repositories))
    sync = GithubSync(database, config, source, api)

    def page_done() -> None:
        if progress is not None:
            state.messages = sync.outcome.new_cases + sync.outcome.updated
            progress(state)

    try:
        sync.pull(cancel, page_done)
        sync.push()  # to the repositories whose pull worked (none when offline, limited or cancelled)
    finally:
        sync.close()
        if client is None:
            api.close()
    outcome = sync.outcome
    said = "; ".join(dict.fromkeys(outcome.errors)) or None
    return SourceReport(
        source.name,
        said is None,
        outcome.new_cases + outcome.updated,
        outcome.new_cases,
        outcome.failures,
        time.monotonic() - started,
        said,
    )
