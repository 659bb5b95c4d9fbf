"""Seals an invitation (signed by the inviting coordinator, encrypted to the invitee only, so nobody else reads who
is on the team) and opens a received one: bounded, decrypted with the joiner's key, shape-checked, and its signature
verified against the inviter's key it carries, which must be the key the invitation names."""

from __future__ import annotations

from pathlib import Path

import gnupg

from triage_tui.intake.gnupg_batch import DecryptOutcome, GnuPG, GpgUnavailable
from triage_tui.intake.scratch import private_folder
from triage_tui.services.safe_read import ReadRefused, read_bounded
from triage_tui.team.envelope import encrypt_signed
from triage_tui.team.invitation_document import Invitation, InvitationError, Inviter, decode
from triage_tui.untrusted import neutralise_line

MAX_SEALED_BYTES = 4 * 1024 * 1024 + 2 * 1024 * 1024
"""A sealed invitation file: the largest document (4 MiB) armoured and signed stays under it (signing compresses,
so a real one is far smaller); a bigger file is refused before gpg reads it."""
_SIGNED_BEGIN = b"-----BEGIN PGP MESSAGE-----"
_SHOWN_STATUS = 80
_PINENTRY_SOURCE = 5
"""libgpg-error's source number of pinentry."""
_NO_PASSPHRASE_CODES = frozenset({85, 99})
"""GPG_ERR_NO_PIN_ENTRY, GPG_ERR_CANCELED."""


def inviter_from_keyring(gpg: gnupg.GPG, fingerprint: str, name: str, email: str) -> Inviter:
    """The inviter with their public key exported from `gpg` (minimal: no third-party signatures to carry)."""
    armoured = str(gpg.export_keys(fingerprint, minimal=True) or "")
    if not armoured.strip():
        raise InvitationError(f"cannot export the inviter's key {fingerprint}: it is not in the keyring")
    return Inviter(name=name, email=email, fingerprint=fingerprint, key=armoured)


def seal_invitation(gpg: gnupg.GPG, invitation: Invitation) -> bytes:
    """The invitation signed by the inviter's key and encrypted to the invitee's key only. InvitationError when the
    invitation is not one the joiner would accept; RecipientError naming the invitee's key when gpg cannot encrypt
    to it (not imported, expired, revoked)."""
    data = invitation.encode()
    decode(data)  # never hand out what the joiner's check refuses
    return seal_bytes(gpg, invitation.inviter.fingerprint, invitation.invitee.fingerprint, data)


def seal_bytes(gpg: gnupg.GPG, signer: str, recipient: str, data: bytes) -> bytes:
    """`data` signed by `signer` (an armoured signed message) and encrypted to `recipient`: the sealed form of any
    document, checked or not (tests hand it hostile ones)."""
    signed = gpg.sign(data, keyid=signer, clearsign=False, binary=False)
    if not signed.data:
        raise InvitationError(f"cannot sign the invitation with {signer}: {getattr(signed, 'status', '')}")
    return encrypt_signed(gpg, bytes(signed.data), [recipient])


def read_sealed(path: Path) -> bytes:
    """The bytes of the invitation file at `path`, at most MAX_SEALED_BYTES; InvitationError (one line) if it is
    not a readable regular file of that size."""
    try:
        return read_bounded(path, MAX_SEALED_BYTES)
    except ReadRefused as error:
        if error.kind == "too-big":
            raise InvitationError(f"the invitation {path} is over {MAX_SEALED_BYTES} bytes; not read") from None
        raise InvitationError(f"cannot read the invitation {path}: {error.reason}") from None


def open_invitation(data: bytes, joiner_home: Path | None, *, own_fingerprint: str | None = None) -> Invitation:
    """The invitation sealed in `data`, opened with the secret keys of the GnuPG home `joiner_home` (None: gpg's
    default), checked and verified; InvitationError (one line) saying why it is refused otherwise.

    The inviter's key comes from the invitation itself and is only imported into a throw-away keyring for the check:
    the joiner's keyring is not touched (importing the roster's keys is the join's next step, once confirmed). The
    key being in the invitation proves nothing by itself: the joiner confirms its fingerprint with the inviter."""
    if len(data) > MAX_SEALED_BYTES:
        raise InvitationError(f"the invitation is {len(data)} bytes (at most {MAX_SEALED_BYTES}); not read")
    outer = _decrypt(GnuPG(joiner_home), data)
    keywords = {keyword for keyword, _value in outer.keywords}
    if outer.error is not None:
        raise InvitationError(f"not for you, or damaged: {outer.error}")
    if "DECRYPTION_OKAY" not in keywords or "DECRYPTION_FAILED" in keywords or outer.plaintext is None:
        held = _passphrase_not_given(outer)
        if held is not None:
            raise InvitationError(
                f"gpg could not open it with your key {grouped(held)}: its passphrase was not given (no prompt could"
                " be shown, or it was cancelled); run it in a terminal with GPG_TTY set (export GPG_TTY=$(tty))"
            )
        raise InvitationError(f"not for you, or damaged: it cannot be decrypted with your keys ({_status(outer)})")
    signed = outer.plaintext
    if not signed.lstrip().startswith(_SIGNED_BEGIN):
        raise InvitationError("unsigned: the invitation holds no signed message")
    invitation = _verified(signed)
    _check_invitee(invitation, joiner_home, own_fingerprint)
    return invitation


