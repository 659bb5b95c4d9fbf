"""A large plain mail is parsed holding a few times its size, not ten: the real intake (its MIME parser and base64
decoding, a real GnuPG handle) on a 24 MB mail with a base64 attachment, its Python allocations traced."""

from __future__ import annotations

import hashlib
import tracemalloc

from gpg_fixtures import GpgWorld
from test_bounds_plain_mail import plain_mail
from triage_tui.intake.pipeline import GnuPG, process_batch
from triage_tui.intake.records import ParsedMessage

MB = 1024 * 1024


def test_a_24_mb_plain_mail_is_parsed_within_four_times_its_size(gpg_world: GpgWorld) -> None:
    raw = plain_mail("pip: crash dump", 17 * MB)  # 23 MB once in base64 lines: the largest intake parses is 24 MB
    gpg = GnuPG(gpg_world.team.home)
    tracemalloc.start()
    try:
        (message,) = process_batch([raw], gpg)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert isinstance(message, ParsedMessage) and message.subject == "pip: crash dump"
    (attachment,) = message.attachments
    assert attachment.size == 17 * MB and attachment.sha256 == hashlib.sha256(attachment.data).hexdigest()
    # Held at once: the message, its tree's text of the attachment, that text as bytes and the attachment decoded
    # (main held 186 MB: the whole message split into lines, and the attachment's lines split and joined again).
    assert peak < 4 * len(raw), f"{peak / MB:.0f} MB at the peak for a {len(raw) / MB:.0f} MB mail"
