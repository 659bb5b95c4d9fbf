"""Changes `[identity] fingerprint` in a config file's text and nothing else (`team rotate-key`): every other byte,
comments and layout included, is kept, and the result is read back to prove only that value changed."""

from __future__ import annotations

import re
import tomllib
from typing import Any

_FULL_FINGERPRINT = re.compile(r"[0-9A-F]{40}")
_TABLE = re.compile(r"^[ \t]*\[\[?[ \t]*([^\]\r\n]*?)[ \t]*\]\]?[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
_FINGERPRINT_LINE = re.compile(r"^[ \t]*fingerprint[ \t]*=[ \t]*(\"[^\"\\\r\n]*\"|'[^'\r\n]*')", re.MULTILINE)


class IdentityWriteError(ValueError):
    """The config's identity cannot be changed in place; the message is one line saying why and what to do."""


def with_identity_fingerprint(text: str, fingerprint: str) -> str:
    """`text` with the value of `fingerprint = "..."` in its `[identity]` table replaced by `fingerprint` (40 upper
    hex digits); IdentityWriteError when there is not exactly one such line or the edit would change anything else."""
    if not _FULL_FINGERPRINT.fullmatch(fingerprint):
        raise IdentityWriteError(f"{fingerprint[:60]!r} is not a 40-hex-digit key fingerprint")
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise IdentityWriteError(f"the config is not valid TOML ({error})") from None
    tables = list(_TABLE.finditer(text))
    identity = [table for table in tables if table.group(1) == "identity"]
    if len(identity) != 1:
        raise IdentityWriteError("the config has no single [identity] table header; set identity.fingerprint by hand")
    start = identity[0].end()
    end = next((table.start() for table in tables if table.start() > start), len(text))
    found = list(_FINGERPRINT_LINE.finditer(text, start, end))
    if len(found) != 1:
        raise IdentityWriteError(
            '[identity] has no single `fingerprint = "..."` line; set identity.fingerprint by hand'
        )
    value = found[0].span(1)
    changed = text[: value[0]] + f'"{fingerprint}"' + text[value[1] :]
    # Read back: the text must mean exactly what it meant with that one value changed (a lookalike line inside a
    # multi-line string, say, is refused rather than edited).
    expected: dict[str, Any] = dict(before)
    expected["identity"] = {**before.get("identity", {}), "fingerprint": fingerprint}
    try:
        after = tomllib.loads(changed)
    except tomllib.TOMLDecodeError:
        after = None
    if after != expected:
        raise IdentityWriteError("the config's identity did not read back as written; set identity.fingerprint by hand")
    return changed