def _passphrase_not_given(outcome: DecryptOutcome) -> str | None:
    """The joiner's key whose passphrase gpg-agent asked for and did not get (no terminal for the prompt, or the
    prompt cancelled), when that is why decryption failed; else None. An invitation names no recipient (gpg tries
    every secret key), so the key is the one gpg considered when it launched the prompt."""
    considered: str | None = None
    for keyword, value in outcome.keywords:
        if keyword == "KEY_CONSIDERED":
            considered = value.split(" ", 1)[0].upper()
        elif keyword == "PINENTRY_LAUNCHED" or (keyword == "ERROR" and _pinentry_error(value)):
            return considered or "?"
    return None


def _pinentry_error(value: str) -> bool:
    """gpg's `ERROR pkdecrypt_failed CODE` when the code says no prompt could be shown or it was cancelled."""
    where, _, code = value.partition(" ")
    if where != "pkdecrypt_failed" or not code.isdigit():
        return False
    number = int(code)
    return number >> 24 == _PINENTRY_SOURCE or number & 0xFFFF in _NO_PASSPHRASE_CODES


def _verified(signed: bytes) -> Invitation:
    """The invitation in the signed message, once its one signature is checked to be the named inviter's."""
    # A throw-away keyring (mode 0700, removed after): the joiner's own is not touched before they confirm.
    with private_folder("inv") as home:
        unchecked = _decrypt(GnuPG(home), signed)  # no key yet: gpg gives the data and says whose signature it is
        if unchecked.error is not None or unchecked.plaintext is None:
            raise InvitationError(
                f"damaged: the signed invitation cannot be read ({unchecked.error or _status(unchecked)})"
            )
        _one_signature(unchecked)
        invitation = decode(unchecked.plaintext)
        _import_inviter_key(home, invitation.inviter)
        checked = _decrypt(GnuPG(home), signed)
    named = invitation.inviter.fingerprint
    if checked.plaintext != unchecked.plaintext:
        raise InvitationError("damaged: the signed invitation read differently twice")
    if not checked.result.valid:
        if checked.result.status == "no public key":
            raise InvitationError(f"signed by someone else than the inviter it names ({grouped(named)})")
        if checked.result.status == "signature bad":
            raise InvitationError("bad signature: the invitation was changed after it was signed")
        raise InvitationError(f"the inviter's signature is not good ({_status(checked)})")
    signer = str(checked.result.pubkey_fingerprint or checked.result.fingerprint or "").upper()
    if signer != named:
        raise InvitationError(f"signed by someone else than the inviter it names ({grouped(named)})")
    return invitation


def _one_signature(outcome: DecryptOutcome) -> None:
    signatures = sum(1 for keyword, _value in outcome.keywords if keyword == "NEWSIG")
    if signatures == 0:
        raise InvitationError("unsigned: the invitation carries no signature")
    if signatures > 1:
        raise InvitationError(f"the invitation carries {signatures} signatures; an invitation has its inviter's only")


def _import_inviter_key(home: Path, inviter: Inviter) -> None:
    """Import the inviter's key into the scratch keyring; it must hold exactly the key the invitation names."""
    # No agent: a public key needs none, and a scratch home must leave no process behind.
    gpg = gnupg.GPG(gnupghome=str(home), options=["--no-autostart"])
    result = gpg.import_keys(inviter.key)
    found = sorted({str(fpr).upper() for fpr in (result.fingerprints or [])})
    if found != [inviter.fingerprint]:
        held = f"{len(found)} keys" if len(found) != 1 else f"key {grouped(found[0])}"
        raise InvitationError(f"malformed field inviter.key: it holds {held}, not the inviter's key alone")


def _check_invitee(invitation: Invitation, joiner_home: Path | None, own_fingerprint: str | None) -> None:
    """The invitation names a key whose secret half is in the joiner's keyring (and theirs, if they said which)."""
    wanted = invitation.invitee.fingerprint
    if own_fingerprint is not None and own_fingerprint.replace(" ", "").upper() != wanted:
        raise InvitationError(f"not for you: it invites key {grouped(wanted)}, not yours")
    gpg = gnupg.GPG(gnupghome=str(joiner_home)) if joiner_home is not None else gnupg.GPG()
    secret = {str(key.get("fingerprint", "")).upper() for key in gpg.list_keys(True, keys=[wanted])}
    if wanted not in secret:
        raise InvitationError(f"not for you: it invites key {grouped(wanted)}, whose secret key you do not hold")


def _decrypt(gpg: GnuPG, data: bytes) -> DecryptOutcome:
    """gpg's outcome for one message, its plaintext bounded (a compression bomb is not read)."""
    try:
        outcomes = gpg.decrypt_many([data])
    except GpgUnavailable as error:
        raise InvitationError(f"cannot check the invitation: {error}") from None
    if not outcomes:
        raise InvitationError("damaged: gpg could not read the invitation")
    return outcomes[0]


def _status(outcome: DecryptOutcome) -> str:
    return neutralise_line(str(outcome.result.status or "no status"))[:_SHOWN_STATUS]


def grouped(fingerprint: str) -> str:
    """A fingerprint in groups of four, as gpg prints it and people read it aloud."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))
