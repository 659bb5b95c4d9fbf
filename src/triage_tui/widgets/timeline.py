"""Provides the case timeline: every recorded event as one readable line ("alex set state new → triage").

Authors, assignees, labels and notes can carry untrusted text, so every line is built as `Content` from neutralised
parts and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from textual.content import Content

from triage_tui.change_words import change_pairs, change_words, field_words, value_words
from triage_tui.untrusted import neutralise_line


class EventLike(Protocol):
    """What the timeline needs of an event (the store's `EventView` and the service's `Event` both fit)."""

    @property
    def id(self) -> int: ...
    @property
    def author(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


def _short(value: object, width: int = 60) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_event(event: EventLike) -> str:
    """What an event did, after its author: "set state new → triage", "assigned team:pip", "undo of #12"."""
    payload = event.payload
    changes = change_pairs(payload)
    kind = event.kind
    if kind == "state" and "state" in changes:
        old, new = changes["state"]
        return f"set state {value_words('state', old)} → {value_words('state', new)}"
    if kind == "close":
        disposition = value_words("disposition", changes.get("disposition", (None, None))[1])
        reason = changes.get("disposition_reason", (None, None))[1]
        return f"closed as {disposition}" + (f" ({reason})" if reason else "")
    if kind == "assign":
        new = changes.get("assignee", (None, None))[1]
        return f"assigned {new}" if new else "cleared the assignee"
    if kind == "labels":
        return f"set labels {value_words('labels', changes.get('labels', (None, '[]'))[1])}"
    if kind == "note":
        first = str(payload.get("text", "")).strip().splitlines()
        return "added a note: " + (first[0][:60] if first else "")
    if kind == "duplicate":
        return f"closed as duplicate of {value_words('duplicate_of', changes.get('duplicate_of', (None, None))[1])}"
    if kind == "merge":
        reporters = payload.get("reporters") or []
        names = ", ".join(str(r.get("email") or r.get("name") or "?") for r in reporters if isinstance(r, dict))
        return f"merged {payload.get('from', '?')} into this case" + (f" (reporters: {names})" if names else "")
    if kind == "undo":
        return f"undo of #{payload.get('undoes', '?')}"
    if kind == "impact":
        # A project not linked before (`before` None) was never checked: unknown, as its matrix row shows it.
        before, after = payload.get("before") or {"status": "unknown"}, payload.get("after") or {}
        fixed = f" in {after['fixed_version']}" if after.get("fixed_version") else ""
        return f"set {payload.get('project', '?')} {before.get('status', '?')} → {after.get('status', '?')}{fixed}"
    if kind == "key-accepted":
        return f"accepted {payload.get('fingerprint', '?')} as the key of {payload.get('address', '?')}"
    if kind == "impact-removed":
        return f"unlinked {payload.get('project', '?')}: nothing more is shared with its maintainers"
    if kind == "advisory":
        fields = payload.get("fields") or []
        what = ", ".join(str(f) for f in fields) if isinstance(fields, list) else "?"
        return "drafted the advisory" if payload.get("first") else f"edited the advisory ({what})"
    if kind == "github-update":
        parts = [f"{field_words(field)} → {_short(new)}" for field, (_old, new) in changes.items()]
        state = payload.get("state")
        if isinstance(state, list) and len(state) == 2:
            parts.append(f"state {state[0]} → {state[1]}")
        return f"GitHub changed {payload.get('ghsa', '?')}: " + ("; ".join(parts) or "nothing tracked")
    if kind == "github-conflict":
        return (
            f"CONFLICT on {payload.get('field', '?')}: GitHub says {_short(payload.get('remote'))}, "
            f"here {_short(payload.get('local'))} (kept; decide and edit)"
        )
    if kind == "team-conflict":
        return (
            f"CONCURRENT decisions on {payload.get('field', '?')}: {_short(payload.get('kept'))} stands over "
            f"{_short(payload.get('overwritten'))} (made without seeing each other)"
        )
    if kind == "github-push":
        outcome = payload.get("state")
        where = f"{payload.get('repository', '?')} {payload.get('ghsa', '?')}"
        if outcome == "sent":
            return f"pushed the advisory to {where}"
        return f"push to {where} {outcome}: {_short(payload.get('error'))}"
    if kind in ("outbox-retry", "outbox-cancel"):
        what = "queued again" if kind == "outbox-retry" else "cancelled"
        return f"{what} {payload.get('item', '?')} in the outbox"
    if kind == "advisory-export":
        formats = payload.get("formats") or []
        what = ", ".join(str(f) for f in formats) if isinstance(formats, list) else "?"
        embargoed = " under embargo" if payload.get("embargoed") else ""
        return f"exported the advisory ({what}){embargoed} to {payload.get('to', '?')}"
    if kind == "reply.queued":
        return f"queued an encrypted reply to {_recipients(payload)}" + _template(payload)
    if kind == "reply.sent":
        return f"sent the encrypted reply to {_recipients(payload)}"
    if changes:
        parts = [change_words(field, old, new) for field, (old, new) in changes.items()]
        return "set " + "; ".join(parts)
    return UNCHANGED_WORDS.get(kind, UNKNOWN_KIND)


UNCHANGED_WORDS = {
    "state": "left the state as it was",
    "assign": "left the assignee as it was",
    "labels": "left the labels as they were",
    "severity": "left the severity as it was",
    "embargo": "left the embargo as it was",
    "title": "left the title as it was",
    "team-decision": "made a team decision that changed nothing here",
}
"""What an event of a kind that sets fields says when its payload names no change (a team member's decision that
was already so here, or an undo's own record)."""
UNKNOWN_KIND = "recorded a change this version of triage-tui does not describe"
"""The line of a kind no version so far writes (a newer workstation's): a sentence, never the kind's raw name."""
DESCRIBED_KINDS = frozenset(
    {
        *UNCHANGED_WORDS,
        "close",
        "note",
        "duplicate",
        "merge",
        "undo",
        "impact",
        "key-accepted",
        "impact-removed",
        "advisory",
        "github-update",
        "github-conflict",
        "team-conflict",
        "github-push",
        "advisory-export",
        "reply.queued",
        "reply.sent",
    }
)
"""Every event kind `describe_event` puts in words (a test checks that every kind the code writes is here)."""


def _recipients(payload: Mapping[str, Any]) -> str:
    to = payload.get("to")
    if isinstance(to, list) and to:
        return ", ".join(str(address) for address in to)
    return "the reporter"


def _template(payload: Mapping[str, Any]) -> str:
    template = payload.get("template")
    return f" (from the {template} template)" if template else ""


def author_shown(author: str, names: Mapping[str, str] | None) -> str:
    """Who made an event, as shown: the member's name when the roster knows the key (a team event's author is a key
    fingerprint), else as recorded (a decision made here is recorded under its author's name)."""
    return (names or {}).get(author.upper(), author) if author else author


def event_line(event: EventLike, names: Mapping[str, str] | None = None) -> Content:
    """One timeline line: number, time, author (named by the roster when it knows them) and what changed."""
    return Content.assemble(
        (f"#{event.id} ", "$text-muted"),
        (event.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"),
        "  ",
        (neutralise_line(author_shown(event.author, names)), "bold"),
        " ",
        neutralise_line(describe_event(event)),
    )


def timeline_content(
    events: Iterable[EventLike], names: Mapping[str, str] | None = None, *, newest_first: bool = False
) -> Content:
    """Every event, oldest first (or newest first), one per line; a dim placeholder when there are none. `names`:
    the roster's members by key fingerprint."""
    lines = [event_line(event, names) for event in events]
    if newest_first:
        lines.reverse()
    if not lines:
        return Content.styled("no decisions recorded yet", "$text-muted")
    return Content("\n").join(lines)
