"""Provides process_batch: raw items to ParsedMessage records, decrypting a batch in one gpg run."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parseaddr

import gnupg

from triage_tui.domain import SIGNER_NOT_FROM, Decryption, Signature, SignatureScope
from triage_tui.intake.gnupg_batch import DecryptOutcome, GnuPG, GpgUnavailable
from triage_tui.intake.headers import HeaderFields, apply_protected, has_protected_headers, read_headers
from triage_tui.intake.mime import (
    Content,
    InlineBlock,
    children,
    clearsigned_text,
    collect,
    find_inline_block,
    is_type,
    looks_like_email,
    main_text_part,
    parse_bytes,
    parse_header_block,
    pgpmime_armour,
    signed_parts,
    text_of,
)
from triage_tui.intake.plaintext_budget import PlaintextLease
from triage_tui.intake.records import CryptoVerdict, IntakeFailure, ParsedMessage
from triage_tui.intake.verdicts import SignatureVerdict, decryption_verdict, signature_verdict
from triage_tui.sources.base import HEAD_BYTES, MAX_MESSAGE_BYTES
from triage_tui.untrusted import neutralise, neutralise_line

__all__ = ["GnuPG", "process_batch", "too_large"]

MAX_PARSED_BYTES = MAX_MESSAGE_BYTES
"""The largest raw message parsed: the one limit the sources read whole by (sources.base). A sync holds several
times a message's size while it parses and stores it (bench/hostile_inputs.py, a plain mail through a whole sync:
16 MB peaks at 162 MB, 24 MB at 198 MB; parsed whole, before mime.parse_bytes fed the parser in pieces, 24 MB peaked
at 250 MB and 32 MB at 319 MB), so 24 MB stays well under the 300 MB target; it still takes in an armoured report
whose plaintext is at the 12 MB decryption cap (gnupg_batch.MAX_PLAINTEXT_BYTES)."""

_EFAIL_WARNING = (
    "an encrypted part is nested inside the message instead of being its root: "
    "not decrypted and not merged with the rest (EFAIL)"
)
_WRAPPED_SIGNED_WARNING = (
    "a signed part is nested inside an unsigned message: its signature does not cover the message and was not checked"
)
_VERIFIED_SIGNATURES = (Signature.GOOD, Signature.EXPIRED_KEY, Signature.REVOKED_KEY, Signature.EXPIRED_SIGNATURE)


class NotAnEmailError(ValueError):
    """The item has none of the headers an email has."""


@dataclass
class _Plan:
    raw: bytes
    message: Message
    kind: str  # "pgpmime", "broken-encrypted", "signed", "inline" or "clear"
    ciphertext: bytes | None = None
    inline: InlineBlock | None = None
    text_part: Message | None = None


@dataclass
class _Draft:
    headers: HeaderFields
    body: str = ""
    unauthenticated: list[str] = field(default_factory=list)
    content: Content = field(default_factory=Content)
    encrypted: bool = False
    decryption: Decryption = Decryption.NOT_ENCRYPTED
    signature: SignatureVerdict = field(default_factory=lambda: SignatureVerdict(Signature.UNSIGNED))
    scope: SignatureScope = SignatureScope.NONE
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _analyse(raw: bytes) -> _Plan:
    message = parse_bytes(raw)
    if not looks_like_email(message):
        raise NotAnEmailError("not an email: no message headers")
    if is_type(message, "multipart/encrypted"):
        armour = pgpmime_armour(message)
        if armour is None:
            return _Plan(raw, message, "broken-encrypted")
        return _Plan(raw, message, "pgpmime", ciphertext=armour)
    if is_type(message, "multipart/signed"):
        return _Plan(raw, message, "signed")
    text_part = main_text_part(message)
    if text_part is not None:
        block = find_inline_block(text_of(text_part))
        if block is not None:
            ciphertext = block.armour.encode("utf-8") if block.kind == "message" else None
            return _Plan(raw, message, "inline", ciphertext=ciphertext, inline=block, text_part=text_part)
    return _Plan(raw, message, "clear")


def process_batch(
    raws: Sequence[bytes], gpg: GnuPG, *, lease: PlaintextLease | None = None
) -> list[ParsedMessage | IntakeFailure]:
    """Same order as raws, and the same length unless the plaintext `lease` stopped decryption early: then the
    results of a prefix of raws, and the caller hands the rest in again once these are stored. Never raises for a
    bad item: a message whose decryption/verification failed is a ParsedMessage whose verdict says why (error set,
    body empty when decryption failed); IntakeFailure only for an item that is not an email at all or whose
    processing raised unexpectedly (caught per item)."""
    plans: list[_Plan | IntakeFailure] = []
    for raw in raws:
        if len(raw) > MAX_PARSED_BYTES:
            plans.append(too_large(raw[:HEAD_BYTES], len(raw)))
            continue
        try:
            plans.append(_analyse(raw))
        except NotAnEmailError as exc:
            plans.append(IntakeFailure(raw=raw, reason=str(exc)))
        except Exception as exc:  # one hostile item must not stop the batch
            plans.append(IntakeFailure(raw=raw, reason=f"could not parse: {type(exc).__name__}: {exc}"))
    outcomes, handed_back = _decrypt_all(plans, gpg, lease)
    results: list[ParsedMessage | IntakeFailure] = []
    for index, plan in enumerate(plans[:handed_back]):
        if isinstance(plan, IntakeFailure):
            results.append(plan)
            continue
        try:
            results.append(_finish(plan, outcomes.get(index), gpg))
        except Exception as exc:  # one hostile item must not stop the batch
            results.append(IntakeFailure(raw=plan.raw, reason=f"processing failed: {type(exc).__name__}: {exc}"))
    return results


def too_large(head: bytes, size: int) -> IntakeFailure:
    """A message of `size` bytes kept unparsed, with its `head` only: its reason names its size and, when its
    headers end within the head, who sent it and its subject (neutralised, as for any message), to find it by."""
    reason = f"too large to read: {size} bytes (at most {MAX_PARSED_BYTES} are read); kept for inspection"
    headers = parse_header_block(head, HEAD_BYTES)
    if headers is not None:
        fields = read_headers(headers)
        if fields.sender_email or fields.sender_name:
            reason += f"; from {fields.sender_name or fields.sender_email} <{fields.sender_email}>"
        if fields.subject:
            reason += f"; subject {fields.subject[:200]!r}"
    return IntakeFailure(raw=head, reason=reason)


def _decrypt_all(
    plans: Sequence[_Plan | IntakeFailure], gpg: GnuPG, lease: PlaintextLease | None
) -> tuple[dict[int, DecryptOutcome], int]:
    """Outcomes by plan index, and how many plans they cover: all of them, or up to the first message the
    plaintext budget left undecrypted."""
    wanted = [(i, p.ciphertext) for i, p in enumerate(plans) if isinstance(p, _Plan) and p.ciphertext is not None]
    try:
        outcomes = gpg.decrypt_many([ciphertext for _, ciphertext in wanted], lease=lease)
    except GpgUnavailable:
        raise  # no verdict on these messages: the sync stops and the next one tries them again
    except Exception as exc:  # an answer from gpg this code could not read: each item records it, the sync goes on
        outcomes = [DecryptOutcome(result=gnupg.Crypt(gpg.gpg), error=f"gpg failed: {exc}") for _ in wanted]
    covered = wanted[len(outcomes)][0] if len(outcomes) < len(wanted) else len(plans)
    return {index: outcome for (index, _), outcome in zip(wanted, outcomes, strict=False)}, covered


def _finish(plan: _Plan, outcome: DecryptOutcome | None, gpg: GnuPG) -> ParsedMessage:
    draft = _Draft(headers=read_headers(plan.message))
    if plan.kind == "pgpmime":
        _finish_pgpmime(draft, outcome, gpg)
    elif plan.kind == "broken-encrypted":
        draft.encrypted = True
        draft.decryption = Decryption.FAILED
        draft.scope = SignatureScope.WHOLE
        draft.error = "malformed multipart/encrypted (RFC 3156 s4): not decrypted"
    elif plan.kind == "signed":
        _finish_signed(draft, plan.message, plan.raw, gpg)
    elif plan.kind == "inline":
        _finish_inline(draft, plan, outcome, gpg)
    else:
        _finish_clear(draft, plan.message)
    uids = _check_signer(draft, gpg)
    return _record(plan.raw, draft, uids)


def _verify_signed(entity: Message, raw: bytes, gpg: GnuPG) -> tuple[SignatureVerdict, Message]:
    """Verify a multipart/signed over the exact bytes of its first part; returns the verdict and that part."""
    parts = signed_parts(entity, raw)
    if parts is None:
        parts_found = children(entity)
        first = parts_found[0] if parts_found else entity
        return SignatureVerdict(Signature.ERROR, None, ("malformed multipart/signed: signature not checked",)), first
    return signature_verdict(gpg.verify_detached(parts.signed, parts.signature)), parts.entity


def _apply_protected_headers(draft: _Draft, *candidates: Message) -> None:
    for candidate in candidates:
        if has_protected_headers(candidate):
            draft.headers, warnings = apply_protected(draft.headers, candidate)
            draft.warnings.extend(warnings)
            return


def _take_content(draft: _Draft, content: Content, where: str) -> None:
    draft.content = content
    draft.body = content.body
    if content.nested_encrypted:
        draft.warnings.append(f"{_EFAIL_WARNING} ({where})")
    if content.nested_signed:
        draft.warnings.append(f"{_WRAPPED_SIGNED_WARNING} ({where})")
    if content.html_parts and not content.texts:
        draft.warnings.append("HTML-only message: the HTML is not shown")


def _finish_pgpmime(draft: _Draft, outcome: DecryptOutcome | None, gpg: GnuPG) -> None:
    draft.encrypted = True
    draft.scope = SignatureScope.WHOLE
    if outcome is None:
        draft.decryption, draft.error = Decryption.FAILED, "not decrypted"
        return
    verdict = decryption_verdict(outcome)
    draft.decryption = verdict.decryption
    draft.signature = signature_verdict(outcome.result)
    if verdict.decryption is not Decryption.OK or verdict.plaintext is None:
        draft.error = verdict.error
        return
    inner = parse_bytes(verdict.plaintext)
    content_root: Message = inner
    if is_type(inner, "multipart/signed"):
        inner_verdict, content_root = _verify_signed(inner, verdict.plaintext, gpg)
        if draft.signature.signature is Signature.UNSIGNED:
            draft.signature = inner_verdict
        elif inner_verdict.signature is not Signature.GOOD:
            draft.warnings.append(f"the inner multipart/signed signature is {inner_verdict.signature.value}")
    _apply_protected_headers(draft, inner, content_root)
    _take_content(draft, collect(content_root), "inside the encrypted message")


def _finish_signed(draft: _Draft, message: Message, raw: bytes, gpg: GnuPG) -> None:
    draft.signature, signed_entity = _verify_signed(message, raw, gpg)
    draft.scope = SignatureScope.WHOLE
    _apply_protected_headers(draft, signed_entity)
    _take_content(draft, collect(signed_entity), "inside the signed part")


def _finish_inline(draft: _Draft, plan: _Plan, outcome: DecryptOutcome | None, gpg: GnuPG) -> None:
    block = plan.inline
    if block is None:  # _analyse always sets it for inline plans
        raise ValueError("inline plan without a block")
    draft.scope = SignatureScope.WHOLE
    if block.kind == "message":
        draft.encrypted = True
        if outcome is None:
            draft.decryption, draft.error = Decryption.FAILED, "not decrypted"
        else:
            verdict = decryption_verdict(outcome)
            draft.decryption = verdict.decryption
            draft.signature = signature_verdict(outcome.result)
            draft.error = verdict.error
            if verdict.decryption is Decryption.OK and verdict.plaintext is not None:
                # Inline PGP carries no charset for the plaintext: UTF-8 is the only sane guess.
                draft.body = neutralise(verdict.plaintext.decode("utf-8", "replace"))
    else:
        draft.signature = signature_verdict(gpg.verify_clearsigned(block.armour.encode("utf-8")))
        draft.body = neutralise(clearsigned_text(block.armour))
    around = [text.strip("\r\n") for text in (block.before, block.after) if text.strip()]
    rest = collect(plan.message, skip=plan.text_part)
    around += [text for text in rest.texts if text.strip()]
    if around:
        draft.scope = SignatureScope.PARTIAL
        draft.unauthenticated = around
        draft.warnings.append("text outside the PGP block is neither encrypted nor signed")
    if rest.attachments:
        draft.scope = SignatureScope.PARTIAL
        draft.warnings.append("attachments of an inline PGP message are neither encrypted nor signed")
    rest.texts = []
    draft.content = rest
    if rest.nested_encrypted:
        draft.warnings.append(_EFAIL_WARNING)
    if rest.nested_signed:
        draft.warnings.append(_WRAPPED_SIGNED_WARNING)


def _finish_clear(draft: _Draft, message: Message) -> None:
    content = collect(message)
    _take_content(draft, content, "under an unprotected root")
    if content.nested_encrypted or content.nested_signed:
        draft.scope = SignatureScope.PARTIAL


def _check_signer(draft: _Draft, gpg: GnuPG) -> tuple[str, ...]:
    """The signer key's UIDs; warns when none of them carries the From address (ID attack)."""
    verdict = draft.signature
    if verdict.fingerprint is None or verdict.signature not in _VERIFIED_SIGNATURES:
        return ()
    uids = gpg.uids(verdict.fingerprint)
    addresses = {parseaddr(uid)[1].casefold() for uid in uids}
    sender = draft.headers.sender_email.casefold()
    if not sender or sender not in addresses:
        draft.warnings.append(f"{SIGNER_NOT_FROM} ({draft.headers.sender_email or 'no From address'})")
    return uids


def _record(raw: bytes, draft: _Draft, uids: tuple[str, ...]) -> ParsedMessage:
    headers = draft.headers
    verdict = CryptoVerdict(
        encrypted=draft.encrypted,
        decryption=draft.decryption,
        signature=draft.signature.signature,
        signer_fingerprint=neutralise_line(draft.signature.fingerprint) if draft.signature.fingerprint else None,
        signer_uids=tuple(neutralise_line(uid) for uid in uids),
        scope=draft.scope,
        warnings=tuple(neutralise_line(w) for w in (*draft.signature.warnings, *draft.warnings)),
        error=neutralise_line(draft.error) if draft.error else None,
    )
    return ParsedMessage(
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=headers.message_id,
        in_reply_to=headers.in_reply_to,
        references=headers.references,
        subject=headers.subject,
        sender_name=headers.sender_name,
        sender_email=headers.sender_email,
        date=headers.date,
        body=draft.body if draft.decryption in (Decryption.OK, Decryption.NOT_ENCRYPTED) else "",
        verdict=verdict,
        unauthenticated_text=neutralise("\n\n".join(draft.unauthenticated)),
        attachments=tuple(draft.content.attachments),
        html_parts=draft.content.html_parts,
    )
