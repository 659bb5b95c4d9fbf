"""What each output format cannot hold of an advisory record: the fields it drops, named so an export can say so
instead of losing them silently."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from triage_tui.advisories.cve import carried_ranges, cve_time
from triage_tui.advisories.record import Advisory, Ecosystem, PackageImpact

Check = Callable[[Advisory], bool]
"""Whether the advisory holds something of a field that a format drops."""

_CSAF_ALIASES = ("CVE-", "GHSA-", "PYSEC-")
"""The ids CSAF has a place for (`cve`, and `ids` for the two databases it names)."""


def _listed(advisory: Advisory, *, pypi_only: bool = True) -> tuple[PackageImpact, ...]:
    """The packages a format lists: OSV, CVE and GitHub list the affected ones (OSV and GitHub only PyPI's);
    CSAF every settled one."""
    if not pypi_only:
        return advisory.packages
    return tuple(p for p in advisory.affected() if p.ecosystem == Ecosystem.PYPI)


def _package_field(name: str, *, pypi_only: bool = True) -> Check:
    return lambda advisory: any(getattr(p, name) for p in _listed(advisory, pypi_only=pypi_only))


def _aliases_beyond(*prefixes: str) -> Check:
    return lambda advisory: any(not alias.startswith(prefixes) for alias in advisory.aliases)


def _conda(advisory: Advisory) -> bool:
    return any(p.ecosystem == Ecosystem.CONDA for p in advisory.affected())


def _not_affected(advisory: Advisory) -> bool:
    return any(not p.is_affected for p in advisory.packages)


def _unreleased_fix(*, pypi_only: bool = True) -> Check:
    """A fix not released yet: every format leaves its range open (`PackageImpact.published_events`)."""
    return lambda advisory: any(p.published_events() != p.events for p in _listed(advisory, pypi_only=pypi_only))


def _set(name: str) -> Check:
    return lambda advisory: bool(getattr(advisory, name))


def _credits_with(test: Callable[[str], bool]) -> Check:
    return lambda advisory: any(test(c) for credit in advisory.exported_credits() for c in credit.contact)


_RECORD_ONLY: dict[str, Check] = {
    "related": _set("related"),
    "upstream": _set("upstream"),
    "database_specific": _set("database_specific"),
}
_PACKAGE_EXTRAS = ("purl", "severity", "ecosystem_specific", "database_specific")

_OSV: dict[str, Check] = {
    "credits.github_login": lambda a: any(c.github_login for c in a.exported_credits()),
    "packages (conda)": _conda,
    "packages (not affected)": _not_affected,
    "packages (unreleased fix)": _unreleased_fix(),
}
_CVE: dict[str, Check] = {
    # A time CVE's pattern cannot hold (OSV's year-1 placeholder for "unknown") is left out.
    "published": lambda a: bool(a.published) and cve_time(a.published) is None,
    "modified": lambda a: bool(a.modified) and cve_time(a.modified) is None,
    **_RECORD_ONLY,
    "credits.contact": _credits_with(lambda _contact: True),
    "credits.github_login": lambda a: any(c.github_login for c in a.exported_credits()),
    "packages.other_ranges": lambda a: any(len(carried_ranges(p)) < len(p.other_ranges) for p in a.affected()),
    **{f"packages.{name}": _package_field(name, pypi_only=False) for name in _PACKAGE_EXTRAS},
    "packages (not affected)": _not_affected,
    "packages (unreleased fix)": _unreleased_fix(pypi_only=False),
}
_GHSA: dict[str, Check] = {
    "aliases": _aliases_beyond("CVE-"),
    "published": _set("published"),
    "modified": _set("modified"),
    **_RECORD_ONLY,
    "other_severity": _set("other_severity"),
    "cvss_v4": lambda a: bool(a.cvss_v3 and a.cvss_v4),  # GitHub takes one vector: the 3.x one
    "references": _set("references"),
    "credits.name": lambda a: bool(a.exported_credits()),  # GitHub credits accounts, by login
    "credits.contact": _credits_with(lambda _contact: True),
    "packages.versions": _package_field("versions"),
    "packages.other_ranges": _package_field("other_ranges"),
    **{f"packages.{name}": _package_field(name) for name in _PACKAGE_EXTRAS},
    "packages (conda)": _conda,
    "packages (not affected)": _not_affected,
    "packages (unreleased fix)": _unreleased_fix(),
}
_CSAF: dict[str, Check] = {
    "aliases": _aliases_beyond(*_CSAF_ALIASES),
    "published": _set("published"),
    "modified": _set("modified"),
    **_RECORD_ONLY,
    "other_severity": _set("other_severity"),
    "credits.contact": _credits_with(lambda contact: not contact.startswith(("https://", "http://"))),
    "packages.versions": _package_field("versions", pypi_only=False),
    "packages.other_ranges": _package_field("other_ranges", pypi_only=False),
    **{f"packages.{name}": _package_field(name, pypi_only=False) for name in _PACKAGE_EXTRAS},
    "packages (unreleased fix)": _unreleased_fix(pypi_only=False),
}
_TEXT: dict[str, Check] = {
    # The announcement is prose for people: ids, severity, weaknesses, each package's ranges and status, details,
    # credits by name and links; not the record's bookkeeping or what only tools read.
    "published": _set("published"),
    "modified": _set("modified"),
    **_RECORD_ONLY,
    "other_severity": _set("other_severity"),
    "credits.contact": _credits_with(lambda _contact: True),
    "credits.github_login": lambda a: any(c.github_login for c in a.exported_credits()),
    "packages.versions": _package_field("versions", pypi_only=False),
    "packages.other_ranges": _package_field("other_ranges", pypi_only=False),
    **{f"packages.{name}": _package_field(name, pypi_only=False) for name in _PACKAGE_EXTRAS},
}
DROPPED: Mapping[str, Mapping[str, Check]] = {
    "osv": _OSV,
    "cve": {"aliases": _aliases_beyond("CVE-"), **_CVE},
    "cve-cna": {"aliases": _set("aliases"), **_CVE},  # the CNA container holds no id: CVE Services adds it
    "ghsa": _GHSA,
    "csaf": _CSAF,
    "text": _TEXT,
}


def left_out(advisory: Advisory, fmt: str) -> tuple[str, ...]:
    """The fields of `advisory` that `fmt` cannot hold (those set, in a fixed order): what its export drops."""
    checks = DROPPED.get(fmt, {})
    if advisory.withdrawn is not None and fmt in ("cve", "cve-cna"):
        return _withdrawn_cve(advisory, fmt, checks["aliases"])
    return tuple(name for name, dropped in checks.items() if dropped(advisory))


def _withdrawn_cve(advisory: Advisory, fmt: str, aliases: Check) -> tuple[str, ...]:
    """A rejected CVE record holds only why (with when, and the full record its id and dates): the rest is dropped."""
    kept = {"case_id", "withdrawn", "id", "aliases", "modified", *(("published",) if fmt == "cve" else ())}
    dropped = [name for name, value in advisory.to_json().items() if name not in kept and value]
    return (*(("aliases",) if aliases(advisory) else ()), *dropped)
