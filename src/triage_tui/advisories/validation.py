"""The product's own checks of an advisory record, field by field, before any format leaves the workstation:
what each format requires (errors), well-formed data (errors) and the team's own policy (warnings: a summary, a
vector, the draft agreeing with the matrix for a configured project)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.cwe_names import CWE_ID, cwe_name
from triage_tui.advisories.ranges import event_spans
from triage_tui.advisories.record import Advisory, Consent, Ecosystem, PackageImpact
from triage_tui.advisories.well_formed import malformed
from triage_tui.domain import ImpactStatus
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
LEGACY_VERSION = re.compile(r"[0-9][0-9A-Za-z._+!-]*")
"""A release version PyPI may hold though PEP 440 cannot read it: a digit first, no spaces or commas."""
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_INVISIBLE = DEL_AND_C1 + BIDI_CONTROLS + INVISIBLE_FORMAT
"""DEL, C1 controls, the bidi marks and overrides and invisible characters (with a zero-width joiner outside an
emoji): never in advisory text (they hide or reorder what is read)."""
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_INVISIBLE}]|{LONE_ZWJ}")
"""Control characters in multi-line text: tabs, line feeds and carriage returns (CRLF, or a lone CR) are text."""
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


def _warning(field: str, message: str) -> Problem:
    return Problem(field, message, Level.WARNING)


def _required(field: str, message: str, fmt: str | None, requiring: frozenset[str]) -> Problem:
    """A problem that blocks the formats `requiring` (with no format, any format) and is only said for others."""
    needed = fmt is None or fmt in requiring
    return Problem(field, message, Level.ERROR if needed else Level.WARNING)


_SPELLED = {"ghsa": "GHSA", "cve": "CVE", "cve-cna": "CVE", "csaf": "CSAF"}


def _missing(field: str, wish: str, fmt: str | None, requiring: frozenset[str]) -> Problem:
    """An empty field: `required by ghsa: ...` where `fmt` needs it, else (a warning) which formats do."""
    names = " and ".join(dict.fromkeys(_SPELLED[name] for name in sorted(requiring)))
    if fmt is not None and fmt in requiring:
        return Problem(field, f"required by {fmt}: {wish}", Level.ERROR)
    if fmt is None:
        return Problem(field, f"required by {names}: {wish}", Level.ERROR)
    return Problem(field, f"empty; required by {names} (not by {fmt}): {wish}", Level.WARNING)


NEED_SUMMARY = frozenset({"ghsa"})
"""GitHub's API refuses an advisory without a summary (CSAF's title falls back to the record's ids and packages)."""
NEED_DESCRIPTION = frozenset({"ghsa", "cve", "cve-cna"})
"""GitHub's API needs a description; a CVE record needs one (the details, else the summary)."""
NEED_REFERENCES = frozenset({"cve", "cve-cna"})
NEED_PACKAGES = frozenset({"cve", "cve-cna", "ghsa", "csaf"})
"""CVE needs affected products, GitHub vulnerabilities, CSAF a product with a status; OSV needs none."""
NEED_CWE_NAME = frozenset({"csaf"})
"""CSAF's `cwe` holds a name beside the id; CVE and GitHub take the id alone."""


def _check_text(advisory: Advisory, fmt: str | None) -> list[Problem]:
    problems: list[Problem] = []
    summary = advisory.summary.strip()
    withdrawn = advisory.withdrawn is not None
    if not summary:
        message = "one line saying what the flaw lets an attacker do"
        if not withdrawn or fmt in NEED_SUMMARY:
            problems.append(_missing("summary", message, fmt, NEED_SUMMARY))
    elif _CONTROL_OR_BREAK.search(advisory.summary):
        problems.append(_error("summary", "must be one line without control characters"))
    elif len(summary) > SUMMARY_LIMIT:
        message = f"{len(summary)} characters; GitHub takes at most {SUMMARY_LIMIT}"
        problems.append(_required("summary", message, fmt, frozenset({"ghsa"})))
    elif len(summary) > 120:
        problems.append(_warning("summary", "over 120 characters: OSV advises a short summary"))
    if not advisory.details.strip():
        # A CVE record's description is the details, else the summary: only GitHub needs both.
        need = NEED_DESCRIPTION if not summary else frozenset({"ghsa"})
        if not withdrawn:
            words = "what is affected, how, and what to do"
            problems.append(_missing("details", words, fmt, need))
    elif _CONTROL.search(advisory.details):
        problems.append(_error("details", "contains control characters (pasted from a terminal?)"))
    if advisory.withdrawn is not None and _CONTROL.search(advisory.withdrawn.reason):
        problems.append(_error("withdrawn", "the reason for the withdrawal contains control characters"))
    return problems


