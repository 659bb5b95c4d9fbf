"""Tests what `team join` shows before joining and how it takes the answer: on a real pseudo-terminal, from a pipe,
and with --yes."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import pytest

from invitation_fixtures import INVITEE, INVITER, valid_document
from triage_tui.team.invitation_document import check
from triage_tui.team.join_prompt import QUESTION, NotConfirmed, confirm, confirmation_text


def test_the_text_names_the_inviter_their_key_in_fours_the_role_and_the_server() -> None:
    text = confirmation_text(check(valid_document()))

    assert "Coco O'Brien <coord@team.example>" in text
    assert " ".join(["AAAA"] * 10) in text
    assert "maintainer of pip, zope.interface" in text
    assert f"Zoë Ørsted <zoe@pip.example>, key {' '.join(['BBBB'] * 10)}" in text
    assert "imap.team.example port 993 (tls), account zoe" in text
    assert INVITER not in text and INVITEE not in text  # only the grouped form, as people compare it


def test_a_coordinator_invitation_says_so() -> None:
    document = valid_document()
    document["invitee"].update(role="coordinator", projects=[])

    assert "coordinator (every project)" in confirmation_text(check(document))


@contextmanager
def terminal(typed: bytes) -> Iterator[TextIO]:
    """A real pseudo-terminal whose reading end has `typed` waiting."""
    controller, device = os.openpty()
    try:
        os.write(controller, typed)
        with os.fdopen(os.dup(device), "r", encoding="utf-8") as stdin:
            yield stdin
    finally:
        os.close(controller)
        os.close(device)


@pytest.mark.parametrize(
    ("typed", "agreed"),
    [(b"y\n", True), (b"YES\n", True), (b"n\n", False), (b"\n", False), (b"yes please\n", False), (b"oui\n", False)],
)
def test_on_a_terminal_only_y_or_yes_joins(typed: bytes, agreed: bool) -> None:
    shown = io.StringIO()
    with terminal(typed) as stdin:
        assert stdin.isatty()
        assert confirm("the text", yes=False, stdin=stdin, stdout=shown) is agreed
    assert shown.getvalue() == "the text\n" + QUESTION


def test_yes_joins_without_asking() -> None:
    shown = io.StringIO()
    read_end, write_end = os.pipe()
    os.close(write_end)
    with os.fdopen(read_end, "r") as pipe:
        assert confirm("the text", yes=True, stdin=pipe, stdout=shown) is True
    assert shown.getvalue() == "the text\n"


def test_a_pipe_without_yes_is_refused_without_reading_it() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"y\n")  # a script answering for the joiner, who never saw the fingerprint
    os.close(write_end)
    with os.fdopen(read_end, "r") as pipe, pytest.raises(NotConfirmed) as refused:
        confirm("the text", yes=False, stdin=pipe, stdout=io.StringIO())
    assert "\n" not in str(refused.value) and "--yes" in str(refused.value)
