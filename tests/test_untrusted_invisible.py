"""Invisible characters (zero-width space and joiners, word joiner, invisible operators, BOM, soft hyphen, Mongolian
vowel separator) are made visible on screen and in text output and escaped in JSON, like bidi overrides, so that
`p\u200bip` can never pass for `pip`; a zero-width joiner inside an emoji sequence is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from test_config import VALID
from triage_tui.advisories.record import Advisory
from triage_tui.advisories.validation import validate
from triage_tui.untrusted import json_text, neutralise, neutralise_line
from ui_fixtures import BASE, message, printed, seeded_store

INVISIBLE = [
    "\u00ad",
    "\u180e",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u2061",
    "\u2062",
    "\u2063",
    "\u2064",
    "\ufeff",
]
EMOJI = "\U0001f469\u200d\U0001f4bb"  # woman technologist: two pictographs joined by U+200D


@pytest.mark.parametrize("character", INVISIBLE)
def test_an_invisible_character_in_a_word_is_shown_and_escaped(character: str) -> None:
    marker = f"<U+{ord(character):04X}>"
    assert neutralise(f"p{character}ip") == f"p{marker}ip"
    assert neutralise_line(f"p{character}ip\nx") == f"p{marker}ip x"
    text = json_text({"name": f"p{character}ip"}, indent=None)
    assert text == f'{{"name": "p\\u{ord(character):04x}ip"}}'
    assert json.loads(text) == {"name": f"p{character}ip"}  # the same document for a parser


def test_a_zero_width_joiner_inside_an_emoji_sequence_is_kept() -> None:
    assert neutralise(f"thanks {EMOJI}!") == f"thanks {EMOJI}!"
    assert json_text(EMOJI) == json.dumps(EMOJI, ensure_ascii=False)
    assert neutralise("\U0001f469\u200dx \u200d\U0001f4bb") == "\U0001f469<U+200D>x <U+200D>\U0001f4bb"


def test_advisory_validation_refuses_invisible_characters() -> None:
    problems = validate(
        Advisory(case_id="PSC-2026-0001", summary="Path traversal in p\u200bip", details="see p\ufeffip")
    )
    assert {problem.field for problem in problems} >= {"summary", "details"}


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    """A workspace holding one report whose subject and sender's name hide a zero-width space and a BOM (raw, as if
    an older intake had stored them)."""
    report = message(1, "p\u200bip: RCE in i\ufeffnstall", sender=("Pa\u200dblo", "pablo@example.net"), date=BASE)
    seeded_store(tmp_path / "triage.db", [report])
    (tmp_path / "config.toml").write_text(with_identity(VALID, gpg_world.team))
    return tmp_path


@pytest.mark.parametrize("command", [("cases",), ("show", "PSC-2026-0001")])
def test_text_output_shows_invisible_characters(home: Path, command: tuple[str, ...]) -> None:
    text = printed(home, *command)
    assert not any(character in text for character in INVISIBLE)
    assert "p<U+200B>ip: RCE in i<U+FEFF>nstall" in text


@pytest.mark.parametrize("command", [("cases", "--json"), ("show", "PSC-2026-0001", "--json")])
def test_json_output_escapes_invisible_characters(home: Path, command: tuple[str, ...]) -> None:
    text = printed(home, *command)
    assert not any(character in text for character in INVISIBLE)
    assert "p\\u200bip: RCE in i\\ufeffnstall" in text
    parsed = json.dumps(json.loads(text), ensure_ascii=False)  # the escapes are JSON's own: the text as stored
    assert "p\u200bip: RCE in i\ufeffnstall" in parsed
