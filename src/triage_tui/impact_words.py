"""Says an impact cell's versions in words ("affected from 1.0, fixed in 1.5") and checks that a new cell's fixed
version agrees with its affected ranges, so no user ever reads a Python list of OSV events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.version import InvalidVersion, Version

from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell, ImpactError, check_cell, osv_events, parse_range

Events = Iterable[tuple[str, str]] | Iterable[Mapping[str, str]]


def _pairs(events: Events) -> list[tuple[str, str]]:
    """(kind, version) pairs from either form the code holds events in (OSV's dicts or the record's pairs)."""
    pairs: list[tuple[str, str]] = []
    for event in events:
        if isinstance(event, Mapping):
            pairs += [(str(kind), str(version)) for kind, version in event.items()]
        else:
            kind, version = event
            pairs.append((str(kind), str(version)))
    return pairs


def events_in_words(events: Events) -> str:
    """OSV events as words: 'affected from 1.0, fixed in 1.5; affected from 2.0 on' ('no version affected' when
    there are none)."""
    spans: list[str] = []
    start: str | None = None
    for kind, version in _pairs(events):
        if kind == "introduced":
            if start is not None:
                spans.append(_open(start))
            start = version
            continue
        end = f"fixed in {version}" if kind == "fixed" else f"last affected {version}"
        if start is None or start == "0":
            spans.append(f"every version before {version} affected" if kind == "fixed" else f"affected up to {version}")
        elif kind == "last_affected" and version == start:
            spans.append(f"only {version} affected")
        else:
            spans.append(f"affected from {start}, {end}")
        start = None
    if start is not None:
        spans.append(_open(start))
    return "; ".join(spans) or "no version affected"


def _open(start: str) -> str:
    return "every version affected" if start == "0" else f"affected from {start} on"


def status_in_words(status: str, events: Events) -> str:
    """'affected (affected from 1.0, fixed in 1.5)', or the bare status when it has no versions."""
    pairs = _pairs(events)
    word = str(status).replace("-", " ")
    return f"{word} ({events_in_words(pairs)})" if pairs else word


def range_in_words(text: str) -> str:
    """One PEP 440 range as words: '>=23.0,<24.1' is '23.0 up to but not including 24.1'."""
    pairs = _pairs(osv_events(ImpactCell(ImpactStatus.AFFECTED, (text,))))
    start = next((version for kind, version in pairs if kind == "introduced"), "0")
    fixed = next((version for kind, version in pairs if kind == "fixed"), None)
    last = next((version for kind, version in pairs if kind == "last_affected"), None)
    lower = "every version" if start == "0" else start
    if fixed is not None:
        return f"{lower} up to but not including {fixed}" if start != "0" else f"every version before {fixed}"
    if last is not None:
        return f"{lower} up to and including {last}" if start != last else f"only {last}"
    return f"{lower} on" if start != "0" else lower


def _lowest(cell: ImpactCell) -> tuple[Version, str] | None:
    """The lowest version any range starts at (None when a range starts at the first version)."""
    starts: list[tuple[Version, str]] = []
    for text in cell.ranges:
        lower = [s for s in parse_range(text) if s.operator in (">=", "==", "~=")]
        if not lower:
            return None
        starts.append((Version(lower[0].version), text))
    return min(starts) if starts else None


def fixed_version_problem(cell: ImpactCell) -> str | None:
    """Why the cell's fixed version contradicts its affected ranges (below all of them, or inside one), else None."""
    if (
        not cell.fixed_version
        or not cell.ranges
        or cell.status not in (ImpactStatus.FIXED, ImpactStatus.FIX_IN_PROGRESS)
    ):
        return None
    try:
        fixed = Version(cell.fixed_version)
    except InvalidVersion:
        return None  # check_cell says so
    named = "; ".join(range_in_words(text) for text in cell.ranges)
    lowest = _lowest(cell)
    if lowest is not None and fixed < lowest[0]:
        return (
            f"the fixed version {cell.fixed_version} is below the affected versions ({named}): a fix comes after the"
            f" versions it fixes, so raise the fixed version or correct the range"
        )
    # An open range ('>=23.0') is the one the fix closes (see `osv_events`): only a range with an end can hold it.
    closed = [text for text in cell.ranges if any(s.operator in ("<", "<=", "==", "~=") for s in parse_range(text))]
    inside = [text for text in closed if parse_range(text).contains(fixed, prereleases=True)]
    if inside:
        holding = "; ".join(range_in_words(text) for text in inside)
        return (
            f"the fixed version {cell.fixed_version} is inside the affected versions ({holding}): a fixed"
            f" version is not affected, so raise the fixed version or end the range before it"
        )
    return None


def check_new_cell(cell: ImpactCell) -> ImpactCell:
    """A cell someone is setting now, checked: the cell's rules (`check_cell`) and a fixed version that agrees with
    its ranges. Cells already stored or sent by others are read with `check_cell` alone, so an older answer still
    loads."""
    checked = check_cell(cell)
    problem = fixed_version_problem(checked)
    if problem is not None:
        raise ImpactError(problem)
    return checked


def cell_outcome(case_id: str, project: str, cell: ImpactCell, *, linked: bool) -> str:
    """What setting a cell did, as a sentence: 'pip for PSC-1: affected (affected from 1.0, fixed in 1.5).', saying
    so when it linked the project (and so shared the case with it)."""
    said = status_in_words(cell.status, osv_events(cell))
    if cell.fixed_version and cell.status in (ImpactStatus.FIXED, ImpactStatus.FIX_IN_PROGRESS):
        said += f", fixed version {cell.fixed_version}"
    link = "" if linked else f" {project} is now linked to {case_id}, so the case is shared with it."
    return f"{project} for {case_id}: {said}.{link}"
