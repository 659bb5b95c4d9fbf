"""Provides a new identity key for a workstation (`triage-tui init`): ed25519 for signing, cv25519 for encryption."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    import gnupg

KEY_EXPIRY = "3y"
"""A new key expires in three years (`gpg --quick-set-expire` extends it): a lost key stops being trusted by itself."""

NAME_LIMIT = 200
"""The longest name a user id takes: longer is a mistake (a paste gone wrong), not a name."""
EMAIL_LIMIT = 254
"""The longest mail address SMTP carries (RFC 5321's path, less its brackets)."""

_EMAIL = re.compile(r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+")


def identity_key_input(gpg: gnupg.GPG, name: str, email: str, expire_date: str | int, **protection: object) -> str:
    """gpg's batch recipe for an identity key: ed25519 to sign and certify, a cv25519 subkey to encrypt."""
    return str(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign,cert",
            subkey_type="ECDH",
            subkey_curve="cv25519",
            subkey_usage="encrypt",
            name_real=name,
            name_email=email,
            expire_date=expire_date,
            **protection,
        )
    )


class KeyGenerationError(Exception):
    """The key could not be made; the message is one sentence saying why."""


def identity_problem(name: str, email: str) -> str | None:
    """Why `name` and `email` cannot make a key's user id (one sentence), or None."""
    # gpg reads its batch recipe one parameter a line: a line break or control character in a value would add one.
    if len(name) > NAME_LIMIT:
        return f"the name has {len(name)} characters; at most {NAME_LIMIT} make a key's name"
    if len(email) > EMAIL_LIMIT:
        return f"the mail address has {len(email)} characters; at most {EMAIL_LIMIT} make one"
    if not name.strip() or any(ord(c) < 32 or ord(c) == 127 for c in name) or "<" in name or ">" in name:
        return "the name must be one line of text without < or >"
    if not _EMAIL.fullmatch(email):
        return f"{neutralise_line(email[:80])!r} is not a mail address such as alex@example.org"
    return None


def generate_identity_key(gnupg_home: Path | None, name: str, email: str, passphrase: str | None) -> str:
    """Generate the key in `gnupg_home` (gpg's default when None) and return its fingerprint; without a passphrase
    the secret key is stored unprotected (the caller asked for that)."""
    import gnupg

    problem = identity_problem(name, email)
    if problem is not None:
        raise KeyGenerationError(problem)
    if passphrase and any(c in passphrase for c in "\r\n\0"):
        raise KeyGenerationError("the passphrase must be one line")
    if gnupg_home is not None:
        gnupg_home.mkdir(mode=0o700, parents=True, exist_ok=True)
    gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
    gpg.encoding = "utf-8"  # python-gnupg's default is latin-1: a name such as "李" would not reach gpg
    protection: dict[str, object] = {"passphrase": passphrase} if passphrase else {"no_protection": True}
    recipe = identity_key_input(gpg, name.strip(), email, KEY_EXPIRY, **protection)
    result = gpg.gen_key(recipe)
    if not result.fingerprint:
        lines = str(result.stderr or "").strip().splitlines()
        said = neutralise_line(lines[-1][:200]) if lines else "no answer"
        raise KeyGenerationError(f"gpg could not generate your key ({said})")
    return str(result.fingerprint).upper()
