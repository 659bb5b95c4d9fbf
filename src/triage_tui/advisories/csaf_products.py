"""The CSAF product tree of an advisory: its packages' affected intervals as `vers` ranges, and their purls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from packageurl import PackageURL
from packaging.version import InvalidVersion, Version

from triage_tui.advisories.record import Ecosystem, PackageImpact

VERS_SCHEMES = {Ecosystem.PYPI: "pypi", Ecosystem.CONDA: "conda"}
PURL_TYPES = {Ecosystem.PYPI: "pypi", Ecosystem.CONDA: "conda"}


@dataclass(frozen=True)
class Interval:
    """One run of affected versions."""

    start: str
    """The first affected version; "0" for "from the first release"."""
    end: str | None
    """The version that ends the run (None: no end known)."""
    end_included: bool
    """Whether `end` itself is affected (a `last_affected` event)."""


@dataclass
class ProductTree:
    """The product tree as it is built: products by project and package, each with a new id."""

    leaves: dict[str, dict[tuple[str, Ecosystem], list[dict[str, Any]]]] = field(default_factory=dict)
    count: int = 0

    def add(self, package: PackageImpact, category: str, name: str, full_name: str, purl: str) -> str:
        """Defines one product under its project and package; its new id."""
        self.count += 1
        product_id = f"CSAFPID-{self.count:04d}"
        product = {"name": full_name, "product_id": product_id, "product_identification_helper": {"purl": purl}}
        # Keyed by ecosystem too: a PyPI and a conda package of one name are two products.
        packages = self.leaves.setdefault(package.project, {})
        packages.setdefault((package.name, package.ecosystem), []).append(
            {"category": category, "name": name, "product": product}
        )
        return product_id

    def tree(self) -> dict[str, Any]:
        """The `product_tree`: vendor (project) → product_name (package) → version range or version."""
        return {
            "branches": [
                {
                    "category": "vendor",
                    "name": project,
                    "branches": [
                        {"category": "product_name", "name": name, "branches": leaves}
                        for (name, _ecosystem), leaves in packages.items()
                    ],
                }
                for project, packages in self.leaves.items()
            ]
        }


def _version_key(version: str) -> tuple[int, Version]:
    # OSV's "0" is "before the first release": lower than any real version, 0.dev0 included.
    return (0, Version("0")) if version == "0" else (1, Version(version))


def affected_intervals(events: Sequence[tuple[str, str]]) -> list[Interval]:
    """The runs of affected versions that OSV `events` describe, evaluated as OSV does (events sorted by version,
    `introduced` opens a run, `fixed` and `last_affected` close it), so CSAF says what the OSV document says."""
    try:
        ordered = sorted(events, key=lambda event: _version_key(event[1]))
    except InvalidVersion:
        ordered = list(events)  # not PEP 440 (an imported record): trust the order given
    intervals: list[Interval] = []
    start: str | None = None
    for kind, version in ordered:
        if kind == "introduced":
            start = version if start is None else start
        elif kind in ("fixed", "last_affected") and start is not None:
            if not (kind == "fixed" and version == start):  # fixed where it started: nothing was affected
                intervals.append(Interval(start, version, kind == "last_affected"))
            start = None
    if start is not None:
        intervals.append(Interval(start, None, False))
    return intervals


def vers(ecosystem: Ecosystem, intervals: Sequence[Interval]) -> str:
    """The intervals as a `vers` range (`vers:pypi/>=20.0|<24.1`); no intervals at all means every version."""
    constraints: list[str] = []
    for interval in intervals:
        if interval.start == "0" and interval.end is None:
            constraints = ["*"]
            break
        if interval.end == interval.start and interval.end_included:
            constraints.append(interval.start)  # vers writes one exact version without a comparator
            continue
        if interval.start != "0":
            constraints.append(f">={interval.start}")
        if interval.end is not None:
            constraints.append(f"{'<=' if interval.end_included else '<'}{interval.end}")
    return f"vers:{VERS_SCHEMES[ecosystem]}/{'|'.join(constraints) or '*'}"


def purl(ecosystem: Ecosystem, name: str, version: str | None = None) -> str:
    """The package URL of a package (a range product) or one of its versions, normalised as the purl spec says
    for its type (PyPI names lower case with `-` for `_`) by packageurl-python."""
    return str(PackageURL(type=PURL_TYPES[ecosystem], name=name, version=version or None).to_string())
