"""Reads GitHub's repository advisories (untrusted JSON) back into advisory records, checking every field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from triage_tui.advisories.cwe_names import CWE_ID, official_name
from triage_tui.advisories.draft import project_of
from triage_tui.advisories.ghsa import CREDIT_TYPES, GITHUB_ECOSYSTEM, VERSION, Span
from triage_tui.advisories.ranges import status_from_events
from triage_tui.advisories.record import (
    Advisory,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Weakness,
    withdrawal_of,
)
from triage_tui.domain import ImpactStatus
from triage_tui.severity import severity_of

_ROLE_OF_TYPE = {github: role for role, github in CREDIT_TYPES.items()}
_CONSENT_OF_STATE = {"accepted": Consent.ACCEPTED, "declined": Consent.DECLINED, "pending": Consent.PENDING}

# GitHub's grammar: the operator, one space, a version (`ghsa.VERSION`); spaces are read leniently.
_BOUND = re.compile(r" *(>=|<=|>|<|=) *([0-9][0-9A-Za-z._+!-]*) *")
_ZERO = re.compile(r"0+(?:\.0+)*")
_LOWER = frozenset({">=", ">"})
_UPPER = frozenset({"<", "<="})
_RANGE_HELP = "GitHub's ranges read '>= 1.0', '< 2.0', '<= 2.0', '>= 1.0, < 2.0' or '= 1.0'"
_PYPI_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE | re.ASCII)
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:\[bot\])?")
_CVE = re.compile(r"CVE-[0-9]{4}-[0-9]{4,}")
_GHSA = re.compile(r"GHSA(?:-[0-9a-z]{4}){3}")


def from_ghsa(document: Mapping[str, Any], case_id: str, packages: Mapping[str, Sequence[str]]) -> Advisory:
    """The advisory record of a GitHub repository advisory: the object GET returns, or a body as `to_ghsa` writes.

    `packages` is the configured package names of each project, so each pip package lands in its project. The GHSA
    and CVE ids become aliases; each package's ranges become OSV events (spans of one package merged, in version
    order) and its status follows from them. Credits name the GitHub account, with its consent when
    `credits_detailed` tells it (else pending: nobody is named without asking). Entries of other ecosystems, or with
    no package, are skipped: the record has no place for them. The document is untrusted: anything that is not an
    advisory, or a field that cannot be read, raises ValueError saying which field and why."""
    if not isinstance(document, Mapping):
        raise ValueError(f"not a GitHub advisory: expected a JSON object, got {_kind(document)}")
    summary = document.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        message = document.get("message")
        said = f" (GitHub answered {message!r})" if isinstance(message, str) else ""
        raise ValueError(f"not a GitHub advisory: it has no summary{said}")
    cvss_v3, cvss_v4 = _vectors(document)
    return Advisory(
        case_id=case_id,
        summary=summary,
        details=_text(document, "description") or "",
        aliases=_aliases(document),
        weaknesses=_weaknesses(document),
        cvss_v3=cvss_v3,
        cvss_v4=cvss_v4,
        packages=_packages(document, packages),
        credits=_credits(document),
        withdrawn=withdrawal_of(document.get("withdrawn_at")),
        id=_text(document, "ghsa_id") or "",
    )


def parse_range(text: str, patched: str | None = None) -> tuple[tuple[str, str], ...]:
    """The OSV events of one GitHub vulnerability entry: its range (`>= 1.0, < 1.1`) and patched version.

    A `<` bound is the fix. With a `<=` bound or none, the patched version (when given) is the fix, as GitHub's own
    OSV export does; without one, `<=` is the last affected version. `> 0` is every version; any other `>` bound has
    no OSV form (OSV starts a span at a version that is affected) and is refused. ValueError says what cannot be
    read."""
    parts = text.split(",")
    if len(parts) > 2:
        raise ValueError(f"cannot read {text!r}: GitHub's range holds one interval (a lower and an upper bound)")
    bounds: list[tuple[str, str]] = []
    for part in parts:
        match = _BOUND.fullmatch(part)
        if match is None:
            raise ValueError(f"cannot read {text!r} as a version range: {_RANGE_HELP}")
        bounds.append((match[1], match[2]))
    if len(bounds) == 2 and (bounds[0][0] not in _LOWER or bounds[1][0] not in _UPPER):
        raise ValueError(f"cannot read {text!r}: a range with two bounds is a lower one ('>=') and then an upper one")
    introduced = "0"
    upper: tuple[str, str] | None = None
    for operator, version in bounds:
        if operator == ">" and not _ZERO.fullmatch(version):
            raise ValueError(
                f"cannot read {text!r}: an exclusive lower bound ('> {version}') has no OSV form;"
                " write '>= ' and the first affected version"
            )
        if operator == ">=":
            introduced = version
        elif operator == "=":
            introduced, upper = version, ("<=", version)
        elif operator in _UPPER:
            upper = (operator, version)
    if upper is not None:
        _check_order(text, introduced, upper[1], inclusive=upper[0] == "<=")
    if upper is not None and upper[0] == "<":
        return Span(introduced, fixed=upper[1]).events()
    if patched is not None:
        if not VERSION.fullmatch(patched):
            raise ValueError(f"cannot read the patched version {patched!r}: one version is expected, like '1.0.1'")
        _check_order(f"{text} (patched in {patched})", introduced, patched, inclusive=False)
        if upper is not None:
            _check_order(f"{text} (patched in {patched})", upper[1], patched, inclusive=False)
        return Span(introduced, fixed=patched).events()
    return Span(introduced, last_affected=upper[1] if upper else None).events()


def _check_order(text: str, low: str, high: str, *, inclusive: bool) -> None:
    """ValueError when the span is empty; versions that are not PEP 440 are left to GitHub's own ordering."""
    if low == "0":
        return
    try:
        empty = Version(high) < Version(low) if inclusive else Version(high) <= Version(low)
    except InvalidVersion:
        return
    if empty:
        raise ValueError(f"cannot read {text!r}: no version is inside it")


