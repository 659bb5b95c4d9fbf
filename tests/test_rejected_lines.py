"""The rejected-events view's lines: a sender the roster knows is named, an unsigned event is said to only name its
author (it proves nothing), and everything stays neutralised."""

from __future__ import annotations

from triage_tui.screens.rejected_events import rejected_lines

KNOWN = "A" * 40
STRANGER = "B" * 40


def test_a_signed_event_names_its_sender_by_the_rosters_name() -> None:
    text = rejected_lines(
        [("PSC-2026-0001", KNOWN, "state", "beyond its author's rights", KNOWN)], {KNOWN: "Pia"}
    ).plain
    assert "by Pia (AAAA AAAA" in text and "unsigned" not in text


def test_an_unsigned_event_only_names_an_author() -> None:
    text = rejected_lines([("PSC-2026-0001", KNOWN, "note", "unsigned", None)], {KNOWN: "Pia"}).plain
    assert "unsigned, naming Pia (AAAA" in text and " by " not in text


def test_a_key_signing_for_another_author_is_shown_beside_it() -> None:
    text = rejected_lines([("PSC-2026-0001", KNOWN, "note", "not the author", STRANGER)], {KNOWN: "Pia"}).plain
    assert "by Pia (AAAA" in text and "signed by BBBB BBBB" in text


def test_a_hostile_name_is_shown_safely() -> None:
    text = rejected_lines([("PSC-2026-0001", KNOWN, "note", "x", KNOWN)], {KNOWN: "[b]Pia\x1b[2J\u202e"}).plain
    assert "\x1b" not in text and "\u202e" not in text and "[b]Pia" in text


def test_a_message_holding_no_event_is_said_to_be_one() -> None:
    text = rejected_lines([("-", "-", "-", "not a team event message (Team/pip, UID 3)", None)]).plain
    assert text.startswith("a message holding no team event") and "(Team/pip, UID 3)" in text and "naming" not in text
