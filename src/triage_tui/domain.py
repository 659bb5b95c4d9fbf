"""Provides the domain vocabulary shared by every layer: lifecycle states, dispositions and verdicts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

CASE_ID_PATTERN = re.compile(r"\bPSC-(\d{4})-(\d{4,})\b")
NO_DATE = "(no date)"
KEY_ACCEPTED = "key-accepted"
"""The event kind of accepting a reporter's changed signing key (a decision like any other, shared with the team)."""
"""What text output and the case view print for a message whose sender gave no (readable) Date; JSON has null."""


SIGNER_NOT_FROM = "signer key does not match From"
"""The start of the warning intake writes on a message whose signer key carries no UID with its From address."""

SHARED_BY = re.compile(r"^shared by ([0-9A-F]{40}) ")
"""The warning on each message of a case a coordinator shared (team/shared_case.py): who shared it, by key."""


def shared_by_warning(fingerprint: str) -> str:
    """The warning a shared case's messages carry, naming who shared it by key fingerprint (`SHARED_BY` reads it)."""
    return f"shared by {fingerprint} (the original was encrypted to the team)"


def sharer(warnings: Iterable[str]) -> str | None:
    """The key fingerprint of who shared a message, from the warning the share wrote on it (None if none)."""
    for warning in warnings:
        found = SHARED_BY.match(warning)
        if found:
            return found.group(1)
    return None


def format_case_id(year: int, number: int) -> str:
    """Return the stable case id for the given year and sequence number."""
    return f"PSC-{year:04d}-{number:04d}"


class CaseState(StrEnum):
    """Lifecycle of a case (DESIGN section 2)."""

    NEW = "new"
    TRIAGE = "triage"
    ACCEPTED = "accepted"
    FIXING = "fixing"
    READY = "ready"
    PUBLISHED = "published"
    CLOSED = "closed"


class Disposition(StrEnum):
    """How a case closed early, from `new` or `triage`."""

    INVALID = "invalid"
    DUPLICATE = "duplicate"
    NOT_A_VULNERABILITY = "not-a-vulnerability"
    OUT_OF_SCOPE = "out-of-scope"
    SPAM = "spam"
    INFORMATIVE = "informative"
    HARDENING = "hardening"


class ImpactStatus(StrEnum):
    """Status of one cell of the impact matrix; `unknown` means never checked."""

    UNKNOWN = "unknown"
    INVESTIGATING = "investigating"
    AFFECTED = "affected"
    NOT_AFFECTED = "not-affected"
    FIX_IN_PROGRESS = "fix-in-progress"
    FIXED = "fixed"
    WONT_FIX = "wont-fix"


class VexJustification(StrEnum):
    """Why a project is not affected, in the VEX vocabulary (OpenVEX / CISA's minimum requirements)."""

    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    CANNOT_BE_CONTROLLED_BY_ADVERSARY = "vulnerable_code_cannot_be_controlled_by_adversary"
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


class Decryption(StrEnum):
    """Outcome of decrypting one message."""

    NOT_ENCRYPTED = "not-encrypted"
    OK = "ok"
    NO_SECRET_KEY = "no-secret-key"
    NO_INTEGRITY = "no-integrity-protection"
    FAILED = "failed"


class Signature(StrEnum):
    """Verdict on a message's signature; only `good` means cryptographically valid."""

    GOOD = "good"
    BAD = "bad"
    UNKNOWN_KEY = "unknown-key"
    EXPIRED_KEY = "expired-key"
    EXPIRED_SIGNATURE = "expired-signature"
    REVOKED_KEY = "revoked-key"
    ERROR = "error"
    UNSIGNED = "unsigned"


class SignatureScope(StrEnum):
    """How much of a message a signature (or encryption) covers."""

    WHOLE = "whole"
    PARTIAL = "partial"
    NONE = "none"


# pip's security policy: why a report is not a vulnerability (DESIGN section 2), slug to human label. Closing a
# case as not-a-vulnerability needs one; the matching reply template is `not-a-vulnerability:<slug>`.
NOT_A_VULNERABILITY_REASONS: dict[str, str] = {
    "malicious-index": "Malicious or compromised index",
    "malicious-package": "Malicious package (building or installing a package runs its code by design)",
    "attacker-controls-machine": "Attacker already controls the machine (command line, environment, config, cache)",
    "arbitrary-code-step": "Bug in a step that already runs arbitrary code",
    "vendored-not-affected": "Vulnerability in a vendored library that does not affect the tool's use of it",
}
