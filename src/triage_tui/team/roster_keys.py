"""The key material roster events carry, checked with gpg: an armoured key holds exactly the primary key it is named
by, a key rotation's proof is the new key's signature over the rotation; and the roster's keys brought into the
workstation's keyring (an import grants nothing: trust comes from the roster's fingerprints, never the keyring)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp

if TYPE_CHECKING:
    import gnupg


def rotation_statement(old: str, new: str, at: Timestamp) -> bytes:
    """The exact bytes a key rotation's proof signs (DESIGN section 5, shared design of issue 17)."""
    return b"triage-tui key rotation " + old.encode() + b" -> " + new.encode() + b" at " + at.text().encode()


def key_problem(gpg: gnupg.GPG, armored: str, fingerprint: str) -> str | None:
    """Why `armored` is not exactly the public key `fingerprint` (one primary key, that one), or None."""
    scanned = gpg.scan_keys_mem(armored)
    primaries = [str(key.get("fingerprint", "")).upper() for key in scanned if key.get("type") in ("pub", "sec")]
    if primaries != [fingerprint]:
        found = ", ".join(primaries) or "no key"
        return f"the key given for {fingerprint} holds {found}"
    if any(key.get("type") == "sec" for key in scanned):
        return f"the key given for {fingerprint} holds a secret key"
    return None


def import_key(gpg: gnupg.GPG, armored: str, fingerprint: str) -> str | None:
    """Import `armored` once `key_problem` has nothing against it; why not, or None once the key is here."""
    problem = key_problem(gpg, armored, fingerprint)
    if problem is not None:
        return problem
    result = gpg.import_keys(armored)
    if fingerprint not in {str(f).upper() for f in result.fingerprints}:
        return f"gpg could not import the key {fingerprint}"
    return None


def proof_problem(gpg: gnupg.GPG, old: str, new: str, at: Timestamp, proof: str) -> str | None:
    """Why `proof` is not the key `new`'s good detached signature over the rotation (the key must be here), or
    None."""
    with tempfile.TemporaryDirectory(prefix="triage-rotation-") as folder:
        signature = Path(folder) / "proof.asc"
        signature.write_text(proof, encoding="ascii", errors="replace")
        verified = gpg.verify_data(str(signature), rotation_statement(old, new, at))
    signer = str(getattr(verified, "pubkey_fingerprint", "") or getattr(verified, "fingerprint", "") or "").upper()
    if not verified.valid or signer != new:
        return f"the rotation's proof is not a good signature by the new key {new}"
    return None


def sign_rotation(gpg: gnupg.GPG, old: str, new: str, at: Timestamp) -> str:
    """The new key's detached signature over the rotation (its secret key is here). ValueError if gpg fails."""
    result = gpg.sign(rotation_statement(old, new, at), keyid=new, detach=True, binary=False)
    if not result.data:
        raise ValueError(f"the new key {new} could not sign the rotation: {getattr(result, 'status', '')}")
    return bytes(result.data).decode("ascii")


def roster_event_problem(gpg: gnupg.GPG, event: TeamEvent) -> str | None:
    """What in a roster event's key material does not hold (whoever wrote it), or None; keys it brings are
    imported. Judged once, on receipt: the answer depends on the event's bytes alone."""
    change = event.roster or {}
    if event.kind == "member-add":
        member = change["member"]
        return import_key(gpg, str(member["key"]), str(member["fingerprint"]))
    if event.kind == "key-rotate":
        new = str(change["new"])
        problem = import_key(gpg, str(change["key"]), new)
        return problem or proof_problem(gpg, str(change["old"]), new, event.at, str(change["proof"]))
    return None


def import_keys(gpg: gnupg.GPG, keys: Iterable[tuple[str, str]]) -> None:
    """Bring each (fingerprint, armoured key) the keyring lacks into it (checked, so nothing else comes along)."""
    wanted = dict(keys)
    if not wanted:
        return
    present = {str(k.get("fingerprint", "")).upper() for k in gpg.list_keys(keys=sorted(wanted))}
    for fingerprint, armored in sorted(wanted.items()):
        if fingerprint not in present:
            import_key(gpg, armored, fingerprint)
