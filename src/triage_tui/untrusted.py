"""Provides the neutralising of untrusted text: control characters, ESC sequences and bidi overrides made visible."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from email.utils import parseaddr
from typing import Any

DEL_AND_C1 = "\x7f-\x9f"
"""DEL and the C1 controls, as a regex character-class range."""
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
"""Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), and the implicit marks, which can also
reorder what a reader sees (U+200E, U+200F, U+061C), as a regex character class."""
INVISIBLE_FORMAT = "\u00ad\u180e\u200b\u200c\u2060-\u2064\ufeff"
"""Characters that draw nothing: the soft hyphen, the Mongolian vowel separator, zero-width space and non-joiner,
word joiner and invisible operators (U+2060-U+2064) and the byte-order mark / zero-width no-break space; hidden in a
word they make look-alikes (`p\u200bip`), as a regex character class."""
EMOJI_PARTS = "\u2600-\u27bf\ufe0f\U0001f000-\U0001faff"
"""Pictographs, the emoji variation selector and skin-tone modifiers: what a zero-width joiner joins in an emoji
sequence, as a regex character class."""
LONE_ZWJ = f"(?<![{EMOJI_PARTS}])\u200d|\u200d(?![{EMOJI_PARTS}])"
"""A zero-width joiner (U+200D) anywhere but between two emoji parts, as a regex. Inside an emoji sequence (👩‍💻) it
only joins pictures and is kept, so reporters' emoji read as sent; between letters it can only hide, like U+200B."""
# C0 controls except TAB and LF, DEL, and the C1 range. ESC (0x1b) is among them, so no escape sequence survives.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f{DEL_AND_C1}]")
# Shown as <U+XXXX>: what reorders or hides text without being a control.
_MARKED = re.compile(f"[{BIDI_CONTROLS}{INVISIBLE_FORMAT}]|{LONE_ZWJ}")
_SINGLE_LINE_BREAKS = re.compile(r"[\t\n\u2028\u2029\u0085]+")
# What json.dumps leaves raw in a string (it escapes C0 controls only): DEL, C1 controls, bidi controls, invisible
# format characters and the Unicode line separators, which a terminal would act on or an editor reorder, hide or break.
_JSON_INVISIBLE = re.compile(f"[{DEL_AND_C1}{BIDI_CONTROLS}{INVISIBLE_FORMAT}\u2028\u2029]|{LONE_ZWJ}")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        # U+2400 block: "Control Pictures" show each C0 control as a visible glyph (ESC becomes ␛).
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def _code_marker(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def neutralise(text: str) -> str:
    """Return `text` with every control character, bidi control and invisible character replaced by a visible
    placeholder.

    Tabs and newlines are kept; CR is dropped from CRLF pairs so bodies read naturally.
    """
    text = text.replace("\r\n", "\n")
    text = _CONTROL.sub(_control_picture, text)
    return _MARKED.sub(_code_marker, text)


def neutralise_line(text: str) -> str:
    """Return `text` neutralised and folded onto one line (for subjects, names and filenames)."""
    return neutralise(_SINGLE_LINE_BREAKS.sub(" ", text.replace("\r\n", " "))).strip()


def terminal_document(value: Any, multiline: Collection[str] = ()) -> Any:
    """A JSON-like document for text output: every string in it (keys too) neutralised and folded onto one line,
    except the values of the `multiline` keys (bodies), which keep their lines. Whatever a field holds and wherever
    it came from, nothing in it acts on the terminal."""
    if isinstance(value, str):
        return neutralise_line(value)
    if isinstance(value, dict):
        return {
            neutralise_line(str(key)): neutralise(inner)
            if key in multiline and isinstance(inner, str)
            else terminal_document(inner, multiline)
            for key, inner in value.items()
        }
    if isinstance(value, list | tuple):
        return [terminal_document(inner, multiline) for inner in value]
    return value


def json_text(document: object, indent: int | None = 2) -> str:
    """`document` as JSON with every control, bidi and invisible character escaped (`\\u202e`): the same document for a
    parser, and nothing a terminal acts on or an editor reorders. For every JSON output."""
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    # Outside strings JSON is ASCII, so these characters can only be inside strings, where an escape means the same.
    return _JSON_INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def address_of(value: str) -> str:
    """The bare, lower-cased address in `value` ("Rita <RITA@x.org>" -> "rita@x.org"); "" if it is not one."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return ""  # a line break here could smuggle a header or a second recipient
    _name, address = parseaddr(value)
    address = address.strip()
    if address.count("@") != 1 or any(c.isspace() or ord(c) < 0x20 for c in address):
        return ""
    return address.lower()