def _check_ids(advisory: Advisory, fmt: str | None) -> list[Problem]:
    problems: list[Problem] = []
    for alias in advisory.aliases:
        prefix = alias.split("-", 1)[0]
        pattern = ALIAS_PATTERNS.get(prefix)
        if _CONTROL_OR_BREAK.search(alias) or not alias.strip():
            problems.append(_error("aliases", f"{alias!r}: an id is one line of text"))
        elif pattern is None:
            # Other databases' ids (SNYK-..., BIT-...) are kept as they are; only CVE, GHSA and PYSEC are checked.
            problems.append(_warning("aliases", f"{alias!r}: not a CVE-, GHSA- or PYSEC- id; kept as it is"))
        elif not pattern.fullmatch(alias):
            problems.append(_error("aliases", f"{alias!r} is not a well-formed {prefix} id"))
    if sum(alias.startswith("CVE-") for alias in advisory.aliases) > 1:
        message = "more than one CVE id: a CVE record and GitHub's cve_id hold one"
        problems.append(_required("aliases", message, fmt, frozenset({"cve", "ghsa"})))
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
            message = f"{weakness.id} needs its name: write '{weakness.id} Its name' (CSAF carries it)"
            problems.append(_required("weaknesses", message, fmt, NEED_CWE_NAME))
        elif (official := cwe_name(weakness.id)) and weakness.name != official:
            # CSAF's validators check the name against the catalogue (test 6.1.11), and so do readers of CVE records.
            message = f"{weakness.id} is officially named {official!r}, not {weakness.name!r}"
            problems.append(_required("weaknesses", message, fmt, NEED_CWE_NAME))
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
    # No format requires a severity: it is the team's own rule (a withdrawn advisory says only that it is withdrawn).
    if not advisory.cvss_v3 and not advisory.cvss_v4 and advisory.withdrawn is None:
        problems.append(_warning("cvss_v3", "no CVSS 3.1 or 4.0 vector: set one so every format carries a severity"))
    return problems


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


_Span = tuple[Version, Version | None, str]
"""A span of affected versions: where it starts, where it ends (None: open) and how (`fixed`, `last_affected`)."""


def _check_events(package: PackageImpact, spans: list[_Span]) -> list[Problem]:
    """The package's events: known kinds, PEP 440 versions (PyPI), each span in order; its readable spans are added
    to `spans`, to be checked for overlap with those of the package's other entries."""
    label = f"{package.project}/{package.name}"
    if package.is_affected and not package.events and not package.versions and not package.other_ranges:
        # Valid in OSV (a withdrawn PYSEC record has one), and every format can say "versions unknown".
        return [_warning("packages", f"{label}: affected, but no affected versions")]
    problems: list[Problem] = []
    if package.events and package.events[0][0] != "introduced":
        problems.append(_error("packages", f"{label}: the versions must start with an introduced one"))
    for kind, _text in package.events:
        if kind not in ("introduced", "fixed", "last_affected"):
            problems.append(_error("packages", f"{label}: unknown event {kind!r}"))
    if problems or package.ecosystem != Ecosystem.PYPI:
        return problems  # conda versions are not PEP 440; their order is conda's business
    for span in event_spans(package.events):
        versions = [(kind, text, _version(text)) for kind, text in span]
        unread = [text for _kind, text, version in versions if version is None]
        for text in unread:
            # PyPI still serves releases with pre-PEP 440 versions (`0.2.0-n653`): a record may name them as
            # written; anything else is not a version at all.
            legacy = LEGACY_VERSION.fullmatch(text) is not None
            message = f"{label}: {text!r} is not a PEP 440 version" + ("; kept as written" if legacy else "")
            problems.append(Problem("packages", message, Level.WARNING if legacy else Level.ERROR))
        if unread:
            continue
        if len(span) > 2:
            problems.append(_error("packages", f"{label}: the range from {span[0][1]} has more than one end"))
            continue
        start = versions[0][2]
        end = versions[1] if len(versions) == 2 else None
        assert start is not None
        if end is not None and end[2] is not None and end[2] < start:
            problems.append(_error("packages", f"{label}: {end[0]} {end[1]} comes before {span[0][1]}: ranges overlap"))
            continue
        spans.append((start, end[2] if end else None, end[0] if end else ""))
    return problems


