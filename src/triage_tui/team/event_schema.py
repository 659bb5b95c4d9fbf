"""The declared shape of a team event (a JSON Schema): every field's type, nulls, allowed values and sizes, checked
before an event is applied, so an event that passes cannot fail half-way through applying it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from triage_tui.domain import CaseState, Disposition, ImpactStatus, VexJustification

CASE_ID = r"^PSC-[0-9]{4}-[0-9]{4,9}$"
"""A case id (`domain.format_case_id`): four-digit year, at most nine digits of number, so both fit a column."""
ROSTER_CASE = "roster"
"""The reserved `case` of roster events (no case is ever called that; they are never materialized as a case)."""
ROSTER_KINDS = frozenset({"member-add", "member-remove", "key-rotate", "key-revoke"})
"""The kinds of roster events (DESIGN section 5): only they carry `roster`, and only with the case ROSTER_CASE."""
ROSTER_PROJECT = r"^(?!coordinators$)[a-z0-9][a-z0-9._-]{0,63}$"
"""A project a roster member maintains: also the name of its folder on the server, so never `coordinators`."""
MAX_ARMORED_KEY = 64 * 1024
"""The largest ASCII-armoured public key a roster event carries."""
MAX_PROOF = 16 * 1024
"""The largest armoured detached signature (a key rotation's proof)."""
PROJECT_ID = r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]{1,100}$"
"""A project id as a config names it (any TOML key): one short line with no control or bidi character (a project
this workstation does not know yet is known by its id once a cell of it applies)."""
FINGERPRINT = r"^[0-9A-F]{40}$"
REF_KINDS = ("ghsa:", "hash:", "mid:")
"""The forms of a team event's `ref` (the report it names): a GitHub advisory's id, its first message's content hash,
or (only in events from earlier versions) that message's Message-ID."""
REF = "^(" + "|".join(kind.rstrip(":") for kind in REF_KINDS) + "):"
CASE_REF = "^(ghsa|hash):"
"""A `case` naming the case by its report (the event's `ref` again): what a workstation of a team with a roster
writes, so nothing it sends carries its own case numbers (their gaps would tell a maintainer how many other cases
the coordinators hold). Never an earlier version's `mid:` form, which only ever came with a case id."""
SHORT_TEXT = 1_000
"""Titles, names, reasons, labels' and fields' values: one line a person typed."""
LONG_TEXT = 256 * 1024
"""Notes and shared messages' text: as much as a whole event may hold (team_events.MAX_EVENT_BYTES)."""


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema`, or null."""
    return {"anyOf": [{"type": "null"}, dict(schema)]}


def _pair(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """`[old, new]` as the author saw the field."""
    return {"type": "array", "prefixItems": [dict(old), dict(new)], "minItems": 2, "maxItems": 2}


def _text(limit: int = SHORT_TEXT, *, pattern: str | None = None, min_length: int = 0) -> dict[str, Any]:
    """A string of `min_length` to `limit` characters, matching `pattern` if given."""
    schema: dict[str, Any] = {"type": "string", "minLength": min_length, "maxLength": limit}
    if pattern is not None:
        schema["pattern"] = pattern
    return schema


def _one_of(values: Iterable[object]) -> dict[str, Any]:
    """One of `values` (an enum's members included), as text."""
    return {"enum": sorted(str(value) for value in values)}


_STATE = _one_of(CaseState)
_DISPOSITION = _one_of(Disposition)
_LABELS = {"type": "array", "items": _text(100), "maxItems": 200}
_CVSS3 = _text(200, pattern=r"^CVSS:3\.[01](/[A-Z]{1,3}:[A-Z])+$")
_CVSS4 = _text(300, pattern=r"^CVSS:4\.0(/[A-Z]{1,3}:[A-Za-z]+)+$")
# Another case (duplicate-of) is named by the report it is (a ref); events of earlier versions named it by their
# author's case id, which is kept readable but never taken for a case here (team_log.named_case).
_OTHER_CASE = {"anyOf": [_text(pattern=REF), _text(pattern=CASE_ID)]}
_TIME = _text(pattern=r"^[0-9]{16}-[0-9]{8}$")
_ROSTER_MEMBER = {
    "type": "object",
    "required": ["name", "email", "role", "projects", "imap_user", "fingerprint", "key"],
    "properties": {
        "name": _text(200, min_length=1),
        "email": _text(320, min_length=3),
        "role": {"enum": ["coordinator", "maintainer"]},
        "projects": {"type": "array", "items": _text(64, pattern=ROSTER_PROJECT), "maxItems": 100, "uniqueItems": True},
        "imap_user": _nullable(_text(320, min_length=1)),
        "fingerprint": _text(pattern=FINGERPRINT),
        "key": _text(MAX_ARMORED_KEY, min_length=1),
    },
    "additionalProperties": False,
}
# One object for the four kinds: which fields each kind holds exactly is checked in Python (`team_events`), since a
# JSON Schema `oneOf` names no useful problem when it fails.
_ROSTER = {
    "type": "object",
    "minProperties": 1,
    "properties": {
        "member": _ROSTER_MEMBER,
        "fingerprint": _text(pattern=FINGERPRINT),
        "old": _text(pattern=FINGERPRINT),
        "new": _text(pattern=FINGERPRINT),
        "key": _text(MAX_ARMORED_KEY, min_length=1),
        "proof": _text(MAX_PROOF, min_length=1),
        "since": _TIME,
    },
    "additionalProperties": False,
}
_CELL = {
    "type": "object",
    "properties": {
        "status": _one_of(ImpactStatus),
        "ranges": {"type": "array", "items": _text(200, min_length=1), "maxItems": 50},
        "fixed_version": _nullable(_text(100, min_length=1)),
        "justification": _nullable(_one_of(VexJustification)),
        "notes": _text(LONG_TEXT),
    },
    "additionalProperties": False,
}
# A shared case's texts are a report's as it came (a subject or a name can be long): only the event's size bounds them.
_SHARED_MESSAGE = {
    "type": "object",
    "properties": {
        "from": _nullable(_text(LONG_TEXT)),
        "date": _nullable(_text(64)),
        "subject": _nullable(_text(LONG_TEXT)),
        "body": _nullable(_text(LONG_TEXT)),
    },
    "additionalProperties": False,
}

EVENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "triage-tui team event",
    "type": "object",
    "required": ["format", "case", "author", "at", "kind"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "triage-tui-event/1"},
        "case": {"anyOf": [_text(pattern=f"{CASE_ID}|{CASE_REF}"), {"const": ROSTER_CASE}]},
        "author": _text(pattern=FINGERPRINT),
        "at": _text(pattern=r"^[0-9]{16}-[0-9]{8}$"),
        "kind": _text(40, pattern=r"^[a-z][a-z0-9-]*$"),
        "changes": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                # A case always has a state and a title: neither can be set to null.
                "state": _pair(_nullable(_STATE), _STATE),
                "title": _pair(_nullable(_text()), _text(min_length=1)),
                "disposition": _pair(_nullable(_DISPOSITION), _nullable(_DISPOSITION)),
                "disposition_reason": _pair(_nullable(_text()), _nullable(_text())),
                "assignee": _pair(_nullable(_text()), _nullable(_text())),
                # A zoned ISO date and time; its range is checked in Python (team_events), JSON Schema cannot.
                "embargo_until": _pair(_nullable(_text(64)), _nullable(_text(64))),
                "cvss_vector": _pair(_nullable(_CVSS3), _nullable(_CVSS3)),
                "cvss4_vector": _pair(_nullable(_CVSS4), _nullable(_CVSS4)),
                "duplicate_of": _pair(_nullable(_OTHER_CASE), _nullable(_OTHER_CASE)),
                "labels": _pair(_LABELS, _LABELS),
            },
        },
        "impacts": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 100,
            "propertyNames": {"pattern": PROJECT_ID},
            "additionalProperties": _nullable(_CELL),
        },
        "note": _text(LONG_TEXT),
        "share": {
            "type": "object",
            "properties": {
                "title": _nullable(_text(LONG_TEXT)),
                "reporter": _nullable(_text(LONG_TEXT)),
                "received_at": _nullable(_text(64)),
                "projects": {"type": "array", "items": _text(pattern=PROJECT_ID), "maxItems": 100},
                "messages": {"type": "array", "items": _SHARED_MESSAGE, "maxItems": 1000},
            },
            "additionalProperties": False,
        },
        "key": {
            "type": "object",
            "required": ["address", "fingerprint"],
            "properties": {"address": _text(320, min_length=3), "fingerprint": _text(pattern=FINGERPRINT)},
            "additionalProperties": False,
        },
        "ref": _text(pattern=REF),
        "roster": _ROSTER,
    },
}

Draft202012Validator.check_schema(EVENT_SCHEMA)
_VALIDATOR = Draft202012Validator(EVENT_SCHEMA)


def schema_problem(body: object) -> str | None:
    """What in `body` breaks the declared shape (the first problem, where it is and why), or None if nothing."""
    error = best_match(_VALIDATOR.iter_errors(body))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "the event"
    # The message quotes the offending value: kept short, since the reason is stored and listed under R.
    message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
    return f"{where}: {message}"
