"""Rules for one cell of the impact matrix: what each status requires, PEP 440 ranges, and their OSV events.

Ranges are PEP 440 specifier sets (`>=1.0,<1.2.3`), parsed with `packaging`, and only the ones that say exactly
the same thing as OSV `introduced`/`fixed`/`last_affected` events are accepted: a cell is exported to advisories,
and a range that would be rounded on the way would publish a wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Protocol, TypedDict

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from triage_tui.domain import ImpactStatus, VexJustification

RANGE_STATUSES = frozenset(
    {ImpactStatus.AFFECTED, ImpactStatus.FIX_IN_PROGRESS, ImpactStatus.FIXED, ImpactStatus.WONT_FIX}
)
"""Statuses that say the project is (or was) affected, so affected ranges mean something."""
FIXED_VERSION_STATUSES = frozenset({ImpactStatus.FIXED, ImpactStatus.FIX_IN_PROGRESS})
"""Statuses that may name a fixed version (required for `fixed`; the planned release for `fix-in-progress`)."""
UNSETTLED = frozenset({ImpactStatus.UNKNOWN, ImpactStatus.INVESTIGATING})
"""Statuses that mean nobody knows yet: never exported as an answer."""

STATUS_MARKS: dict[ImpactStatus, str] = {
    ImpactStatus.UNKNOWN: "?",
    ImpactStatus.INVESTIGATING: "~",
    ImpactStatus.AFFECTED: "!",
    ImpactStatus.NOT_AFFECTED: "-",
    ImpactStatus.FIX_IN_PROGRESS: ">",
    ImpactStatus.FIXED: "+",
    ImpactStatus.WONT_FIX: "x",
}
"""A symbol per status (ASCII, distinct in shape), always shown beside the word so colour is never needed."""


class StoredCell(Protocol):
    """A cell as the store reads it back (`store.queries.ImpactView`): plain text where the rules want enums."""

    @property
    def status(self) -> str: ...
    @property
    def ranges(self) -> tuple[str, ...]: ...
    @property
    def fixed_version(self) -> str | None: ...
    @property
    def justification(self) -> str | None: ...
    @property
    def notes(self) -> str: ...


class ImpactError(ValueError):
    """A cell that breaks a rule; the message says which and what is expected."""


class CellJson(TypedDict):
    """An impact cell as events and exports hold it (what `ImpactCell.to_json` writes)."""

    status: str
    ranges: list[str]
    fixed_version: str | None
    justification: str | None
    notes: str


@dataclass(frozen=True)
class ImpactCell:
    """What is known about one project for one case."""

    status: ImpactStatus = ImpactStatus.UNKNOWN
    ranges: tuple[str, ...] = ()
    """Affected versions, each a PEP 440 specifier set; a version is affected if any one of them contains it."""
    fixed_version: str | None = None
    justification: VexJustification | None = None
    """Why the project is not affected (only with `not-affected`, where it is required)."""
    notes: str = ""

    def to_json(self) -> CellJson:
        """Every field, as stored in events and exports."""
        return {
            "status": str(self.status),
            "ranges": list(self.ranges),
            "fixed_version": self.fixed_version,
            "justification": str(self.justification) if self.justification else None,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImpactCell:
        """The cell `to_json` wrote (checked again: the data may come from a file or another workstation)."""
        try:
            justification = data.get("justification")
            return check_cell(
                cls(
                    status=ImpactStatus(data.get("status", "unknown")),
                    ranges=tuple(str(r) for r in data.get("ranges") or ()),
                    fixed_version=data.get("fixed_version"),
                    justification=VexJustification(justification) if justification else None,
                    notes=str(data.get("notes") or ""),
                )
            )
        except (ValueError, TypeError, AttributeError) as error:
            raise ImpactError(f"not an impact cell: {error}") from error


def cell_of(stored: StoredCell | None) -> ImpactCell:
    """The rules' view of a stored cell (the default `unknown` cell where none is stored)."""
    if stored is None:
        return ImpactCell()
    return ImpactCell(
        status=ImpactStatus(stored.status),
        ranges=stored.ranges,
        fixed_version=stored.fixed_version,
        justification=VexJustification(stored.justification) if stored.justification else None,
        notes=stored.notes,
    )


