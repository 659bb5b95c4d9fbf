"""Refuses an imported record whose lists are larger than any real advisory's or whose ids are not ids: each
export of it validates lists item by item (jsonschema's uniqueItems is quadratic), and ids become file names and
screen text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sized
from datetime import UTC, datetime, timedelta

from triage_tui.advisories.record import Advisory
from triage_tui.store.queries import iso_time

# The largest of each in pypa/advisory-database (2,662 records, measured December 2026): 1,132 versions
# (PYSEC-2023-214), 3 ranges and 30 events in one entry (PYSEC-2024-6, PYSEC-2021-57), 1 affected entry,
# 21 references (PYSEC-2017-65), 4 aliases (PYSEC-2021-104), 2 credits, 2 related. The bounds leave room for
# records of other databases (GHSA lists a package once per range) while keeping an export's checks to seconds:
# the CVE schema's uniqueItems compares a product's versions pairwise (1,132 take 1.2 s, 2,000 take 3.3 s,
# 5,000 take 16 s), so versions and events are bounded over the whole record, not per package only.
MAX_VERSIONS = 2_000
MAX_RANGES = 100
MAX_EVENTS = 1_000
MAX_AFFECTED = 500
MAX_REFERENCES = 1_000
MAX_ALIASES = 200
MAX_CREDITS = 200
MAX_RELATED = 200
MAX_ID_CHARS = 200

OSV_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
"""What an OSV id is made of (`PYSEC-2021-437`, `GHSA-xxxx-xxxx-xxxx`, `CVE-2025-47273`, `x_triage-tui-PSC-…`)."""
_SEPARATORS = frozenset("/\\")


class RecordRefused(ValueError):
    """A record import does not take; the message names the field and why."""


def _bounded(items: Sized, field: str, bound: int) -> None:
    if len(items) > bound:
        raise RecordRefused(f"{field} lists {len(items):,} items; an imported record lists at most {bound:,}")


def _plain_id(text: str, field: str) -> None:
    """Refuse an alias, related or upstream id holding what no id holds: control, format (bidi) or separator
    characters, path separators; real ones may carry stray punctuation (`GHSA-jf66-3q76-h5p5,` in PYSEC-2022-184)."""
    if len(text) > MAX_ID_CHARS:
        raise RecordRefused(f"{field} {text[:40]!r}… is longer than {MAX_ID_CHARS} characters")
    for char in text:
        if unicodedata.category(char)[0] in "CZ" or char in _SEPARATORS:
            raise RecordRefused(f"{field} {text!r} holds {char!r}, which no id holds")


FUTURE_SLACK = timedelta(days=1)
"""How far ahead of this machine's clock a record's time may be (time zones, a clock off by hours)."""


def _not_in_future(advisory: Advisory) -> None:
    """Refuse a record published or modified after tomorrow: a `modified` far ahead would make every real update
    of the record look older than it and never be imported."""
    latest = datetime.now(UTC) + FUTURE_SLACK
    for field, text in (("published", advisory.published), ("modified", advisory.modified)):
        moment = iso_time(text) if text else None
        if moment is not None and moment > latest:
            raise RecordRefused(f"its {field} time {text[:40]!r} is in the future")


def check_record(advisory: Advisory) -> None:
    """Refuse (RecordRefused) a record with a list past its bound or an id that is not one."""
    if advisory.id and (len(advisory.id) > MAX_ID_CHARS or not OSV_ID.fullmatch(advisory.id)):
        raise RecordRefused(
            f"its id {advisory.id[:80]!r} is not an OSV id (letters, digits and . _ : - only, at most "
            f"{MAX_ID_CHARS} characters)"
        )
    _not_in_future(advisory)
    _bounded(advisory.packages, "affected", MAX_AFFECTED)
    for package in advisory.packages:
        where = f"package {package.name[:80]!r}"
        _bounded(package.versions, f"{where} versions", MAX_VERSIONS)
        _bounded(package.events, f"{where} events", MAX_EVENTS)
        _bounded(package.osv_ranges or package.other_ranges, f"{where} ranges", MAX_RANGES)
        for range_ in package.osv_ranges or package.other_ranges:
            events = range_.get("events")
            if isinstance(events, Sized):
                _bounded(events, f"{where} range events", MAX_EVENTS)
    _bounded([v for p in advisory.packages for v in p.versions], "versions (all packages)", MAX_VERSIONS)
    _bounded([e for p in advisory.packages for e in p.events], "events (all packages)", MAX_EVENTS)
    _bounded(advisory.references, "references", MAX_REFERENCES)
    _bounded(advisory.aliases, "aliases", MAX_ALIASES)
    _bounded(advisory.credits, "credits", MAX_CREDITS)
    _bounded(advisory.related, "related", MAX_RELATED)
    _bounded(advisory.upstream, "upstream", MAX_RELATED)
    for field, ids in (("alias", advisory.aliases), ("related", advisory.related), ("upstream", advisory.upstream)):
        for text in ids:
            _plain_id(text, field)
