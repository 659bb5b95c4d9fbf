"""Provides CVSS scoring: a stored vector in, the computed base score out (scores are never typed by hand)."""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError


@dataclass(frozen=True)
class Severity:
    """A CVSS vector with the base score and rating computed from it."""

    vector: str
    score: float
    rating: str


def severity_of(vector: str | None) -> Severity | None:
    """Score a CVSS 3.x or 4.0 vector; None when there is no vector or it does not parse."""
    if not vector:
        return None
    try:
        if vector.startswith("CVSS:4.0/"):
            v4 = CVSS4(vector)
            return Severity(vector=v4.clean_vector(), score=float(v4.base_score), rating=v4.severity)
        v3 = CVSS3(vector)
        return Severity(
            vector=v3.clean_vector(),
            score=float(v3.base_score),
            rating=v3.severities()[0],
        )
    except CVSSError:
        return None


def cvss_problem(vector: str) -> str | None:
    """Why `vector` is not a CVSS 3.x or 4.0 vector, in the library's words (naming the bad metric), or None."""
    try:
        if vector.startswith("CVSS:4.0/"):
            CVSS4(vector)
        else:
            CVSS3(vector)
    except CVSSError as error:
        return str(error) or "not a CVSS vector"
    return None
