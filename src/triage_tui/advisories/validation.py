"""The product's own checks of an advisory record, field by field, before any format leaves the workstation:
required fields, well-formed ids, CVSS vectors that parse, PEP 440 versions and ranges, agreement with the matrix."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.cwe_names import CWE_ID, cwe_name
from triage_tui.advisories.record import Advisory, Consent, Ecosystem, PackageImpact
from triage_tui.impact_words import status_in_words
from triage_tui.severity import cvss_problem
from triage_tui.untrusted import BIDI_CONTROLS, DEL_AND_C1, INVISIBLE_FORMAT, LONE_ZWJ

SUMMARY_LIMIT = 1024
"""GitHub's limit for an advisory's summary, the tightest of the formats."""
CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")
ALIAS_PATTERNS = {
    "CVE": CVE_ID,
    "GHSA": re.compile(r"^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$"),
    "PYSEC": re.compile(r"^PYSEC-[0-9]{4}-[0-9]+$"),
}
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_INVISIBLE = DEL_AND_C1 + BIDI_CONTROLS + INVISIBLE_FORMAT
"""DEL, C1 controls, the bidi marks and overrides and invisible characters (with a zero-width joiner outside an
emoji): never in advisory text (they hide or reorder what is read)."""
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]|{LONE_ZWJ}")
_CONTROL_OR_BREAK = re.compile(f"[\x00-\x1f{_INVISIBLE}\u2028\u2029]|{LONE_ZWJ}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Level(StrEnum):
    """An error blocks export; a warning is shown but lets it go."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of the record."""

    field: str
    message: str
    level: Level = Level.ERROR


def _error(field: str, message: str) -> Problem:
    return Problem(field, message)


def _check_text(advisory: Advisory) -> list[Problem]:
    problems: list[Problem] = []
    summary = advisory.summary.strip()
    if not summary:
        problems.append(_error("summary", "required: one line saying what the flaw lets an attacker do"))
    elif _CONTROL_OR_BREAK.search(advisory.summary):
        problems.append(_error("summary", "must be one line without control characters"))
    elif len(summary) > SUMMARY_LIMIT:
        problems.append(_error("summary", f"{len(summary)} characters; GitHub takes at most {SUMMARY_LIMIT}"))
    elif len(summary) > 120:
        problems.append(Problem("summary", "over 120 characters: OSV advises a short summary", Level.WARNING))
    if not advisory.details.strip():
        problems.append(_error("details", "required: what is affected, how, and what to do (GHSA and CVE need it)"))
    elif _CONTROL.search(advisory.details):
        problems.append(_error("details", "contains control characters (pasted from a terminal?)"))
    if advisory.withdrawn is not None and _CONTROL.search(advisory.withdrawn.reason):
        problems.append(_error("withdrawn", "the reason for the withdrawal contains control characters"))
    return problems


def _check_ids(advisory: Advisory) -> list[Problem]:
    problems: list[Problem] = []
    for alias in advisory.aliases:
        prefix = alias.split("-", 1)[0]
        pattern = ALIAS_PATTERNS.get(prefix)
        if pattern is None:
            problems.append(_error("aliases", f"{alias!r}: expected a CVE-, GHSA- or PYSEC- id"))
        elif not pattern.fullmatch(alias):
            problems.append(_error("aliases", f"{alias!r} is not a well-formed {prefix} id"))
    if sum(alias.startswith("CVE-") for alias in advisory.aliases) > 1:
        problems.append(_error("aliases", "more than one CVE id: one advisory describes one CVE"))
    if len(set(advisory.aliases)) != len(advisory.aliases):
        problems.append(_error("aliases", "an id is listed twice"))
    for weakness in advisory.weaknesses:
        if not CWE_ID.fullmatch(weakness.id):
            problems.append(_error("weaknesses", f"{weakness.id!r} is not a CWE id like CWE-22"))
        elif _CONTROL_OR_BREAK.search(weakness.name):
            problems.append(
                _error("weaknesses", f"{weakness.id}: its name must be one line without control characters")
            )
        elif not weakness.name.strip():
            problems.append(
                _error(
                    "weaknesses",
                    f"{weakness.id} needs its name: write '{weakness.id} Its name' (CSAF and CVE carry it)",
                )
            )
        elif (official := cwe_name(weakness.id)) and weakness.name != official:
            # CSAF's validators check the name against the catalogue (test 6.1.11), and so do readers of CVE records.
            problems.append(
                _error("weaknesses", f"{weakness.id} is officially named {official!r}, not {weakness.name!r}")
            )
    return problems


