"""Provides unit tests of intake's header reading, status segmentation and verdict rules (real python-gnupg objects)."""

from __future__ import annotations

from datetime import UTC, datetime

import gnupg
import pytest

from triage_tui.domain import Decryption, Signature
from triage_tui.intake.gnupg_batch import DecryptOutcome, split_status_by_file
from triage_tui.intake.headers import parse_date, parse_message_id, parse_references, read_headers
from triage_tui.intake.mime import parse_bytes, safe_filename, split_multipart_raw
from triage_tui.intake.verdicts import decryption_verdict, signature_verdict

FPR = "A1B8321883A617C8847D6434CD37B79699327A1C"


def crypt_from(lines: str, plaintext: bytes | None = b"tampered") -> DecryptOutcome:
    """A real python-gnupg Crypt fed the status lines gpg printed, as the batch wrapper does."""
    result = gnupg.Crypt(gnupg.GPG.__new__(gnupg.GPG))
    result.gpg.error_map = None
    keywords = []
    for line in lines.strip().splitlines():
        keyword, _, value = line.removeprefix("[GNUPG:] ").partition(" ")
        result.handle_status(keyword, value)
        keywords.append((keyword, value))
    return DecryptOutcome(result=result, keywords=keywords, plaintext=plaintext)


def test_badsig_inside_encryption_discards_plaintext() -> None:
    outcome = crypt_from(
        """
[GNUPG:] ENC_TO 1A99D501C8652489 18 0
[GNUPG:] BEGIN_DECRYPTION
[GNUPG:] DECRYPTION_INFO 2 9 0
[GNUPG:] PLAINTEXT 62 1795304601
[GNUPG:] NEWSIG
[GNUPG:] BADSIG CD37B79699327A1C reporter <reporter@example.org>
[GNUPG:] END_DECRYPTION
"""
    )
    verdict = decryption_verdict(outcome)
    assert verdict.decryption is Decryption.FAILED
    assert verdict.plaintext is None
    sig = signature_verdict(outcome.result)
    assert sig.signature is Signature.BAD
    assert sig.fingerprint is None


def test_decryption_okay_with_a_failure_keyword_is_not_ok() -> None:
    outcome = crypt_from("[GNUPG:] BEGIN_DECRYPTION\n[GNUPG:] BADMDC\n[GNUPG:] DECRYPTION_OKAY\n")
    assert decryption_verdict(outcome).decryption is Decryption.FAILED
    assert decryption_verdict(outcome).plaintext is None


def test_multi_recipient_no_seckey_is_still_ok_and_key_id_is_not_the_signer() -> None:
    outcome = crypt_from(
        """
[GNUPG:] ENC_TO 08AA9B3EF15DC788 18 0
[GNUPG:] NO_SECKEY 08AA9B3EF15DC788
[GNUPG:] BEGIN_DECRYPTION
[GNUPG:] DECRYPTION_INFO 2 9 0
[GNUPG:] DECRYPTION_OKAY
[GNUPG:] GOODMDC
[GNUPG:] END_DECRYPTION
""",
        plaintext=b"hi",
    )
    assert decryption_verdict(outcome).decryption is Decryption.OK
    assert decryption_verdict(outcome).plaintext == b"hi"
    sig = signature_verdict(outcome.result)
    assert sig.signature is Signature.UNSIGNED
    assert sig.fingerprint is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"EXPKEYSIG CD37B79699327A1C r <r@x>\n[GNUPG:] VALIDSIG {FPR} 2026-01-01 1 0 4 0 22 10 00 {FPR}",
            Signature.EXPIRED_KEY,
        ),
        (
            f"REVKEYSIG CD37B79699327A1C r <r@x>\n[GNUPG:] VALIDSIG {FPR} 2026-01-01 1 0 4 0 22 10 00 {FPR}",
            Signature.REVOKED_KEY,
        ),
        (
            f"EXPSIG CD37B79699327A1C r <r@x>\n[GNUPG:] VALIDSIG {FPR} 2026-01-01 1 0 4 0 22 10 00 {FPR}",
            Signature.EXPIRED_SIGNATURE,
        ),
        (
            f"ERRSIG CD37B79699327A1C 22 10 00 1795304601 9 {FPR}\n[GNUPG:] NO_PUBKEY CD37B79699327A1C",
            Signature.UNKNOWN_KEY,
        ),
        ("ERRSIG CD37B79699327A1C 99 10 00 1795304601 4", Signature.ERROR),
    ],
)
def test_signature_problems(line: str, expected: Signature) -> None:
    outcome = crypt_from(f"[GNUPG:] NEWSIG\n[GNUPG:] {line}\n[GNUPG:] DECRYPTION_OKAY")
    sig = signature_verdict(outcome.result)
    assert sig.signature is expected
    if expected in (Signature.EXPIRED_KEY, Signature.REVOKED_KEY, Signature.EXPIRED_SIGNATURE):
        assert sig.fingerprint == FPR
    else:
        assert sig.fingerprint is None


