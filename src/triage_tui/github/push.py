"""The push of a GitHub sync: each queued draft update, built from the draft as it is now, sent to its
repository's advisory while it is still being prepared there; a refusal is kept with GitHub's reason, a failure to
reach it retried at the next sync."""

from __future__ import annotations

from collections.abc import Mapping

from triage_tui.github.session import SyncSession
from triage_tui.sources.github_api import ApiError, GitHubClient, OfflineError
from triage_tui.store.github_store import (
    KnownAdvisory,
    QueuedPush,
    conflicts_since_queued,
    finish_push,
    known_advisories,
    queued_pushes,
    record_event,
    save_remote,
)

PUSHABLE_STATES = frozenset({"triage", "draft"})
"""triage-tui changes only advisories still being prepared; publishing is a person's explicit act on GitHub."""
MAX_PUSH_ATTEMPTS = 10
"""A push that could not be delivered this many times is given up, with its last error."""


class PushRefused(Exception):
    """A push triage-tui will not send; the message says why."""


def push_queued(session: SyncSession, client: GitHubClient) -> None:
    """Send each queued draft update (up to MAX_PUSH_ATTEMPTS tries each), except to the repositories whose pull
    failed: what GitHub holds there now is not known."""
    with session.store.read() as connection:
        queued = queued_pushes(connection, session.source.name)
        # Only when there is something to push: reading every advisory is most of a no-change sync otherwise.
        known = known_advisories(connection, session.source.name) if queued else {}
    for push in queued:
        if push.repository not in session.failed:
            _push_one(session, client, push, known.get(push.ghsa_id))


def _push_one(session: SyncSession, client: GitHubClient, push: QueuedPush, snapshot: KnownAdvisory | None) -> None:
    """Send one queued update and record how it went, in the outbox and on the case's timeline."""
    now = session.clock()
    state, error, answer = "failed", None, None
    try:
        body = _body_now(session, push, snapshot)
        current = client.advisory(push.repository, push.ghsa_id)  # its state now, not as last listed
        if current.get("state") not in PUSHABLE_STATES:
            raise PushRefused(
                f"{push.ghsa_id} is {current.get('state')} on GitHub; triage-tui changes only triage and "
                "draft advisories"
            )
        answer = client.update(push.repository, push.ghsa_id, body)
        state = "sent"
    except PushRefused as refused:
        error = str(refused)
    except OfflineError as offline:
        state, error = "queued", str(offline)
    except ApiError as refused:
        state, error = ("failed" if refused.permanent else "queued"), str(refused)
    if state == "queued" and push.attempts + 1 >= MAX_PUSH_ATTEMPTS:
        state, error = "failed", f"gave up after {MAX_PUSH_ATTEMPTS} tries: {error}"
    with session.store.write() as connection:
        finish_push(connection, push.id, state=state, error=error, now=now)
        if isinstance(answer, Mapping) and isinstance(answer.get("ghsa_id"), str):
            # Our own change, as GitHub now holds it: the next pull does not take it for a remote edit.
            save_remote(connection, session.source.name, push.repository, push.case_id, answer, now)
        outcome = {"ghsa": push.ghsa_id, "repository": push.repository, "state": state, "error": error}
        record_event(connection, push.case_id, session.author, "github-push", outcome, now)
    if state == "sent":
        session.outcome.pushed += 1
    elif error:
        session.outcome.errors.append(error)


def _body_now(session: SyncSession, push: QueuedPush, snapshot: KnownAdvisory | None) -> Mapping[str, object]:
    """The update to send: the draft as saved now (GitHub's own changes were merged into it by the pull just
    before), unless a change on GitHub conflicts with it since the push was queued."""
    if snapshot is None:
        raise PushRefused(f"{push.ghsa_id} is not an advisory of this source")
    with session.store.read() as connection:
        conflicted = conflicts_since_queued(connection, push.case_id, push.id)
    if conflicted:
        raise PushRefused(
            f"{push.ghsa_id} was changed on GitHub in a way that conflicts with the draft; resolve the conflict "
            "(see the timeline) and push again"
        )
    _triage, drafts = session.services()
    draft = drafts.load(push.case_id)
    if not draft.saved:
        raise PushRefused(f"{push.case_id} has no saved advisory draft any more")
    from triage_tui.github.push_body import advisory_body  # the GHSA format loads only when there is a push

    try:
        return advisory_body(draft.advisory, push.repository, snapshot.remote, session.config)
    except ValueError as error:
        raise PushRefused(f"{push.ghsa_id}: the draft cannot be written as a GitHub advisory: {error}") from None
