"""The pull of a GitHub sync: each repository's advisory list, page by page with the ETags of the last sync, new
advisories becoming cases and changed ones updating theirs. An offline API stops the pull, any other error only
its repository."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from threading import Event
from typing import Any

from triage_tui.github.outcome import GithubProgress, GithubProgressCallback
from triage_tui.github.session import SyncSession
from triage_tui.sources.base import SourceError
from triage_tui.sources.github_api import ApiError, GitHubClient, OfflineError, PageState
from triage_tui.store.github_store import KnownAdvisory, StoredPage, known_advisories, save_pages, stored_pages

NEW_STATES = frozenset({"triage", "draft"})
"""States in which an advisory GitHub has not seen yet becomes a case; closed or published ones matter only as
updates to cases already here."""


def pull_repositories(
    session: SyncSession,
    client: GitHubClient,
    cancel: Event | None = None,
    progress: GithubProgressCallback | None = None,
) -> None:
    """Every repository's changed list pages, applied; the repositories that could not be pulled are marked
    failed in the session."""
    source = session.source
    with session.store.read() as connection:
        saved = stored_pages(connection, source.name)
    # Read at the first page that lists advisories: a no-change sync (every page 304) never decodes them all.
    known: dict[str, KnownAdvisory] = {}
    known_read = False
    for repository in source.repositories:
        if _cancelled(session, cancel):
            return
        pages_before = [PageState(page.url, page.etag) for page in saved.get(repository, [])]
        try:
            pages: list[PageState] = []
            for page in client.pages(repository, pages_before):
                if _cancelled(session, cancel):
                    return  # the pages read so far are not saved: the next sync lists this repository anew
                pages.append(page.state)
                if page.advisories and not known_read:
                    with session.store.read() as connection:
                        known, known_read = known_advisories(connection, source.name), True
                fresh = [remote for remote in page.advisories if _take(session, repository, remote, known)]
                if fresh:
                    # Imported here: the advisory formats load only when a page brings something new.
                    from triage_tui.github.new_cases import create_cases

                    for known_now in create_cases(session, repository, fresh):
                        known[known_now.ghsa_id] = known_now
                if progress is not None:
                    progress(GithubProgress(source.name, len(source.repositories), session.outcome.messages))
        except OfflineError as error:
            session.outcome.errors.append(str(error))
            session.failed.update(source.repositories)
            return
        except ApiError as error:
            session.outcome.repository_failed(repository, str(error))
            session.failed.add(repository)
            if error.rate_limited:
                # Asking on while limited can get an integration banned: nothing more until the limit lifts.
                session.failed.update(source.repositories)
                return
            continue
        except SourceError as error:
            session.outcome.repository_failed(repository, str(error))
            session.failed.add(repository)
            continue
        if pages != pages_before:  # all 304: the same pages and ETags, nothing to write (nor SQLAlchemy to load)
            _save_pages(session, repository, pages)


def _cancelled(session: SyncSession, cancel: Event | None) -> bool:
    """Whether the user cancelled; if so, says so and marks every repository not synced."""
    if cancel is None or not cancel.is_set():
        return False
    session.outcome.errors.append("cancelled; everything stored so far is kept")
    session.failed.update(session.source.repositories)
    return True


def _save_pages(session: SyncSession, repository: str, pages: Sequence[PageState]) -> None:
    with session.store.write() as connection:
        stored = [StoredPage(page.url, page.etag) for page in pages]
        save_pages(connection, session.source.name, repository, stored, session.clock())


def _take(session: SyncSession, repository: str, remote: Mapping[str, Any], known: dict[str, KnownAdvisory]) -> bool:
    """Apply a known advisory's changes; True for one to create (new, in triage or draft)."""
    ghsa_id = remote.get("ghsa_id") if isinstance(remote, Mapping) else None
    if not isinstance(ghsa_id, str):
        session.keep_failure(repository, remote, "an advisory without a ghsa_id")
        return False
    before = known.get(ghsa_id)
    if before is None:
        state = remote.get("state")
        return isinstance(state, str) and state in NEW_STATES
    if before.remote.get("updated_at") != remote.get("updated_at"):
        from triage_tui.github.remote_changes import apply_remote_change

        known[ghsa_id] = apply_remote_change(session, before, remote)
    return False