def _packages(document: Mapping[str, Any], packages: Mapping[str, Sequence[str]]) -> tuple[PackageImpact, ...]:
    """One package impact per pip package, its spans from every entry that names it."""
    spans: dict[str, tuple[str, list[tuple[tuple[str, str], ...]]]] = {}
    released: set[str] = set()
    for index, entry in enumerate(_list(document, "vulnerabilities", "")):
        where = f"vulnerabilities[{index}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where} should be an object, not {_kind(entry)}")
        package = _mapping(entry, "package", f"{where}.")
        if package is None:
            continue  # a report may not know the package yet: nothing to place in the matrix
        ecosystem = _text(package, "ecosystem", f"{where}.package.")
        name = _text(package, "name", f"{where}.package.")
        if ecosystem is None or ecosystem.lower() != GITHUB_ECOSYSTEM or not name:
            continue  # not a PyPI package: the record holds only PyPI and conda ones
        if not _PYPI_NAME.fullmatch(name):
            raise ValueError(f"{where}.package.name {name!r} is not a PyPI package name")
        text = _text(entry, "vulnerable_version_range", f"{where}.")
        patched = _text(entry, "patched_versions", f"{where}.")
        patched = patched.strip() if patched and patched.strip() else None
        try:
            if text and text.strip():
                events = parse_range(text.strip(), patched)
            else:
                # No range: every version, up to the patched one if GitHub knows it; () if it knows nothing.
                events = parse_range(">= 0", patched) if patched else ()
        except ValueError as error:
            raise ValueError(f"{where} ({name}): {error}") from error
        spans.setdefault(canonicalize_name(name), (name, []))[1].append(events)
        if patched is not None:
            released.add(canonicalize_name(name))
    return tuple(_impact(name, found, packages, patched=key in released) for key, (name, found) in spans.items())


def _impact(
    name: str, spans: list[tuple[tuple[str, str], ...]], packages: Mapping[str, Sequence[str]], *, patched: bool
) -> PackageImpact:
    """The package with its spans in version order (OSV's events run oldest first); fixed only when GitHub names a
    patched release (a range's end alone may be a release that does not exist yet)."""
    try:
        spans = sorted(spans, key=lambda span: Version(span[0][1]) if span else Version("0"))
    except InvalidVersion:
        pass  # not PEP 440: keep GitHub's order
    events = tuple(event for span in spans for event in span)
    status = status_from_events(events) if patched else ImpactStatus.AFFECTED
    return PackageImpact(project_of(name, Ecosystem.PYPI, packages), name, status, events)


