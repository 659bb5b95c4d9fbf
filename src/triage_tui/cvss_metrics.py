"""Provides the CVSS 3.1 and 4.0 base metrics (names, values, keys) and a draft vector the calculator edits.

Metric and value names come from the `cvss` library's tables, and scores from `severity_of`, so the calculator shows
exactly what the store will compute from the saved vector. No Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from cvss import constants3, constants4

from triage_tui.severity import Severity, severity_of

Version = Literal["3.1", "4.0"]
VERSIONS: tuple[Version, ...] = ("3.1", "4.0")
PREFIXES: Mapping[Version, str] = {"3.1": "CVSS:3.1", "4.0": "CVSS:4.0"}


@dataclass(frozen=True)
class MetricValue:
    """One value a metric can take: its letter in the vector (also its key, lower-case) and its name."""

    letter: str
    name: str

    @property
    def key(self) -> str:
        """The key that picks this value in the calculator."""
        return self.letter.lower()


@dataclass(frozen=True)
class Metric:
    """A base metric: its abbreviation in the vector, its name and its values, most severe first."""

    abbreviation: str
    name: str
    values: tuple[MetricValue, ...]

    def index_of(self, letter: str | None) -> int | None:
        """The position of `letter` among the values (case-insensitive), or None."""
        if letter is None:
            return None
        for index, value in enumerate(self.values):
            if value.letter == letter.upper():
                return index
        return None


def _metrics(
    abbreviations: Mapping[str, str], names: Mapping[str, Mapping[str, str]], mandatory: list[str]
) -> tuple[Metric, ...]:
    return tuple(
        Metric(
            abbreviation=abbreviation,
            name=abbreviations[abbreviation],
            values=tuple(MetricValue(letter, name) for letter, name in names[abbreviation].items()),
        )
        for abbreviation in mandatory
    )


BASE_METRICS: Mapping[Version, tuple[Metric, ...]] = {
    "3.1": _metrics(constants3.METRICS_ABBREVIATIONS, constants3.METRICS_VALUE_NAMES, constants3.METRICS_MANDATORY),
    "4.0": _metrics(constants4.METRICS_ABBREVIATIONS, constants4.METRICS_VALUE_NAMES, constants4.METRICS_MANDATORY),
}
"""The base metrics of each version, in vector order."""

VALUE_KEYS: frozenset[str] = frozenset(
    value.key for metrics in BASE_METRICS.values() for metric in metrics for value in metric.values
)
"""Every key that picks a value in some metric (a, c, h, l, n, p, r, u)."""


@dataclass(frozen=True)
class CvssDraft:
    """A vector being edited: one chosen letter (or None) per base metric, plus any non-base metrics it came with."""

    version: Version
    choices: tuple[str | None, ...]
    kept: tuple[tuple[str, str], ...] = ()
    """Threat, environmental and supplemental metrics of the vector it was opened from, saved back unchanged."""

    @classmethod
    def empty(cls, version: Version) -> CvssDraft:
        """A draft with no metric chosen yet."""
        return cls(version, (None,) * len(BASE_METRICS[version]))

    @classmethod
    def parse(cls, vector: str | None, version: Version) -> CvssDraft:
        """The draft for a stored `vector` of `version` (3.0 vectors open as 3.1); empty if there is none or it is
        not valid for that version."""
        scored = severity_of(vector)
        if scored is None:
            return cls.empty(version)
        prefix, _, body = scored.vector.partition("/")
        if (prefix == PREFIXES["4.0"]) != (version == "4.0"):
            return cls.empty(version)
        pairs = [part.split(":", 1) for part in body.split("/") if ":" in part]
        given = {name: value for name, value in pairs}
        metrics = BASE_METRICS[version]
        base = {metric.abbreviation for metric in metrics}
        return cls(
            version,
            tuple(given.get(metric.abbreviation) for metric in metrics),
            tuple((name, value) for name, value in pairs if name not in base),
        )

    @property
    def metrics(self) -> tuple[Metric, ...]:
        """The base metrics of this draft's version."""
        return BASE_METRICS[self.version]

    @property
    def complete(self) -> bool:
        """Whether every base metric has a value (only then is there a score)."""
        return all(choice is not None for choice in self.choices)

    def choose(self, index: int, letter: str) -> CvssDraft:
        """The draft with metric `index` set to `letter`; unchanged if the metric has no such value."""
        metric = self.metrics[index]
        position = metric.index_of(letter)
        if position is None:
            return self
        choices = list(self.choices)
        choices[index] = metric.values[position].letter
        return replace(self, choices=tuple(choices))

    def step(self, index: int, delta: int) -> CvssDraft:
        """The draft with metric `index` moved `delta` values along (wrapping); an unset metric starts at the first
        value going right and at the last going left."""
        metric = self.metrics[index]
        position = metric.index_of(self.choices[index])
        if position is None:
            new = 0 if delta > 0 else len(metric.values) - 1
        else:
            new = (position + delta) % len(metric.values)
        return self.choose(index, metric.values[new].letter)

    def vector(self) -> str:
        """The vector string; unset metrics are left out, so an incomplete draft gives an incomplete vector."""
        parts = [PREFIXES[self.version]]
        parts += [f"{m.abbreviation}:{c}" for m, c in zip(self.metrics, self.choices, strict=True) if c is not None]
        parts += [f"{name}:{value}" for name, value in self.kept]
        return "/".join(parts)

    def severity(self) -> Severity | None:
        """The score and rating of the complete vector; None while a metric is unset."""
        return severity_of(self.vector()) if self.complete else None