def test_status_stream_split_per_file() -> None:
    stdout = (
        "[GNUPG:] FILE_START 3 0.asc\n[GNUPG:] DECRYPTION_OKAY\n[GNUPG:] FILE_DONE\n"
        "[GNUPG:] FILE_START 3 1.asc\n[GNUPG:] NODATA 1\n[GNUPG:] NODATA 2\n[GNUPG:] FILE_DONE\n"
        "[GNUPG:] FILE_START 3 12.asc\n[GNUPG:] NO_SECKEY X\n[GNUPG:] FILE_DONE\n"
    )
    segments = split_status_by_file(stdout)
    assert segments == {
        0: [("DECRYPTION_OKAY", "")],
        1: [("NODATA", "1"), ("NODATA", "2")],
        12: [("NO_SECKEY", "X")],
    }


def test_headers_dates_ids_references() -> None:
    raw = (
        b"From: =?utf-8?q?R=C3=A9p_=1B[31m?= <Rep@Example.org>\r\n"
        b"Subject: =?utf-8?q?H=C3=A9llo?=\r\n world \xe2\x80\xae\xff\r\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n"
        b"Message-ID:   <abc@x>  \r\n"
        b"In-Reply-To: junk <p@x> more\r\n"
        b"References: <a@x>\r\n <b@x> <c@x>\r\n\r\nbody\r\n"
    )
    fields = read_headers(parse_bytes(raw))
    assert fields.sender_email == "Rep@Example.org"
    assert fields.sender_name == "Rép \u241b[31m"
    assert fields.subject == "Héllo world <U+202E>\ufffd"
    assert fields.date == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert fields.date is not None and fields.date.tzinfo is not None
    assert fields.message_id == "<abc@x>"
    assert fields.in_reply_to == "<p@x>"
    assert fields.references == ("<a@x>", "<b@x>", "<c@x>")


@pytest.mark.parametrize("value", [None, "", "garbage", "Tue, 99 Foo 2026 99:99:99 +0100"])
def test_bad_dates_are_none(value: str | None) -> None:
    assert parse_date(value) is None


def test_naive_date_is_utc() -> None:
    assert parse_date("Tue, 03 Mar 2026 10:00:00 -0000") == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_message_id_forms() -> None:
    assert parse_message_id(" bare@id ") == "<bare@id>"
    assert parse_message_id("   ") is None
    assert parse_message_id(None) is None
    assert parse_references(None) == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.dll", "evil.dll"),
        ("/abs/x.txt", "x.txt"),
        ("..", "attachment-3"),
        (None, "attachment-3"),
        (".hidden", "hidden"),
        ("a\u202egpj.exe", "a<U+202E>gpj.exe"),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, 3) == expected


def test_split_multipart_raw_exact_bytes() -> None:
    raw = b'Content-Type: multipart/signed; boundary="b"\n\npreamble\n--b\nA: 1\n\none \n--b\nsig\n--b--\n'
    assert split_multipart_raw(raw, "b") == [b"A: 1\r\n\r\none ", b"sig"]
    assert split_multipart_raw(b"Content-Type: x\r\n\r\n--b\r\nno end\r\n", "b") is None