def _version(text: str, what: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise ImpactError(f"{what} '{text}' is not a PEP 440 version") from None


def parse_range(text: str) -> SpecifierSet:
    """A range as a specifier set, or ImpactError saying why it cannot be one (or cannot be said in OSV)."""
    clean = text.strip()
    if not clean:
        raise ImpactError("an empty range; write one like '>=1.0,<1.4.2'")
    try:
        specifiers = SpecifierSet(clean)
    except InvalidSpecifier:
        raise ImpactError(f"'{clean}' is not a PEP 440 specifier set (like '>=1.0,<1.4.2')") from None
    lower = [s for s in specifiers if s.operator in (">=", "==", "~=")]
    upper = [s for s in specifiers if s.operator in ("<", "<=", "==", "~=")]
    for specifier in specifiers:
        if specifier.operator not in (">=", "<", "<=", "==", "~="):
            raise ImpactError(
                f"{specifier} in '{clean}': OSV ranges have no '{specifier.operator}'; use >=, <, <=, == or ~="
            )
        if specifier.version.endswith(".*"):
            raise ImpactError(f"{specifier} in '{clean}': write the range without a wildcard (>=1.4,<1.5)")
    if len(lower) > 1 or len(upper) > 1:
        raise ImpactError(f"'{clean}': at most one lower and one upper bound per range; list ranges separately")
    return specifiers


def _bounds(specifiers: SpecifierSet) -> tuple[str, str | None, str | None]:
    """(introduced, fixed, last_affected) of one checked range."""
    introduced, fixed, last = "0", None, None
    for specifier in specifiers:
        operator, version = specifier.operator, specifier.version
        if operator == ">=":
            introduced = version
        elif operator == "<":
            fixed = version
        elif operator == "<=":
            last = version
        elif operator == "==":
            introduced, last = version, version
        elif operator == "~=":
            introduced, fixed = version, _compatible_ceiling(version)
    if introduced != "0" and (bound := fixed or last) is not None and Version(bound) < Version(introduced):
        raise ImpactError(f"{specifiers}: the upper bound is below the lower one")
    return introduced, fixed, last


def _compatible_ceiling(version: str) -> str:
    """The first version `~=X.Y.Z` excludes: X.(Y+1) (PEP 440's compatible release)."""
    release = Version(version).release
    prefix = list(release[:-1])
    prefix[-1] += 1
    return ".".join(str(part) for part in prefix)


def _check_disjoint(bounds: list[tuple[str, str | None, str | None]]) -> None:
    """Refuse ranges that overlap: OSV events cannot say so (a second `introduced` inside an open range is read as
    the same range, and its own end would cut the first one short), so an advisory would publish a wrong answer."""
    ordered = sorted(bounds, key=lambda b: Version(b[0]))
    for (start, fixed, last), (next_start, _, _) in pairwise(ordered):
        if fixed is None and last is None:
            raise ImpactError(f"the range from {start} has no end, so it overlaps the one from {next_start}")
        if (fixed is not None and Version(fixed) > Version(next_start)) or (
            last is not None and Version(last) >= Version(next_start)
        ):
            raise ImpactError(f"the range from {start} overlaps the one from {next_start}; merge them into one")


def _a(word: str) -> str:
    """The article before `word` ("an affected", "a fixed")."""
    return "an" if word[:1] in "aeiou" else "a"


def check_cell(cell: ImpactCell) -> ImpactCell:
    """The cell with its text trimmed and its ranges normalised, or ImpactError naming the rule it breaks."""
    status = ImpactStatus(cell.status)
    parsed = [parse_range(text) for text in cell.ranges]
    _check_disjoint([_bounds(specifiers) for specifiers in parsed])  # _bounds raises if a range's bounds cross
    ranges = tuple(str(specifiers) for specifiers in parsed)
    if ranges and status not in RANGE_STATUSES:
        raise ImpactError(
            f"{_a(status)} {status} cell has no affected ranges; set the status to affected, fixed, ... first"
        )
    fixed_version = (cell.fixed_version or "").strip() or None
    if fixed_version is not None:
        if status not in FIXED_VERSION_STATUSES:
            raise ImpactError(
                f"only a fixed or fix-in-progress cell names a fixed version, not {_a(status)} {status} one"
            )
        fixed_version = str(_version(fixed_version, "the fixed version"))
    if status == ImpactStatus.FIXED and fixed_version is None:
        raise ImpactError("a fixed cell needs the version that fixes it")
    justification = VexJustification(cell.justification) if cell.justification else None
    if status == ImpactStatus.NOT_AFFECTED and justification is None:
        raise ImpactError("not-affected needs a justification: " + ", ".join(j.value for j in VexJustification))
    if justification is not None and status != ImpactStatus.NOT_AFFECTED:
        raise ImpactError(f"a justification is only for not-affected, not for {status}")
    return replace(
        cell,
        status=status,
        ranges=ranges,
        fixed_version=fixed_version,
        justification=justification,
        notes=cell.notes.strip(),
    )


def osv_events(cell: ImpactCell) -> list[dict[str, str]]:
    """The cell's affected versions as the `events` of one OSV ECOSYSTEM range (empty if it says none are)."""
    if cell.status not in RANGE_STATUSES:
        return []
    bounds = [_bounds(parse_range(text)) for text in cell.ranges] or [("0", None, None)]
    open_ended = [b for b in bounds if b[1] is None and b[2] is None]
    if cell.status == ImpactStatus.FIXED and cell.fixed_version and open_ended:
        # "Fixed in 2.1" with a range that stops nowhere: the fix closes the newest such range.
        newest = max(open_ended, key=lambda b: Version(b[0]))
        bounds = [b for b in bounds if b is not newest] + [(newest[0], cell.fixed_version, None)]
    events: list[dict[str, str]] = []
    for introduced, fixed, last in sorted(bounds, key=lambda b: Version(b[0])):
        events.append({"introduced": introduced})
        if fixed is not None:
            events.append({"fixed": fixed})
        elif last is not None:
            events.append({"last_affected": last})
    return events


def mark(status: ImpactStatus) -> str:
    """'+ fixed', '? unknown': a cell's symbol and word."""
    return f"{STATUS_MARKS[ImpactStatus(status)]} {status}"


def cell_from_events(status: ImpactStatus, events: Sequence[tuple[str, str]]) -> ImpactCell:
    """The cell that says what imported OSV events say (the inverse of `osv_events`), checked; ImpactError if the
    events have no PEP 440 form."""
    ranges: list[str] = []
    start: str | None = None

    def open_range(introduced: str) -> str:
        return f">={introduced}" if introduced != "0" else ">=0"

    for kind, version in events:
        if kind == "introduced":
            if start is not None:
                ranges.append(open_range(start))
            start = version
        elif start is None:
            raise ImpactError(f"{kind} {version} comes before any introduced version")
        else:
            if kind == "fixed":
                upper = f"<{version}"
            elif start == version:
                upper = f"=={version}"
            else:
                upper = f"<={version}"
            lower = "" if start == "0" or upper.startswith("==") else f">={start},"
            ranges.append(lower + upper)
            start = None
    if start is not None:
        ranges.append(open_range(start))
    fixes = [version for kind, version in events if kind == "fixed"]
    fixed_version = fixes[-1] if fixes and status in FIXED_VERSION_STATUSES else None
    return check_cell(ImpactCell(status, tuple(ranges), fixed_version))


RANGES_SEPARATOR = ";"
"""Between ranges in the editor's one-line field (specifier sets use commas themselves)."""


def parse_ranges(text: str) -> tuple[str, ...]:
    """The ranges typed in the editor: `>=1.0,<1.4; >=2.0,<2.1` is two."""
    return tuple(part.strip() for part in text.split(RANGES_SEPARATOR) if part.strip())
