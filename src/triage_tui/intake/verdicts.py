"""Provides the reading of python-gnupg results as the product's decryption and signature verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage_tui.domain import Decryption, Signature
from triage_tui.intake.gnupg_batch import DecryptOutcome

if TYPE_CHECKING:
    import gnupg

# Statuses after which gpg may still have written plaintext that must not be used.
_FAILURE_KEYWORDS = frozenset({"DECRYPTION_FAILED", "BADMDC", "BADSIG", "FAILURE", "NODATA"})

# python-gnupg problem statuses, most serious first: one bad signature outweighs any good one.
_PROBLEM_ORDER: tuple[tuple[str, Signature], ...] = (
    ("signature bad", Signature.BAD),
    ("signing key was revoked", Signature.REVOKED_KEY),
    ("signing key has expired", Signature.EXPIRED_KEY),
    ("signature expired", Signature.EXPIRED_SIGNATURE),
    ("no public key", Signature.UNKNOWN_KEY),
    ("signature error", Signature.ERROR),
)
# Problems that describe decryption, not a signature (NO_SECKEY is listed for every recipient gpg skipped).
_NOT_SIGNATURE_PROBLEMS = frozenset({"no secret key"})


@dataclass(frozen=True)
class DecryptionVerdict:
    """Whether a decryption may be used, and why not."""

    decryption: Decryption
    error: str | None
    plaintext: bytes | None  # None unless decryption is OK


@dataclass(frozen=True)
class SignatureVerdict:
    """A signature verdict with the signer's primary fingerprint (only when a key in the keyring verified it)."""

    signature: Signature
    fingerprint: str | None = None
    warnings: tuple[str, ...] = ()


def decryption_verdict(outcome: DecryptOutcome) -> DecryptionVerdict:
    """Tech-notes 2.2: decryption worked iff gpg said DECRYPTION_OKAY and nothing failed; otherwise the plaintext
    gpg wrote (no MDC, bad signature inside) is dropped here."""
    result = outcome.result
    seen = {keyword for keyword, _ in outcome.keywords}
    if outcome.error is not None:
        return DecryptionVerdict(Decryption.FAILED, outcome.error, None)
    if bool(result.ok) and "DECRYPTION_OKAY" in seen and not (seen & _FAILURE_KEYWORDS):
        return DecryptionVerdict(Decryption.OK, None, outcome.plaintext or b"")
    no_mdc = any(keyword == "DECRYPTION_INFO" and value.split(" ")[0] == "0" for keyword, value in outcome.keywords)
    if no_mdc and "GOODMDC" not in seen:
        return DecryptionVerdict(
            Decryption.NO_INTEGRITY, "message is not integrity protected (no MDC); plaintext discarded", None
        )
    if result.status == "no secret key":
        return DecryptionVerdict(Decryption.NO_SECRET_KEY, "not encrypted to any secret key in the keyring", None)
    if "BADSIG" in seen:
        return DecryptionVerdict(
            Decryption.FAILED, "bad signature inside the encrypted message; plaintext discarded", None
        )
    if "BADMDC" in seen:
        return DecryptionVerdict(Decryption.FAILED, "integrity check failed (message was modified)", None)
    if "BEGIN_DECRYPTION" not in seen and "NODATA" in seen:
        return DecryptionVerdict(Decryption.FAILED, "no OpenPGP encrypted data found", None)
    status = str(result.status or "decryption failed")
    return DecryptionVerdict(Decryption.FAILED, f"decryption failed ({status})", None)


def signature_verdict(result: gnupg.Verify) -> SignatureVerdict:
    """The signature verdict of a python-gnupg Verify or Crypt result; `valid` alone never makes it good."""
    problems = [p for p in getattr(result, "problems", []) if p.get("status") not in _NOT_SIGNATURE_PROBLEMS]
    statuses = {str(p.get("status")) for p in problems}
    for status, verdict in _PROBLEM_ORDER:
        if status in statuses:
            return _problem_verdict(verdict, result, problems)
    if bool(result.valid):
        fingerprint = result.pubkey_fingerprint or result.fingerprint
        return SignatureVerdict(Signature.GOOD, str(fingerprint) if fingerprint else None)
    if getattr(result, "status", None) == "signature expected but not found" or problems:
        return SignatureVerdict(Signature.ERROR, None, ("signature could not be read",))
    return SignatureVerdict(Signature.UNSIGNED)


def _problem_verdict(verdict: Signature, result: gnupg.Verify, problems: list[dict[str, str]]) -> SignatureVerdict:
    if verdict in (Signature.REVOKED_KEY, Signature.EXPIRED_KEY, Signature.EXPIRED_SIGNATURE):
        # The key is in the keyring and the maths checked out (VALIDSIG follows), so the fingerprint is real.
        fingerprint = result.pubkey_fingerprint or result.fingerprint
        return SignatureVerdict(verdict, str(fingerprint) if fingerprint else None)
    if verdict is Signature.UNKNOWN_KEY:
        claimed = next((p.get("fingerprint") for p in problems if p.get("fingerprint")), None)
        claimed = claimed or next((p.get("keyid") for p in problems if p.get("keyid")), None)
        # The issuer is only a claim until the key is imported, so it is a warning, not the signer.
        warning = f"signed by a key not in the keyring: {claimed}" if claimed else "signed by a key not in the keyring"
        return SignatureVerdict(verdict, None, (warning,))
    return SignatureVerdict(verdict, None)