def _aliases(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The GHSA id and the CVE id, from their fields and from `identifiers`."""
    found: list[str] = []
    for key, pattern in (("ghsa_id", _GHSA), ("cve_id", _CVE)):
        value = _text(document, key)
        if value:
            found.append(_identifier(value, pattern, key))
    for index, item in enumerate(_list(document, "identifiers", "")):
        where = f"identifiers[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} should be an object, not {_kind(item)}")
        kind, value = _text(item, "type", f"{where}."), _text(item, "value", f"{where}.")
        known = {"GHSA": _GHSA, "CVE": _CVE}.get(kind or "")
        if known is not None and value:
            found.append(_identifier(value, known, f"{where}.value"))
    return tuple(dict.fromkeys(found))


def _identifier(value: str, pattern: re.Pattern[str], where: str) -> str:
    """`value` when it is a well-formed id, else ValueError (ids are copied into every other format)."""
    if not pattern.fullmatch(value):
        raise ValueError(f"{where} {value!r} is not a well-formed id")
    return value


def _weaknesses(document: Mapping[str, Any]) -> tuple[Weakness, ...]:
    """The CWEs of `cwe_ids` and `cwes`, with their official names (GitHub's own name only for a CWE the catalogue
    lacks)."""
    names: dict[str, str] = {}
    for index, item in enumerate(_list(document, "cwes", "")):
        where = f"cwes[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} should be an object, not {_kind(item)}")
        cwe_id = _identifier(_text(item, "cwe_id", f"{where}.") or "", CWE_ID, f"{where}.cwe_id")
        names.setdefault(cwe_id, _text(item, "name", f"{where}.") or "")
    ids: list[str] = []
    for index, item in enumerate(_list(document, "cwe_ids", "")):
        if not isinstance(item, str):
            raise ValueError(f"cwe_ids[{index}] should be text, not {_kind(item)}")
        ids.append(_identifier(item, CWE_ID, f"cwe_ids[{index}]"))
    return tuple(
        Weakness(cwe_id, official_name(cwe_id, names.get(cwe_id, ""))) for cwe_id in dict.fromkeys([*ids, *names])
    )


def _vectors(document: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The CVSS 3.x and 4.0 vectors, from `cvss_severities`, the older `cvss`, or a body's `cvss_vector_string`."""
    found: list[tuple[str, str]] = []
    severities = _mapping(document, "cvss_severities")
    for key in ("cvss_v3", "cvss_v4"):
        score = _mapping(severities, key, "cvss_severities.") if severities is not None else None
        vector = _text(score, "vector_string", f"cvss_severities.{key}.") if score is not None else None
        if vector:
            found.append((f"cvss_severities.{key}", vector))
    cvss = _mapping(document, "cvss")
    vector = _text(cvss, "vector_string", "cvss.") if cvss is not None else None
    if vector:
        found.append(("cvss.vector_string", vector))
    vector = _text(document, "cvss_vector_string")
    if vector:
        found.append(("cvss_vector_string", vector))
    v3: str | None = None
    v4: str | None = None
    for where, text in found:
        if severity_of(text) is None:
            raise ValueError(f"{where} {text!r} is not a CVSS 3.x or 4.0 vector that can be scored")
        if text.startswith("CVSS:4.0/"):
            v4 = v4 or text
        else:
            v3 = v3 or text
    return v3, v4


def _credits(document: Mapping[str, Any]) -> tuple[Credit, ...]:
    """`credits_detailed` (which carries consent), then any `credits` entry it does not already hold."""
    found: dict[tuple[str, CreditRole], Credit] = {}
    for index, item in enumerate(_list(document, "credits_detailed", "")):
        where = f"credits_detailed[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} should be an object, not {_kind(item)}")
        user = _mapping(item, "user", f"{where}.")
        login = _login(_text(user, "login", f"{where}.user.") if user is not None else None, f"{where}.user.login")
        role = _role(item, where)
        state = _text(item, "state", f"{where}.") or "pending"
        if state not in _CONSENT_OF_STATE:
            raise ValueError(f"{where}.state {state!r} is none of {', '.join(_CONSENT_OF_STATE)}")
        found.setdefault(
            (login.lower(), role), Credit(login, role, consent=_CONSENT_OF_STATE[state], github_login=login)
        )
    for index, item in enumerate(_list(document, "credits", "")):
        where = f"credits[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} should be an object, not {_kind(item)}")
        login = _login(_text(item, "login", f"{where}."), f"{where}.login")
        role = _role(item, where)
        found.setdefault((login.lower(), role), Credit(login, role, github_login=login))
    return tuple(found.values())


def _login(login: str | None, where: str) -> str:
    """A GitHub account name, else ValueError (it becomes the credited name in every format)."""
    if not login or not _LOGIN.fullmatch(login):
        raise ValueError(f"{where} {login!r} is not a GitHub login")
    return login


def _role(item: Mapping[str, Any], where: str) -> CreditRole:
    """The credit type of `item` as a CreditRole."""
    kind = _text(item, "type", f"{where}.")
    role = _ROLE_OF_TYPE.get((kind or "").lower())
    if role is None:
        raise ValueError(f"{where}.type {kind!r} is none of GitHub's credit types: {', '.join(_ROLE_OF_TYPE)}")
    return role


# --- Reading untrusted JSON ----------------------------------------------------------------------------------------


def _kind(value: object) -> str:
    """What a JSON value is, in words, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _text(data: Mapping[str, Any], key: str, where: str = "") -> str | None:
    """`data[key]` when it is text, None when missing or null, else ValueError."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{where}{key} should be text, not {_kind(value)}")


def _mapping(data: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any] | None:
    """`data[key]` when it is an object, None when missing or null, else ValueError."""
    value = data.get(key)
    if value is None or isinstance(value, Mapping):
        return value
    raise ValueError(f"{where}{key} should be an object, not {_kind(value)}")


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """`data[key]` when it is a list, [] when missing or null, else ValueError."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise ValueError(f"{where}{key} should be a list, not {_kind(value)}")