def _check_severity(advisory: Advisory) -> list[Problem]:
    problems: list[Problem] = []
    for field, vector, prefixes in (
        ("cvss_v3", advisory.cvss_v3, ("CVSS:3.1/", "CVSS:3.0/")),
        ("cvss_v4", advisory.cvss_v4, ("CVSS:4.0/",)),
    ):
        if not vector:
            continue
        if not vector.startswith(prefixes):
            problems.append(_error(field, f"expected a vector starting with {' or '.join(prefixes)}"))
        elif (reason := cvss_problem(vector)) is not None:
            problems.append(_error(field, f"does not parse: {reason}"))
    # A withdrawn advisory has to say that it is withdrawn, not what it once said (a rejected CVE says nothing more).
    if not advisory.cvss_v3 and not advisory.cvss_v4 and advisory.withdrawn is None:
        problems.append(_error("cvss_v3", "set a CVSS 3.1 or 4.0 vector: every format carries a severity"))
    return problems


def _check_events(package: PackageImpact) -> list[Problem]:
    label = f"{package.project}/{package.name}"
    problems: list[Problem] = []
    if package.is_affected and not package.events:
        return [_error("packages", f"{label}: affected, but no affected versions")]
    if package.events and package.events[0][0] != "introduced":
        problems.append(_error("packages", f"{label}: the versions must start with an introduced one"))
    previous: Version | None = None
    for kind, text in package.events:
        if kind not in ("introduced", "fixed", "last_affected"):
            problems.append(_error("packages", f"{label}: unknown event {kind!r}"))
            continue
        if package.ecosystem != Ecosystem.PYPI:
            continue  # conda versions are not PEP 440; their order is conda's business
        try:
            version = Version(text)
        except InvalidVersion:
            problems.append(_error("packages", f"{label}: {text!r} is not a PEP 440 version"))
            continue
        if previous is not None and version < previous:
            problems.append(_error("packages", f"{label}: {kind} {text} comes before {previous}: ranges overlap"))
        previous = version
    return problems


def _check_packages(advisory: Advisory, matrix: Sequence[PackageImpact] | None) -> list[Problem]:
    problems: list[Problem] = []
    if not advisory.affected() and advisory.withdrawn is None:
        problems.append(_error("packages", "no affected package: set the affected projects in the impact matrix"))
    seen: set[tuple[str, str]] = set()
    for package in advisory.packages:
        problems += _check_events(package)
        if (package.project, package.name) in seen:
            problems.append(_error("packages", f"{package.project}/{package.name} is listed twice; merge its ranges"))
        seen.add((package.project, package.name))
    if matrix is not None:
        mine = {(p.project, p.name): p for p in advisory.packages}
        theirs = {(p.project, p.name): p for p in matrix}
        for key in sorted(mine.keys() | theirs.keys()):
            here, there = mine.get(key), theirs.get(key)
            if here is not None and there is not None and (here.status, here.events) == (there.status, there.events):
                continue
            said_here = status_in_words(here.status, here.events) if here else "nothing"
            said_there = status_in_words(there.status, there.events) if there else "nothing"
            problems.append(
                _error(
                    "packages",
                    f"{key[0]}/{key[1]}: the draft says {said_here}, the matrix says {said_there}; "
                    "refresh the draft from the matrix or fix the matrix",
                )
            )
    return problems


def _check_links(advisory: Advisory) -> list[Problem]:
    problems: list[Problem] = []
    if not advisory.references and advisory.withdrawn is None:
        problems.append(_error("references", "at least one is needed (CVE records require one)"))
    for reference in advisory.references:
        parts = urlsplit(reference.url)
        if parts.scheme not in ("https", "http") or not parts.netloc or _CONTROL_OR_BREAK.search(reference.url):
            problems.append(_error("references", f"{reference.url!r} is not an http(s) URL"))
        elif " " in reference.url:
            problems.append(_error("references", f"{reference.url!r} contains a space"))
    for credit in advisory.credits:
        if not credit.name.strip() or _CONTROL_OR_BREAK.search(credit.name):
            problems.append(_error("credits", f"{credit.name!r}: a name is one line of text"))
        for contact in credit.contact:
            if urlsplit(contact).scheme not in ("mailto", "https", "http") or _CONTROL_OR_BREAK.search(contact):
                problems.append(_error("credits", f"{credit.name}: contact {contact!r} is not a mailto: or https: URL"))
        if _EMAIL.fullmatch(credit.name.strip()):
            problems.append(
                Problem("credits", f"{credit.name}: an email address as the name; ask how to credit", Level.WARNING)
            )
        if credit.github_login and not GITHUB_LOGIN.fullmatch(credit.github_login):
            problems.append(_error("credits", f"{credit.name}: {credit.github_login!r} is not a GitHub login"))
        if credit.consent == Consent.PENDING:
            problems.append(
                Problem("credits", f"{credit.name}: consent pending, so not named in any format yet", Level.WARNING)
            )
    return problems


def validate(advisory: Advisory, matrix: Sequence[PackageImpact] | None = None) -> list[Problem]:
    """Every problem of the record, field by field; `matrix` is what the matrix says now, to compare with."""
    return [
        *_check_text(advisory),
        *_check_ids(advisory),
        *_check_severity(advisory),
        *_check_packages(advisory, matrix),
        *_check_links(advisory),
    ]


def errors(problems: Sequence[Problem]) -> list[Problem]:
    """The problems that block an export."""
    return [problem for problem in problems if problem.level == Level.ERROR]
