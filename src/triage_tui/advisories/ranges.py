"""Reads a package's OSV events: as ranges a person reads, cut into spans, merged per package, and the status they
say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from packaging.version import InvalidVersion, Version

from triage_tui.advisories.record import Ecosystem, PackageImpact
from triage_tui.domain import ImpactStatus


def range_text(events: Sequence[tuple[str, str]]) -> str:
    """OSV events as PEP 440 ranges a reader knows: `>=20.0,<24.1; >=25.0`."""
    ranges: list[str] = []
    start: str | None = None
    for kind, version in events:
        if kind == "introduced":
            if start is not None:
                ranges.append(f">={start}" if start != "0" else "all versions")
            start = version
        elif start is not None:
            bound = f"<{version}" if kind == "fixed" else f"<={version}"
            ranges.append(bound if start == "0" else f">={start},{bound}")
            start = None
    if start is not None:
        ranges.append(f">={start}" if start != "0" else "all versions")
    return "; ".join(ranges)


def event_spans(events: Sequence[tuple[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    """The events cut into spans, each starting at an `introduced` one."""
    spans: list[list[tuple[str, str]]] = []
    for event in events:
        if event[0] == "introduced" or not spans:
            spans.append([])
        spans[-1].append(event)
    return [tuple(span) for span in spans]


def merge_packages(packages: Sequence[PackageImpact]) -> tuple[PackageImpact, ...]:
    """One entry per package: an advisory may list a package once per range, the matrix holds one cell for it.
    The spans are put in version order; the package is fixed only if every entry says so."""
    merged: dict[tuple[str, str, Ecosystem], PackageImpact] = {}
    for package in packages:
        key = (package.project, package.name, package.ecosystem)
        earlier = merged.get(key)
        if earlier is None:
            merged[key] = package
            continue
        spans = list(dict.fromkeys(event_spans(earlier.events) + event_spans(package.events)))  # once each
        try:
            spans.sort(key=lambda span: Version(span[0][1]))
        except InvalidVersion:
            pass  # not PEP 440: keep the order given; validation says what it cannot read
        both_fixed = earlier.status == package.status == ImpactStatus.FIXED
        status = ImpactStatus.FIXED if both_fixed else ImpactStatus.AFFECTED
        merged[key] = replace(earlier, status=status, events=tuple(e for span in spans for e in span))
    return tuple(merged.values())


def status_from_events(events: Sequence[tuple[str, str]]) -> ImpactStatus:
    """What imported events say: `fixed` when every affected range is closed by a fix, else `affected`."""
    open_range = False
    for kind, _version in events:
        if kind == "introduced":
            open_range = True
        elif kind == "fixed":
            open_range = False
        elif kind == "last_affected":
            return ImpactStatus.AFFECTED  # the last affected version is known, a fix is not
    has_fix = any(kind == "fixed" for kind, _ in events)
    return ImpactStatus.FIXED if has_fix and not open_range else ImpactStatus.AFFECTED
