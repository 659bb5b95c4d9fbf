"""Provides importing a reporter's public key: hostile key material read in a scratch keyring first (size-bounded,
public keys only), shown as fingerprints and neutralised user ids, and only what was shown goes to the keyring."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    from triage_tui.store.case_detail import AttachmentInfo, CaseDetail
    from triage_tui.store.store import Store

MAX_KEY_MATERIAL = 256 * 1024
"""Bytes of key material read at most (a file, an attachment, a WKD answer): a flooded key is refused unread."""
MAX_KEYS = 8
"""Keys one material may hold; a reporter sends one, or a few (old and new)."""
MAX_USER_IDS_SHOWN = 10
KEY_TYPES = ("application/pgp-keys",)
KEY_SUFFIXES = (".asc", ".key", ".pgp", ".gpg")


class KeyImportError(Exception):
    """The material cannot be imported; the message is one sentence saying why."""


@dataclass(frozen=True)
class KeyPreview:
    """One public key as the user is asked about it: its fingerprint and its user ids, made safe to show."""

    fingerprint: str
    user_ids: tuple[str, ...]
    can_encrypt: bool = True
    """Whether it has a valid key that can encrypt (a sign-only, expired or revoked key has none)."""
    subkeys: tuple[str, ...] = ()
    """Its subkeys' fingerprints (a reporter's messages may name the signing subkey)."""


@dataclass(frozen=True)
class KeyMaterial:
    """Keys checked and ready to import: what is shown, and exactly those keys' public halves (armoured)."""

    origin: str
    keys: tuple[KeyPreview, ...]
    armored: bytes
    warnings: tuple[str, ...] = ()
    """Why the keys cannot encrypt a reply to the reporter, if they cannot (each one sentence)."""

    def describe(self) -> str:
        """The keys as lines of safe text: where they came from, each fingerprint in groups, its user ids, and why
        they cannot encrypt a reply to the reporter, if so."""
        lines = [f"Warning: {warning}" for warning in self.warnings]
        lines.append(f"From {self.origin}:")
        for key in self.keys:
            grouped = " ".join(key.fingerprint[i : i + 4] for i in range(0, len(key.fingerprint), 4))
            lines.append(f"  {grouped}")
            lines += [f"    {uid}" for uid in key.user_ids[:MAX_USER_IDS_SHOWN]]
            if len(key.user_ids) > MAX_USER_IDS_SHOWN:
                lines.append(f"    … and {len(key.user_ids) - MAX_USER_IDS_SHOWN} more user ids")
        return "\n".join(lines)


def _address_of(user_id: str) -> str:
    # The address of "Name <addr>" is in its last angle brackets, whatever the name holds; a bare address is whole.
    bracketed = re.search(r"<([^<>\s]+)>\s*\Z", user_id)
    return (bracketed.group(1) if bracketed else user_id.strip()).lower()


