"""The advisory editor's text fields: how aliases, weaknesses, references and credits are written as text, and read
back into the record with a message per line that cannot be read (the editor shows them beside the field)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from triage_tui.advisories.cwe_names import cwe_name
from triage_tui.advisories.record import (
    Consent,
    Credit,
    CreditRole,
    Reference,
    ReferenceType,
    Weakness,
)

CREDIT_SEPARATOR = "|"
CREDIT_HELP = "role | name | consent | contacts | @github-login"
REFERENCE_HELP = "type url, one a line"
_ID_SPLIT = re.compile(r"[\s,;]+")
T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """What a field's text says, and a message for each part of it that could not be read."""

    value: tuple[T, ...]
    problems: tuple[str, ...] = ()


def aliases_text(aliases: Sequence[str]) -> str:
    """`CVE-2026-1234, GHSA-...`"""
    return ", ".join(aliases)


def parse_aliases(text: str) -> Parsed[str]:
    """Ids separated by commas or spaces (each checked by validation, not here)."""
    return Parsed(tuple(dict.fromkeys(part for part in _ID_SPLIT.split(text.strip()) if part)))


def weaknesses_text(weaknesses: Sequence[Weakness]) -> str:
    """`CWE-22; CWE-1234 A name the table does not hold`: a known CWE's name is not repeated."""
    return "; ".join(w.id if w.name == cwe_name(w.id) else f"{w.id} {w.name}".strip() for w in weaknesses)


def parse_weaknesses(text: str) -> Parsed[Weakness]:
    """CWEs separated by `;`, each its id and optionally its name (a common one is named from the table)."""
    found: list[Weakness] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        cwe_id, _, name = part.partition(" ")
        cwe_id = cwe_id.upper().rstrip(":")
        found.append(Weakness(cwe_id, name.strip() or cwe_name(cwe_id)))
    return Parsed(tuple(found))


def references_text(references: Sequence[Reference]) -> str:
    """One reference a line: `fix https://...`."""
    return "\n".join(f"{str(r.type).lower()} {r.url}" for r in references)


def parse_references(text: str) -> Parsed[Reference]:
    """One reference a line, `TYPE url`; a bare URL is a web page."""
    found: list[Reference] = []
    problems: list[str] = []
    types = {str(t).lower(): t for t in ReferenceType}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) == 1:
            found.append(Reference(ReferenceType.WEB, parts[0]))
        elif len(parts) == 2 and parts[0].lower() in types:
            found.append(Reference(types[parts[0].lower()], parts[1]))
        elif len(parts) == 2:
            problems.append(f"line {number}: {parts[0]!r} is not a type; use one of {', '.join(types)}")
        else:
            problems.append(f"line {number}: expected a type and a URL, like 'fix https://...' (a URL has no spaces)")
    return Parsed(tuple(found), tuple(problems))


def credits_text(credited: Sequence[Credit]) -> str:
    """One credit a line: `finder | Sam Finder | accepted | mailto:sam@example.org | @sam`."""
    lines = []
    for credit in credited:
        parts = [str(credit.role).lower(), credit.name, str(credit.consent), " ".join(credit.contact)]
        if credit.github_login:
            parts.append(f"@{credit.github_login}")
        lines.append(f" {CREDIT_SEPARATOR} ".join(parts).rstrip(f" {CREDIT_SEPARATOR}"))
    return "\n".join(lines)


def parse_credits(text: str) -> Parsed[Credit]:
    """One credit a line; role and name are needed, consent is pending unless said."""
    found: list[Credit] = []
    problems: list[str] = []
    roles = {str(role).lower(): role for role in CreditRole} | {
        str(role).lower().replace("_", " "): role for role in CreditRole
    }
    consents = {str(consent): consent for consent in Consent}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(CREDIT_SEPARATOR)]
        if len(parts) < 2 or not parts[1]:
            problems.append(f"line {number}: expected '{CREDIT_HELP}' (role and name are needed)")
            continue
        role = roles.get(parts[0].lower())
        if role is None:
            problems.append(f"line {number}: {parts[0]!r} is not a role ({', '.join(r.lower() for r in CreditRole)})")
            continue
        consent_text = parts[2].lower() if len(parts) > 2 and parts[2] else "pending"
        consent = consents.get(consent_text)
        if consent is None:
            problems.append(f"line {number}: consent is pending, accepted or declined, not {parts[2]!r}")
            continue
        contact = tuple(parts[3].split()) if len(parts) > 3 else ()
        login = parts[4].removeprefix("@") if len(parts) > 4 else ""
        found.append(Credit(parts[1], role, contact, consent, login))
    return Parsed(tuple(found), tuple(problems))
