"""The three-way merge of a change made on GitHub into the case's advisory draft: GitHub's new value is taken where
the field is as the last sync left it here, a conflict for the coordinator where it was changed here too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from triage_tui.advisories.record import Advisory
from triage_tui.severity import severity_of

DRAFT_FIELDS = ("summary", "details", "cvss_v3", "cvss_v4", "weaknesses", "credits", "packages")
"""The draft's fields an advisory also holds, compared field by field on every remote change. After a case is
made, GitHub's changes go to its draft (the advisory being prepared), not to the report's title or the case's own
score, which are the coordinator's."""


@dataclass(frozen=True)
class FieldConflict:
    """A field changed both here and on GitHub, to different values: never overwritten, shown to the coordinator."""

    field: str
    local: object
    remote: object


@dataclass
class DraftMerge:
    """What a remote change does to the draft: the fields taken (old and new value), the conflicts, and the draft
    to save (None when it does not change)."""

    changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    draft: Advisory | None = None


def merge_into_draft(mine: Advisory | None, old: Advisory, new: Advisory) -> DraftMerge:
    """Merge the advisory's change on GitHub (`old` as last synced, `new` now) into the saved draft `mine`."""
    merge = DraftMerge()
    if mine is None:
        return merge
    values: dict[str, Any] = {}  # each field's own type
    for name in DRAFT_FIELDS:
        local = _comparable(name, getattr(mine, name))
        was = _comparable(name, getattr(old, name))
        remote = _comparable(name, getattr(new, name))
        if remote == was or remote == local:
            continue
        if local == was:
            merge.changes[f"advisory {name}"] = (local, remote)
            values[name] = remote
        else:
            merge.conflicts.append(FieldConflict(f"advisory {name}", local, remote))
    merged = replace(mine, **values)
    if merged != mine:
        merge.draft = merged
    return merge


def _comparable(name: str, value: object) -> object:
    """A vector in its canonical form (GitHub may order the metrics differently), anything else as it is."""
    if name in ("cvss_v3", "cvss_v4") and isinstance(value, str):
        scored = severity_of(value)
        return scored.vector if scored is not None else value
    return value


def printable_changes(changes: Mapping[str, tuple[object, object]]) -> dict[str, list[object]]:
    """The fields taken, as the `github-update` event records them."""
    return {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}


def printable_conflict(conflict: FieldConflict, remote: Mapping[str, Any]) -> dict[str, object]:
    """A conflict, as the `github-conflict` event records it."""
    return {
        "ghsa": remote.get("ghsa_id"),
        "field": conflict.field,
        "local": _plain(conflict.local),
        "remote": _plain(conflict.remote),
    }


def _plain(value: object) -> object:
    """A field value as JSON can hold it (records' tuples of dataclasses as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)[:500]
