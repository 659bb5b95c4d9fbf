"""Checks the keys a team event is encrypted to before it is sealed: a reader whose public key is missing from this
workstation's keyring, expired, revoked or without a usable encryption key is named with the reason, and the events
that would go to them wait for a later sync instead of failing it (gpg's own verdict, not its error text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    import gnupg

MISSING = "its public key is not in this workstation's keyring"
EXPIRED = "its key has expired"
REVOKED = "its key is revoked"
NO_ENCRYPTION_KEY = "its key has no usable encryption subkey"


class RecipientError(ValueError):
    """Readers an event cannot be encrypted to: fingerprint -> why."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(describe(self.problems))


def describe(problems: Mapping[str, str]) -> str:
    """One line naming each key that cannot be encrypted to and why (a fingerprint may come from a roster or a
    config: it is neutralised and cut short)."""
    return "; ".join(f"cannot encrypt to {neutralise_line(fpr[:80])}: {why}" for fpr, why in sorted(problems.items()))


def unusable_recipients(gpg: gnupg.GPG, fingerprints: Iterable[str]) -> dict[str, str]:
    """Each of `fingerprints` that gpg could not encrypt to, with the reason; {} when every key is usable.

    gpg's key listing says it: validity `r` (revoked) or `e` (expired), and the key's overall capabilities (upper
    case letters of the primary key's `cap` field) hold `E` only while some subkey may still encrypt."""
    wanted = sorted({fpr.strip().upper() for fpr in fingerprints if fpr.strip()})
    if not wanted:
        return {}
    listed = gpg.list_keys(keys=wanted)
    found: dict[str, dict[str, object]] = {}
    for key in listed:
        fingerprint = str(key.get("fingerprint") or "").upper()
        found[fingerprint] = key
        for sub in key.get("subkey_info", {}) or {}:
            found.setdefault(str(sub).upper(), key)  # a subkey's fingerprint named as the reader
    problems: dict[str, str] = {}
    for fpr in wanted:
        key = found.get(fpr)
        if key is None:
            problems[fpr] = MISSING
        elif key.get("trust") == "r":
            problems[fpr] = REVOKED
        elif key.get("trust") == "e":
            problems[fpr] = EXPIRED
        elif "E" not in str(key.get("cap") or ""):
            problems[fpr] = NO_ENCRYPTION_KEY
    return problems
