"""A kind of demo report: the projects it fits, its titles and the text blocks its body is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VulnClass:
    """One kind of report: where it applies, a title, and the text blocks a body is made of."""

    key: str
    projects: tuple[str, ...]
    titles: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    poc: str
    impact: str
    cwe: str
    vectors: tuple[str, ...]
    attachment: str | None = None  # "poc.py", "wheel", "sdist" or "patch": the kind it sometimes carries