def inspect_key_material(data: bytes, origin: str, *, for_address: str | None = None) -> KeyMaterial:
    """Read `data` in a throwaway keyring: KeyImportError unless it holds 1 to MAX_KEYS public keys (with
    `for_address`, only those with a user id of that address are kept, as WKD asks)."""
    import gnupg

    if len(data) > MAX_KEY_MATERIAL:
        raise KeyImportError(f"the key material is over {MAX_KEY_MATERIAL // 1024} KB; not read")
    if not data.strip():
        raise KeyImportError("the key material is empty")
    # A short path: gpg-agent's socket lives in the home when /run/user is missing, and must fit ~108 bytes.
    scratch = Path(tempfile.mkdtemp(prefix="ttk", dir="/tmp"))
    try:
        gpg = gnupg.GPG(gnupghome=str(scratch))
        gpg.encoding = "utf-8"  # user ids are UTF-8 (python-gnupg reads latin-1 by default)
        gpg.import_keys(data, extra_args=["--import-options", "import-minimal"])
        if gpg.list_keys(secret=True):
            raise KeyImportError("the material holds a secret key; only public keys are imported")
        found = gpg.list_keys()
        if not found:
            raise KeyImportError("no OpenPGP public key could be read from it")
        if len(found) > MAX_KEYS:
            raise KeyImportError(f"it holds {len(found)} keys; at most {MAX_KEYS} are imported at once")
        wanted = for_address.lower() if for_address else None
        keys = tuple(
            _preview(key)
            for key in found
            if wanted is None or any(_address_of(str(uid)) == wanted for uid in key["uids"])
        )
        if not keys:
            raise KeyImportError("none of its keys has a user id with the address it was looked up for")
        armored = str(gpg.export_keys([key.fingerprint for key in keys], minimal=True)).encode("ascii")
        if not armored.strip():
            raise KeyImportError("gpg could not export the keys it read")
        return KeyMaterial(neutralise_line(origin)[:200], keys, armored, encryption_warnings(keys, for_address))
    finally:
        subprocess.run(["gpgconf", "--homedir", str(scratch), "--kill", "all"], check=False, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


UNUSABLE_VALIDITY = frozenset("reid")
"""gpg's validity letters of a key that cannot be used: revoked, expired, invalid, disabled (as replies check)."""


def _preview(key: Mapping[str, object]) -> KeyPreview:
    """What is shown of one key listed by gpg, and whether a reply can be encrypted to it (as replies choose keys:
    its capabilities include E and it is neither revoked nor expired)."""
    uids = key.get("uids") or []
    subkeys = key.get("subkey_info") or {}
    usable = "E" in str(key.get("cap", "")) and str(key.get("trust", "")) not in UNUSABLE_VALIDITY
    return KeyPreview(
        str(key["fingerprint"]).upper(),
        tuple(neutralise_line(str(uid))[:200] for uid in uids),  # type: ignore[attr-defined]
        usable,
        tuple(str(fpr).upper() for fpr in subkeys),  # type: ignore[attr-defined]
    )


def encryption_warnings(
    keys: Sequence[KeyPreview], reporter: str | None = None, signers: Sequence[str] = ()
) -> tuple[str, ...]:
    """Why none of `keys` will encrypt a reply to `reporter` (empty when one will): none can encrypt, or none that can
    has the reporter's address as a user id nor signed their messages (a reply looks keys up by those)."""
    encrypting = [key for key in keys if key.can_encrypt]
    if not encrypting:
        return (
            "this key cannot encrypt (it is sign-only, expired or revoked), so no reply can be encrypted to it; "
            "ask the reporter for a key with an encryption subkey",
        )
    if not reporter:
        return ()
    wanted = _address_of(reporter)
    signed = {fpr.upper() for fpr in signers}
    for key in encrypting:
        if signed & {key.fingerprint, *key.subkeys} or any(_address_of(uid) == wanted for uid in key.user_ids):
            return ()
    return (
        f"none of its user ids is the reporter's address {neutralise_line(wanted)[:200]}, so replies to the reporter "
        "will not use it; ask them for a key with that address",
    )


def import_key_material(material: KeyMaterial, gnupg_home: Path | None) -> list[str]:
    """Import the checked keys into the workstation's keyring; return the fingerprints gpg took in."""
    import gnupg

    gpg = gnupg.GPG(gnupghome=str(gnupg_home) if gnupg_home is not None else None)
    result = gpg.import_keys(material.armored, extra_args=["--import-options", "import-minimal"])
    shown = {key.fingerprint for key in material.keys}
    taken = sorted({str(fpr).upper() for fpr in result.fingerprints if fpr} & shown)
    if not taken:
        raise KeyImportError("gpg imported none of the keys")
    return taken


def key_attachments(attachments: Sequence[AttachmentInfo]) -> list[AttachmentInfo]:
    """The attachments that are keys by their type (application/pgp-keys) or name, and small enough to read."""
    return [
        a
        for a in attachments
        if a.size <= MAX_KEY_MATERIAL
        and (a.content_type.lower() in KEY_TYPES or a.filename.lower().endswith(KEY_SUFFIXES))
    ]


def attachment_material(store: Store, attachment: AttachmentInfo) -> KeyMaterial:
    """An attachment's keys, checked; KeyImportError when it holds none."""
    from triage_tui.store.queries import attachment_data

    with store.read() as connection:
        found = attachment_data(connection, attachment.id)
    if found is None:
        raise KeyImportError("the attachment is no longer in the store")
    return inspect_key_material(found[1], f"the attachment {attachment.filename}")


def wkd_material(address: str, *, base_url: str | None = None) -> KeyMaterial:
    """The address's key from its domain's Web Key Directory, checked; WkdError (offline or none) or KeyImportError."""
    from triage_tui.sources.wkd import wkd_lookup

    data = wkd_lookup(address, base_url=base_url)
    return inspect_key_material(data, f"the key directory of {address}", for_address=address)


def case_material(store: Store, detail: CaseDetail, *, base_url: str | None = None) -> KeyMaterial:
    """The reporter's key for a case, with why it cannot encrypt a reply to the reporter, if so; KeyImportError (or
    WkdError, offline or none) says why there is none."""
    from triage_tui.domain import Signature
    from triage_tui.replies.compose_reply import reporter_messages

    material = _case_material(store, detail, base_url=base_url)
    signers = [
        m.signer_fingerprint
        for m in reporter_messages(detail)
        if m.signature == Signature.GOOD and m.signer_fingerprint
    ]
    warnings = encryption_warnings(material.keys, detail.summary.reporter_email, signers)
    return replace(material, warnings=warnings)


def _case_material(store: Store, detail: CaseDetail, *, base_url: str | None = None) -> KeyMaterial:
    """Its first key attachment that reads as one, else the first sender's key from their domain's Web Key
    Directory."""
    attachments = key_attachments([a for message in detail.messages for a in message.attachments])
    refused: list[str] = []
    for attachment in attachments:
        try:
            return attachment_material(store, attachment)
        except KeyImportError as error:
            refused.append(f"{neutralise_line(attachment.filename)[:80]}: {error}")
    address = detail.messages[0].sender_email if detail.messages else ""
    if not address:
        raise KeyImportError("the case has no key attachment and no reporter address to look a key up for")
    try:
        return wkd_material(address, base_url=base_url)
    except KeyImportError as error:
        if refused:
            raise KeyImportError(f"{'; '.join(refused)}; and its key directory: {error}") from None
        raise