def _overlaps(label: str, spans: list[_Span]) -> list[Problem]:
    """No two spans of a package overlapping once put in version order (OSV sorts events itself, so a record may
    list its ranges in any order, and a package in several entries)."""
    problems: list[Problem] = []
    spans = sorted(spans, key=lambda span: span[0])
    for (_start, last, kind), (following, _last, _kind) in itertools.pairwise(spans):
        if last is None or following < last or (kind == "last_affected" and following == last):
            problems.append(_error("packages", f"{label}: the range from {following} overlaps an earlier one"))
    return problems


def _check_packages(
    advisory: Advisory, matrix: Sequence[PackageImpact] | None, fmt: str | None, projects: Collection[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    if advisory.withdrawn is None and not advisory.affected():
        settled = any(p.status != ImpactStatus.UNKNOWN for p in advisory.packages)
        if not (fmt == "csaf" and settled):  # CSAF also states what is not affected
            message = "no affected package: set the affected projects in the impact matrix"
            problems.append(_required("packages", message, fmt, NEED_PACKAGES))
    # A package may have several entries (OSV lets a source list one per range): their spans together must not
    # overlap, judged across every entry.
    spans: dict[tuple[str, str, Ecosystem], list[_Span]] = {}
    for package in advisory.packages:
        problems += _check_events(package, spans.setdefault((package.project, package.name, package.ecosystem), []))
    for (project, name, _ecosystem), found in spans.items():
        problems += _overlaps(f"{project}/{name}", found)
    if matrix is not None:
        problems += matrix_disagreements(advisory, matrix, projects)
    return problems


def matrix_disagreements(
    advisory: Advisory, matrix: Sequence[PackageImpact], projects: Collection[str] | None = None
) -> list[Problem]:
    """Where the draft and the matrix say different things of a package of a configured project (`projects`; by
    default those the matrix has an answer for): warnings, as the matrix is the team's own record. Packages of other
    projects (an imported advisory's) are carried as they are."""
    configured = set(projects) if projects is not None else {p.project for p in matrix}
    mine = {(p.project, p.name): p for p in advisory.packages if p.project in configured}
    theirs = {(p.project, p.name): p for p in matrix if p.project in configured}
    found: list[Problem] = []
    for key in sorted(mine.keys() | theirs.keys()):
        here, there = mine.get(key), theirs.get(key)
        if here is not None and there is not None and (here.status, here.events) == (there.status, there.events):
            continue
        said_here = status_in_words(here.status, here.events) if here else "nothing"
        said_there = status_in_words(there.status, there.events) if there else "nothing"
        message = (
            f"{key[0]}/{key[1]}: the draft says {said_here}, the matrix says {said_there}; "
            "refresh the draft from the matrix or fix the matrix"
        )
        found.append(_warning("packages", message))
    return found


def _check_links(advisory: Advisory, fmt: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if not advisory.references and advisory.withdrawn is None:
        message = "at least one is needed (CVE records require one)"
        problems.append(_required("references", message, fmt, NEED_REFERENCES))
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


def validate(
    advisory: Advisory,
    matrix: Sequence[PackageImpact] | None = None,
    *,
    fmt: str | None = None,
    projects: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem of the record, field by field: errors for what `fmt` requires (with no format, what any
    format requires) and for malformed data, warnings for the team's policy. `matrix` is what the matrix says now
    of the configured `projects` (by default, those it has an answer for), to compare with."""
    return [
        *_check_text(advisory, fmt),
        *_check_ids(advisory, fmt),
        *_check_severity(advisory),
        *_check_packages(advisory, matrix, fmt, projects),
        *_check_links(advisory, fmt),
        *(_error(field, message) for field, message in malformed(advisory)),
    ]


def errors(problems: Sequence[Problem]) -> list[Problem]:
    """The problems that block an export."""
    return [problem for problem in problems if problem.level == Level.ERROR]
