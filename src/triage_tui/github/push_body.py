"""The update a case's draft sends to one repository's advisory: its project's packages only, GitHub's own entries
for packages no configured project knows, and nothing that would clear what the draft cannot hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from triage_tui.advisories.ghsa import to_ghsa
from triage_tui.advisories.record import Advisory
from triage_tui.config import Config, Project

VULNERABILITY_KEYS = ("package", "vulnerable_version_range", "patched_versions", "vulnerable_functions")
"""The keys of a vulnerability entry in GitHub's repository-advisory-update body."""


def owns(project: Project, repository: str) -> bool:
    """Whether `repository` is the project's (GitHub's names are case-insensitive)."""
    return (project.repository or "").lower() == repository.lower()


def project_of(config: Config, repository: str) -> str | None:
    """The configured project whose repository this is (the first, if several name it)."""
    return next((project.id for project in config.projects.values() if owns(project, repository)), None)


def advisory_body(advisory: Advisory, repository: str, remote: Mapping[str, Any], config: Config) -> dict[str, object]:
    """The update of one repository's advisory: the draft with only the packages of the project that owns the
    repository, keeping GitHub's entries for packages no configured project knows. ValueError if no project owns
    the repository (its packages could not be told apart) or the draft has what GitHub cannot express."""
    owners = [p for p in config.projects.values() if owns(p, repository)]
    if not owners:
        raise ValueError(f"no configured project has repository = {repository!r}; set it in config.toml")
    mine = {p.id for p in owners}
    body = dict(to_ghsa(replace(advisory, packages=tuple(p for p in advisory.packages if p.project in mine))))
    if not body.get("credits"):
        body.pop("credits", None)  # an empty list would remove every credit set on GitHub
    functions = _vulnerable_functions(remote)
    for entry in body.get("vulnerabilities", []):
        # The draft has no place for vulnerable functions: GitHub's are kept, and an empty list (which would clear
        # them) is never sent.
        known = functions.get(str(entry["package"]["name"]).lower())
        if known:
            entry["vulnerable_functions"] = known
        else:
            entry.pop("vulnerable_functions", None)
    configured = {name.lower() for project in config.projects.values() for name in project.packages}
    kept = [
        _as_body_entry(entry)
        for entry in remote.get("vulnerabilities") or []
        if isinstance(entry, Mapping)
        and isinstance(entry.get("package"), Mapping)
        and str(entry["package"].get("name") or "").lower() not in configured
    ]
    body["vulnerabilities"] = [*body.get("vulnerabilities", []), *kept]
    return body


def _as_body_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """GitHub's vulnerability entry with only the keys an update body may hold: the object GitHub serves may carry
    more (new response fields are not breaking changes), and the update refuses any key it does not know."""
    found = {key: entry[key] for key in VULNERABILITY_KEYS if key in entry}
    found["package"] = {key: entry["package"][key] for key in ("ecosystem", "name") if key in entry["package"]}
    return found


def _vulnerable_functions(remote: Mapping[str, Any]) -> dict[str, list[str]]:
    """The vulnerable functions GitHub holds for each pip package of the advisory (lower-case name), in order."""
    found: dict[str, list[str]] = {}
    for entry in remote.get("vulnerabilities") or []:
        package = entry.get("package") if isinstance(entry, Mapping) else None
        functions = entry.get("vulnerable_functions") if isinstance(entry, Mapping) else None
        if not isinstance(package, Mapping) or not isinstance(functions, list):
            continue
        names = found.setdefault(str(package.get("name") or "").lower(), [])
        names.extend(f for f in functions if isinstance(f, str) and f not in names)
    return found
