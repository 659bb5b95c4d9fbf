"""Provides tests of the report composer: RFC 3156 structure, exact signed bytes, header protection, CRLF."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from gpg_fixtures import REPORTER_EMAIL, TEAM_EMAIL, GpgWorld
from triage_tui.compose import encrypt_pgpmime, inline_pgp, mime_report, plain, sign_pgpmime


def _report() -> EmailMessage:
    return mime_report(
        subject="Secret subject",
        sender=f"Rep <{REPORTER_EMAIL}>",
        to=TEAM_EMAIL,
        body="line one  \nline two é\n",
        date=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        message_id="<c1@example.org>",
        in_reply_to="<p@example.org>",
        references=["<o@example.org>", "<p@example.org>"],
        attachments=[("poc.bin", "application/octet-stream", bytes(range(256)))],
    )


def _plain_text(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _only_crlf(raw: bytes) -> bool:
    return b"\n" not in raw.replace(b"\r\n", b"")


def test_mime_report_headers_and_parts() -> None:
    msg = _report()
    assert msg["Subject"] == "Secret subject"
    assert msg["Message-ID"] == "<c1@example.org>"
    assert msg["In-Reply-To"] == "<p@example.org>"
    assert msg["References"] == "<o@example.org> <p@example.org>"
    assert msg["Date"] == "Tue, 03 Mar 2026 09:00:00 +0000"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == bytes(range(256))
    assert _plain_text(msg) == "line one  \nline two é\n"


def test_encrypted_structure_and_header_protection(gpg_world: GpgWorld) -> None:
    raw = encrypt_pgpmime(_report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    assert _only_crlf(raw)
    assert b"Secret subject" not in raw
    outer = BytesParser(policy=policy.default).parsebytes(raw)
    assert outer["Subject"] == "..."
    assert outer["Message-ID"] == "<c1@example.org>"
    assert outer.get_content_type() == "multipart/encrypted"
    assert outer.get_param("protocol") == "application/pgp-encrypted"
    control, payload = outer.iter_parts()
    assert control.get_content_type() == "application/pgp-encrypted"
    assert str(control.get_payload()).strip() == "Version: 1"
    assert payload.get_content_type() == "application/octet-stream"
    decrypted = gpg_world.team.gpg.decrypt(payload.get_payload())
    assert decrypted.ok
    inner = BytesParser(policy=policy.default).parsebytes(decrypted.data)
    assert inner.get_param("protected-headers") == "v1"
    assert inner.get_param("hp") == "cipher"
    assert inner["Subject"] == "Secret subject"


def test_unprotected_keeps_subject_outside(gpg_world: GpgWorld) -> None:
    raw = encrypt_pgpmime(_report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint], protect_headers=False)
    outer = BytesParser(policy=policy.default).parsebytes(raw)
    assert outer["Subject"] == "Secret subject"
    decrypted = gpg_world.team.gpg.decrypt(list(outer.iter_parts())[1].get_payload())
    assert b"protected-headers" not in decrypted.data


def test_signed_part_bytes_verify_and_micalg_matches(gpg_world: GpgWorld) -> None:
    raw = sign_pgpmime(_report(), gpg_world.reporter.gpg, gpg_world.reporter.fingerprint)
    assert _only_crlf(raw)
    boundary = re.findall(rb'boundary="([^"]+)"', raw)[0]
    pieces = raw.split(b"\r\n--" + boundary)
    signed = pieces[1].removeprefix(b"\r\n")
    signature = pieces[2].split(b"\r\n\r\n", 1)[1]
    sig_path = gpg_world.team.home / "sig.asc"
    sig_path.write_bytes(signature)
    verified = gpg_world.team.gpg.verify_data(str(sig_path), signed)
    assert verified.valid
    assert verified.fingerprint == gpg_world.reporter.fingerprint
    assert not gpg_world.team.gpg.verify_data(str(sig_path), signed.replace(b"line", b"LINE", 1)).valid
    # 7-bit, so no relay re-encodes it.
    assert max(signed) < 128
    packets = subprocess.run(
        ["gpg", "--homedir", str(gpg_world.team.home), "--list-packets", str(sig_path)], capture_output=True, text=True
    ).stdout
    digest = re.findall(r"digest algo (\d+)", packets)[0]
    micalg = re.findall(rb'micalg="([^"]+)"', raw)[0].decode()
    assert micalg == {"8": "pgp-sha256", "9": "pgp-sha384", "10": "pgp-sha512", "11": "pgp-sha224"}[digest]


def test_inline_and_plain(gpg_world: GpgWorld) -> None:
    raw = inline_pgp(_report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    assert _only_crlf(raw)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    text = _plain_text(msg)
    assert text.lstrip().startswith("-----BEGIN PGP MESSAGE-----")
    decrypted = gpg_world.team.gpg.decrypt(text)
    assert decrypted.ok and decrypted.data.decode() == "line one  \nline two é\n"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == bytes(range(256))
    cleartext = plain(_report())
    assert _only_crlf(cleartext)
    assert b"Secret subject" in cleartext
