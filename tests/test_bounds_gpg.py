"""Bounds on decryption (issue 15, item 8): a real OpenPGP compression bomb made by gpg stops at gpg's own write
limit and is never read in; the message records why and the rest of the batch decrypts as usual."""

from __future__ import annotations

import random
import re
import subprocess
import tempfile

from gpg_fixtures import REPORTER_EMAIL, TEAM_EMAIL, GpgWorld, Keyring, pgpmime_envelope
from test_intake_pipeline import SECRET, one, report
from triage_tui.compose import encrypt_pgpmime
from triage_tui.domain import Decryption
from triage_tui.intake.pipeline import GnuPG, process_batch
from triage_tui.intake.records import ParsedMessage


def compression_bomb(sender: Keyring, recipient: str, inflated: int, block: bytes = b"A" * (1024 * 1024)) -> bytes:
    """A real OpenPGP message, compressed at level 9 by gpg, whose plaintext is a mail with `inflated` bytes of body
    (`block` repeated: all one letter makes a bomb, varied text an ordinary message)."""
    head = f"From: Rep <{REPORTER_EMAIL}>\r\nTo: {TEAM_EMAIL}\r\nSubject: bomb\r\n\r\n".encode()
    with tempfile.TemporaryFile() as output:  # a file, not a pipe: gpg writes while it is still being fed
        proc = subprocess.Popen(
            [
                *("gpg", "--homedir", str(sender.home), "--batch", "--trust-model", "always", "--compress-level", "9"),
                *("--armor", "--recipient", recipient, "--encrypt"),
            ],
            stdin=subprocess.PIPE,
            stdout=output,
        )
        assert proc.stdin is not None
        proc.stdin.write(head)
        for _ in range(inflated // len(block)):
            proc.stdin.write(block)
        proc.stdin.close()
        assert proc.wait() == 0
        output.seek(0)
        return output.read()


MAX_PLAINTEXT_BYTES = 12 * 1024 * 1024  # gnupg_batch.MAX_PLAINTEXT_BYTES


def test_a_compression_bomb_stops_at_the_plaintext_cap(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    inflated = 2 * MAX_PLAINTEXT_BYTES
    armour = compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, inflated)
    assert len(armour) < inflated // 500  # it really is a bomb
    fine = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    bomb, after = process_batch([pgpmime_envelope(armour), fine], team_gnupg)
    assert isinstance(bomb, ParsedMessage)
    assert bomb.verdict.decryption is Decryption.FAILED and bomb.body == ""
    assert bomb.verdict.error == (
        f"the decrypted message is over {MAX_PLAINTEXT_BYTES} bytes (a compression bomb?); not read"
    )
    assert isinstance(after, ParsedMessage) and after.verdict.decryption is Decryption.OK
    assert after.body == SECRET.rstrip("\n")


def test_the_plaintext_cap_is_the_one_in_force() -> None:
    from triage_tui.intake import gnupg_batch

    assert gnupg_batch.MAX_PLAINTEXT_BYTES == MAX_PLAINTEXT_BYTES


def log_lines(size: int, seed: int = 1) -> bytes:
    """`size` bytes of a crash log: numbered lines with random addresses, which compress like a real log (~3x)."""
    rng = random.Random(seed)
    lines = bytearray()
    while len(lines) < size:
        lines += f"{len(lines):08d} frame 0x{rng.getrandbits(48):012x} in worker()\n".encode()
    return bytes(lines[:size])


def test_a_plaintext_under_the_cap_is_read_whole(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    armour = compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, 2 * 1024 * 1024, log_lines(1024 * 1024))
    message = one(pgpmime_envelope(armour), team_gnupg)
    assert message.verdict.decryption is Decryption.OK and len(message.body) == 2 * 1024 * 1024


def test_a_bomb_under_the_cap_is_refused_for_its_amplification(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    """2 MB of one letter from a 3 KB message: under the 12 MB cap, but no report compresses a thousandfold."""
    armour = compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, 2 * 1024 * 1024)
    fine = encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint])
    bomb, after = process_batch([pgpmime_envelope(armour), fine], team_gnupg)
    assert isinstance(bomb, ParsedMessage)
    assert bomb.verdict.decryption is Decryption.FAILED and bomb.body == ""
    found = re.fullmatch(
        r"the message decrypts to (\d+) times its size \((\d+) bytes from (\d+); a compression bomb\?\); not read",
        bomb.verdict.error or "",
    )
    assert found is not None, bomb.verdict.error
    ratio, plaintext, ciphertext = map(int, found.groups())
    assert plaintext > 2 * 1024 * 1024 and ciphertext < 5000 and ratio == plaintext // ciphertext
    assert isinstance(after, ParsedMessage) and after.verdict.decryption is Decryption.OK


def test_a_small_plaintext_is_never_refused_for_its_ratio(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    """Half a megabyte of zeros pasted in compresses a thousandfold too, and is still read: under the floor."""
    armour = compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, 512 * 1024, b"0" * (512 * 1024))
    message = one(pgpmime_envelope(armour), team_gnupg)
    assert message.verdict.decryption is Decryption.OK and len(message.body) == 512 * 1024


def test_decryption_hands_back_what_passes_the_plaintext_budget(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    """Four 200 KB plaintexts with a 300 KB budget: one is read per call (the first always), the rest handed back,
    and a plain mail before the first one not decrypted is kept with the part read."""
    from test_bounds_plain_mail import plain_mail
    from triage_tui.intake.plaintext_budget import PlaintextLease

    encrypted = [
        pgpmime_envelope(compression_bomb(gpg_world.reporter, gpg_world.team.fingerprint, SIZE, log_lines(SIZE, n)))
        for n in range(4)
    ]
    plain = plain_mail("plain in between", 0)
    raws = [encrypted[0], plain, encrypted[1], encrypted[2], plain, encrypted[3]]
    lengths = []
    while raws:
        results = process_batch(raws, team_gnupg, lease=PlaintextLease(300 * 1024))
        assert results and all(isinstance(r, ParsedMessage) and r.verdict.error is None for r in results)
        lengths.append(len(results))
        raws = raws[len(results) :]
    assert lengths == [2, 1, 2, 1]


SIZE = 200 * 1024


def test_a_damaged_report_takes_none_of_the_reports_after_it_down(gpg_world: GpgWorld, team_gnupg: GnuPG) -> None:
    """gpg abandons a `--decrypt-files` run at a damaged message (no FILE_DONE): the files after it are run again,
    and the damaged one is not retried first (which failed every later report of the chunk)."""
    from triage_tui.demo.wrap import corrupt

    fine = [encrypt_pgpmime(report(), gpg_world.reporter.gpg, [gpg_world.team.fingerprint]) for _ in range(3)]
    damaged = corrupt(fine[1], random.Random(7))
    first, broken, *after = process_batch([fine[0], damaged, fine[2], fine[0]], team_gnupg)
    assert isinstance(broken, ParsedMessage) and broken.verdict.decryption is Decryption.FAILED
    for message in (first, *after):
        assert isinstance(message, ParsedMessage) and message.verdict.decryption is Decryption.OK
        assert message.body == SECRET.rstrip("\n")
